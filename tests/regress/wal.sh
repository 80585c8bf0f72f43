#!/bin/sh
# wal.sh: the log (p2pchat.db-wal) is written out at open and kept between
# runs, holding nothing after a clean exit; a database file restored from a
# backup beside the kept log opens as it was; a log that cannot be copied
# back whole at exit (a reader holds an old snapshot), or that another
# process has open, is left whole, and nothing is lost.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

wal="$T/alice/p2pchat.db-wal"
zeros=$(printf '%064d' 0)

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
hdr=$(od -v -A n -t x1 -N 32 "$wal" | tr -d ' \n')
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

# 5. A reader holds an old snapshot while alice writes and exits: the log
# cannot all be copied back, so its header stays and its frames are read
# at the next start; nothing is lost.
if ! command -v sqlite3 > /dev/null; then
	skip "no sqlite3 command to hold a snapshot with"
fi
start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$b_port"
wait_for alice "\"id\":\"$bob_id\".*\"state\":\"online\""
sqlite3 "$T/alice/p2pchat.db" > "$T/reader.out" 2>&1 <<EOF &
BEGIN;
SELECT 'snapshot', count(*) FROM messages;
.shell sleep 5
COMMIT;
EOF
reader=$!
i=0
until grep -q snapshot "$T/reader.out"; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "the sqlite3 reader did not start"
	sleep 0.05
done
before=$(count alice '"event":"delivered"')
msg_lines bob three 1 10 > "$T/alice.in"
wait_for alice '"event":"delivered"' 30 $((before + 10))
stop_node alice
grep -q "not fully checkpointed" "$T/alice/p2pchat.log" ||
    fail "exit with a reader: no word that the log was left whole"
hdr=$(od -v -A n -t x1 -N 32 "$wal" | tr -d ' \n')
[ "$hdr" != "$zeros" ] || fail "log header cleared with frames not copied"
wait "$reader"
start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$b_port"
n=$(history_count alice bob three)
[ "$n" -eq 10 ] || fail "after an exit with a reader: $n of 10 messages"

# 6. Another process has the database open, idle, at exit: the log can be
# checkpointed but is not cleared (that process could still write after
# its header); nothing is lost.
sqlite3 "$T/alice/p2pchat.db" > "$T/idle.out" 2>&1 <<EOF &
SELECT 'open', count(*) FROM messages;
.shell sleep 4
EOF
idle=$!
i=0
until grep -q open "$T/idle.out"; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "the idle sqlite3 did not start"
	sleep 0.05
done
wait_for alice "\"id\":\"$bob_id\".*\"state\":\"online\""
before=$(count alice '"event":"delivered"')
msg_lines bob four 1 5 > "$T/alice.in"
wait_for alice '"event":"delivered"' 30 $((before + 5))
stop_node alice
grep -q "in use by another process" "$T/alice/p2pchat.log" ||
    fail "exit beside another process: no word that the log was left"
hdr=$(od -v -A n -t x1 -N 32 "$wal" | tr -d ' \n')
[ "$hdr" != "$zeros" ] || fail "log header cleared under another process"
wait "$idle"
start_node alice -l 127.0.0.1:0
n=$(history_count alice bob four)
[ "$n" -eq 5 ] || fail "after an exit beside another process: $n of 5"
stop_node alice
stop_node bob
pass
