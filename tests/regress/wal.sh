#!/bin/sh
# wal.sh: the log (p2pchat.db-wal) is SQLite's, bounded while the node
# runs and gone after a clean exit, however large it grew; a database file
# restored from a backup opens as it was; a log that cannot be copied back
# whole at exit (a reader holds an old snapshot) is left to SQLite, and
# nothing is lost; another process that has the database open at exit
# does not keep the log from being emptied.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

wal="$T/alice/p2pchat.db-wal"
limit=16777216		# PRAGMA journal_size_limit in store.c
zeros=$(printf '%064d' 0)

# The log's 32-byte header, in hex.
wal_header() {
	od -v -A n -t x1 -N 32 "$wal" | tr -d ' \n'
}

# The log's size in bytes, 0 if there is none.
wal_size() {
	if [ -f "$wal" ]; then
		wc -c < "$wal" | tr -d ' '
	else
		echo 0
	fi
}

# history_count NODE PEER TEXT: messages of NODE's history with PEER whose
# text starts with TEXT and a space.
history_count() {
	_before=$(count "$1" '"event":"done","command":"history"')
	_lines=$(wc -l < "$T/$1.out")
	send "$1" "/history $2 10000"
	wait_for "$1" '"event":"done","command":"history"' 20 $((_before + 1))
	tail -n +$((_lines + 1)) "$T/$1.out" | grep '"event":"history"' |
	    grep -c "\"text\":\"$3 " || true
}

# big TEXT FIRST LAST: alice sends bob messages TEXT FIRST..LAST of 2 KiB
# each, and waits until all are delivered.
pad=$(printf '%02048d' 0)
big() {
	_before=$(count alice '"event":"delivered"')
	msg_lines bob "$1" "$2" "$3" " $pad" > "$T/alice.in"
	wait_for alice '"event":"delivered"' 60 $((_before + $3 - $2 + 1))
}

start_pair alice bob
b_port=$bob_port

# 1. Many writes grow the log; a clean exit leaves none (issue 14: 391 MB
# of log stayed after one).
big many 1 1500
size=$(wal_size)
[ "$size" -ge 1048576 ] || fail "the log did not grow: $size bytes"
stop_node alice
size=$(wal_size)
[ "$size" -eq 0 ] || fail "$size bytes of log left after a clean exit"

# 2. The next run has every message.
start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$b_port"
n=$(history_count alice bob many)
[ "$n" -eq 1500 ] || fail "after a restart alice has $n of 1500 messages"

# 3. A backup of the database file, restored after a later run, opens as
# it was: the later messages are not replayed into it.
stop_node alice
cp "$T/alice/p2pchat.db" "$T/alice.db.bak"
start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$b_port"
msg_lines bob two 1 5 > "$T/alice.in"
wait_for alice '"event":"delivered"' 30 5
stop_node alice
cp "$T/alice.db.bak" "$T/alice/p2pchat.db"
start_node alice -l 127.0.0.1:0
n=$(history_count alice bob many)
[ "$n" -eq 1500 ] || fail "restored backup: $n of its 1500 messages"
n=$(history_count alice bob two)
[ "$n" -eq 0 ] || fail "restored backup: $n later messages replayed into it"
stop_node alice
if ! command -v sqlite3 > /dev/null; then
	skip "no sqlite3 command to hold a snapshot with"
fi
r=$(sqlite3 "$T/alice/p2pchat.db" "PRAGMA integrity_check")
[ "$r" = ok ] || fail "restored backup: integrity_check: $r"

# 4. While the node runs the log is bounded: a reader holding a snapshot
# makes it grow past the limit (nothing can be copied back past the
# snapshot); once the reader is done, checkpoints catch up and the log
# starts again, cut back to the limit.
mkfifo "$T/reader.in"
sleep 100000 > "$T/reader.in" &
holder=$!
sqlite3 "$T/alice/p2pchat.db" < "$T/reader.in" > "$T/reader.out" 2>&1 &
side=$!
printf "BEGIN;\nSELECT 'snapshot', count(*) FROM messages;\n" > "$T/reader.in"
i=0
until grep -q snapshot "$T/reader.out"; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "the sqlite3 reader did not start"
	sleep 0.05
done
start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$b_port"
wait_for alice "\"id\":\"$bob_id\".*\"state\":\"online\""
big pinned 1 4000
size=$(wal_size)
[ "$size" -gt "$limit" ] || fail "the pinned log is only $size bytes"
printf "COMMIT;\nSELECT 'released';\n" > "$T/reader.in"
i=0
until grep -q released "$T/reader.out"; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "the sqlite3 reader did not end its snapshot"
	sleep 0.05
done
# Each message commits; one of them finds the log copied back and starts
# it again.
i=0
while [ "$(wal_size)" -gt "$limit" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "the log stayed at $(wal_size) bytes"
	big after $i $i
done
stop_node alice
size=$(wal_size)
[ "$size" -eq 0 ] || fail "$size bytes of log left after a clean exit"
kill "$holder"
wait "$side"

# 5. A reader holds an old snapshot while alice writes and exits: the log
# cannot all be copied back, so it is left to SQLite, its header and
# frames intact, and read at the next start; nothing is lost.
start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$b_port"
sqlite3 "$T/alice/p2pchat.db" > "$T/reader2.out" 2>&1 <<EOF &
BEGIN;
SELECT 'snapshot', count(*) FROM messages;
.shell sleep 5
COMMIT;
EOF
side=$!
i=0
until grep -q snapshot "$T/reader2.out"; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "exit with a reader: sqlite3 did not start"
	sleep 0.05
done
wait_for alice "\"id\":\"$bob_id\".*\"state\":\"online\""
msg_lines bob three 1 10 > "$T/alice.in"
wait_for alice '"event":"delivered"' 30 10
stop_node alice
grep -q "log not checkpointed at exit" "$T/alice/p2pchat.log" ||
    fail "exit with a reader: no word in the log file that the log was left"
[ "$(wal_header)" != "$zeros" ] || fail "exit with a reader: log cleared"
wait "$side"
start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$b_port"
n=$(history_count alice bob three)
[ "$n" -eq 10 ] || fail "exit with a reader: $n of 10 messages after a restart"
stop_node alice

# 6. Another process has the database open, idle, at exit: the log is
# still copied back and emptied (SQLite only leaves the file itself for
# that process); nothing is lost.
: > "$T/alice/p2pchat.log"
start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$b_port"
sqlite3 "$T/alice/p2pchat.db" > "$T/idle.out" 2>&1 <<EOF &
SELECT 'open', count(*) FROM messages;
.shell sleep 4
EOF
side=$!
i=0
until grep -q open "$T/idle.out"; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "the idle sqlite3 process did not start"
	sleep 0.05
done
wait_for alice "\"id\":\"$bob_id\".*\"state\":\"online\""
msg_lines bob four 1 5 > "$T/alice.in"
wait_for alice '"event":"delivered"' 30 5
stop_node alice
size=$(wal_size)
[ "$size" -eq 0 ] || fail "exit beside another process: $size bytes of log"
grep -q "log not checkpointed" "$T/alice/p2pchat.log" &&
    fail "exit beside another process: the log was not checkpointed"
wait "$side"
start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$b_port"
n=$(history_count alice bob four)
[ "$n" -eq 5 ] || fail "exit beside another process: $n of 5 messages"
stop_node alice
stop_node bob
pass
