#!/bin/sh
# wal.sh: the log (p2pchat.db-wal) is written out at open and kept between
# runs, holding nothing after a clean exit; a database file restored from a
# backup beside the kept log opens as it was; a log that cannot be copied
# back whole at exit (a reader holds an old snapshot), or that another
# process has open, is left whole, and nothing is lost.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

wal="$T/alice/p2pchat.db-wal"
zeros=$(printf '%064d' 0)

# The log's 32-byte header, in hex.
wal_header() {
	od -v -A n -t x1 -N 32 "$wal" | tr -d ' \n'
}

# history_count NODE PEER TEXT: messages of NODE's history with PEER whose
# text starts with TEXT and a space.
history_count() {
	_before=$(count "$1" '"event":"done","command":"history"')
	_lines=$(wc -l < "$T/$1.out")
	send "$1" "/history $2 1000"
	wait_for "$1" '"event":"done","command":"history"' 20 $((_before + 1))
	tail -n +$((_lines + 1)) "$T/$1.out" | grep '"event":"history"' |
	    grep -c "\"text\":\"$3 " || true
}

start_pair alice bob
b_port=$bob_port

# 1. Written out at open.
size=$(wc -c < "$wal")
[ "$size" -ge 5242880 ] || fail "log is $size bytes after open"

msg_lines bob one 1 20 > "$T/alice.in"
wait_for alice '"event":"delivered"' 30 20
stop_node alice

# 2. Kept after a clean exit, with its header zeroed: no valid frame.
[ -f "$wal" ] || fail "log deleted at exit"
[ "$(wc -c < "$wal")" -ge 5242880 ] || fail "log cut at exit"
hdr=$(wal_header)
[ "$hdr" = "$zeros" ] || fail "log header not cleared at exit: $hdr"

# 3. The next run reads the database alone and has every message.
start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$b_port"
n=$(history_count alice bob one)
[ "$n" -eq 20 ] || fail "after a restart alice has $n of 20 messages"

# 4. A backup of the database file, restored beside the log a later run
# kept, opens as it was: the later messages are not replayed into it.
stop_node alice
cp "$T/alice/p2pchat.db" "$T/alice.db.bak"
start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$b_port"
msg_lines bob two 1 5 > "$T/alice.in"
wait_for alice '"event":"delivered"' 30 25
stop_node alice
cp "$T/alice.db.bak" "$T/alice/p2pchat.db"
start_node alice -l 127.0.0.1:0
n=$(history_count alice bob one)
[ "$n" -eq 20 ] || fail "restored backup: $n of its 20 messages"
n=$(history_count alice bob two)
[ "$n" -eq 0 ] || fail "restored backup: $n later messages replayed into it"
stop_node alice
if command -v sqlite3 > /dev/null; then
	r=$(sqlite3 "$T/alice/p2pchat.db" "PRAGMA integrity_check")
	[ "$r" = ok ] || fail "restored backup: integrity_check: $r"
else
	echo "wal.sh: no sqlite3 command: integrity of the restore not checked"
fi

# exit_beside NAME MARK TEXT N WHY LOGLINE: with a sqlite3 process (its
# output in $T/NAME.out, MARK printed once it holds the database) running
# in the background as $side, alice sends N messages TEXT 1..N and exits:
# the log's header stays, her log file has LOGLINE, and the next start has
# all N. WHY names the case in failures.
exit_beside() {
	i=0
	until grep -q "$2" "$T/$1.out"; do
		i=$((i + 1))
		[ $i -gt 200 ] && fail "$5: the sqlite3 process did not start"
		sleep 0.05
	done
	wait_for alice "\"id\":\"$bob_id\".*\"state\":\"online\""
	before=$(count alice '"event":"delivered"')
	msg_lines bob "$3" 1 "$4" > "$T/alice.in"
	wait_for alice '"event":"delivered"' 30 $((before + $4))
	stop_node alice
	grep -q "$6" "$T/alice/p2pchat.log" ||
	    fail "$5: no word in the log file that the log was left"
	hdr=$(wal_header)
	[ "$hdr" != "$zeros" ] || fail "$5: log header cleared"
	wait "$side"
	start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$b_port"
	n=$(history_count alice bob "$3")
	[ "$n" -eq "$4" ] || fail "$5: $n of $4 messages after a restart"
}

# 5. A reader holds an old snapshot while alice writes and exits: the log
# cannot all be copied back, so its header stays and its frames are read
# at the next start; nothing is lost.
if ! command -v sqlite3 > /dev/null; then
	skip "no sqlite3 command to hold a snapshot with"
fi
start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$b_port"
sqlite3 "$T/alice/p2pchat.db" > "$T/reader.out" 2>&1 <<EOF &
BEGIN;
SELECT 'snapshot', count(*) FROM messages;
.shell sleep 5
COMMIT;
EOF
side=$!
exit_beside reader snapshot three 10 "exit with a reader" \
    "not fully checkpointed"

# 6. Another process has the database open, idle, at exit: the log can be
# checkpointed but is not cleared (that process could still write after
# its header); nothing is lost.
sqlite3 "$T/alice/p2pchat.db" > "$T/idle.out" 2>&1 <<EOF &
SELECT 'open', count(*) FROM messages;
.shell sleep 4
EOF
side=$!
exit_beside idle open four 5 "exit beside another process" \
    "in use by another process"
stop_node alice
stop_node bob
pass
