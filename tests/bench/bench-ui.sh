#!/bin/sh
# bench-ui.sh: figures for the screen (issue 5). Prints, asserts nothing.
#
#   P2PCHAT=./p2pchat sh tests/bench/bench-ui.sh [flood|turns|cold|idle]...
#
#   flood  keystroke-to-echo latency (p50/p99/max) while a headless peer
#          sends 10,000 messages as fast as it can; redraws per second
#   turns  the same flood under strace: event-loop turns (epoll_wait
#          calls) against redraws (P2PCHAT_UI_STATS counters)
#   cold   cold start to the first drawn screen with a 1,000,000-message
#          database (all read, then half unread), and opening it
#   idle   CPU time and system calls of an idle screen over IDLE_SECS
#          (default 60) seconds
#
# Figures are measured from outside, on a pseudo-terminal (bench-ui-pty.c,
# compiled here with cc), by the bytes the screen draws.

: "${P2PCHAT:=$(pwd)/p2pchat}"
export P2PCHAT
here=$(cd "$(dirname "$0")" && pwd)
TESTS_DIR=${TESTS_DIR:-$(dirname "$here")}
. "$TESTS_DIR/lib.sh"
LANG=C.UTF-8
export LANG
FLOOD=${FLOOD:-10000}
IDLE_SECS=${IDLE_SECS:-60}

${CC:-cc} -O2 -o "$T/pty" "$here/bench-ui-pty.c" -lutil || \
    fail "cannot build bench-ui-pty"

# A profile off the LAN.
profile() {
	mkdir -p "$T/$1"
	printf '[node]\nlan_discovery = no\n' > "$T/$1/p2pchat.ini"
}

# Print a counter from a P2PCHAT_UI_STATS file.
stat_of() {
	sed -n "s/^$2 //p" "$1"
}

# Milliseconds since the epoch.
now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# Write the flood file: FLOOD /msg lines for alice.
make_flood() {
	msg_lines alice "flood message" 1 "$FLOOD" ", as fast as bob can send" \
	    > "$T/flood"
}

# Keystroke echo while the flood arrives.
bench_flood() {
	profile bob1
	profile alice1
	start_node bob1 -l 127.0.0.1:0
	make_flood
	# The flood starts in the background; the delivery time is taken by
	# a watcher of bob1's output.
	cat > "$T/go1" <<-EOF
	#!/bin/sh
	( s=\$(date +%s%N); cat "$T/flood" > "$T/bob1.in"
	  while [ "\$(grep -c '"event":"delivered"' "$T/bob1.out")" -lt $FLOOD ]
	  do sleep 0.01; done
	  echo \$(( (\$(date +%s%N) - s) / 1000000 )) > "$T/flood1.ms" ) &
	EOF
	P2PCHAT_UI_STATS=$T/stats1 "$T/pty" -n 200 -i 3 -s "sh $T/go1" -- \
	    "$P2PCHAT" --no-daemon -d "$T/alice1" -n alice -l 127.0.0.1:0 \
	    -c "127.0.0.1:$bob1_port" > "$T/flood1.out" || fail "flood run"
	wait_for bob1 '"event":"delivered"' 120 "$FLOOD"
	while [ ! -s "$T/flood1.ms" ]; do sleep 0.1; done
	ms=$(cat "$T/flood1.ms")
	echo "== flood: $FLOOD messages from a headless peer, typing a key every 3 ms"
	grep -E '^(keys|echo_)' "$T/flood1.out"
	echo "flood_delivered_ms $ms"
	echo "messages_per_s $(( FLOOD * 1000 / (ms > 0 ? ms : 1) ))"
	r=$(stat_of "$T/stats1" redraws)
	echo "redraws $r (whole run: start, flood, typing, quit)"
	echo "ui_events $(stat_of "$T/stats1" events)"
	echo "dirty_marks $(stat_of "$T/stats1" dirty_marks)"
	run=$(( $(stat_of "$T/stats1" stop_ms) - $(stat_of "$T/stats1" \
	    start_ms) ))
	echo "run_ms $run"
	echo "redraws_per_s $(( r * 1000 / (run > 0 ? run : 1) ))"
	grep '^output_bytes' "$T/flood1.out"
	stop_node bob1
}

# Loop turns against redraws, with strace counting epoll_wait.
bench_turns() {
	command -v strace > /dev/null || { echo "turns: no strace"; return; }
	profile bob2
	profile alice2
	start_node bob2 -l 127.0.0.1:0
	[ -f "$T/flood" ] || make_flood
	P2PCHAT_UI_STATS=$T/stats2 "$T/pty" -n 50 -i 50 \
	    -s "cat $T/flood > $T/bob2.in &" -- strace -f -c -o "$T/strace2" \
	    -e trace=epoll_wait,read,write,writev "$P2PCHAT" --no-daemon \
	    -d "$T/alice2" -n alice -l 127.0.0.1:0 -c "127.0.0.1:$bob2_port" \
	    > "$T/turns.out" || fail "turns run"
	wait_for bob2 '"event":"delivered"' 300 "$FLOOD"
	turns=$(awk '$NF == "epoll_wait" { print $4 }' "$T/strace2")
	r=$(stat_of "$T/stats2" redraws)
	echo "== turns: the flood under strace"
	echo "loop_turns(epoll_wait) $turns"
	echo "redraws $r"
	echo "ui_events $(stat_of "$T/stats2" events)"
	echo "redraws_per_turn $(awk -v r="$r" -v t="$turns" \
	    'BEGIN { printf "%.3f", t ? r / t : 0 }')"
	awk '$NF ~ /^(read|write|writev)$/ { print "syscall_" $NF, $4 }' \
	    "$T/strace2"
	stop_node bob2
}

# Make a profile with one peer and n messages, by SQL on its database.
make_big() {
	profile big
	echo /quit | "$P2PCHAT" --headless -d "$T/big" -n alice \
	    -l 127.0.0.1:0 > /dev/null || fail "cannot make the profile"
	t0=$(now_ms)
	sqlite3 "$T/big/p2pchat.db" <<-EOF || fail "sqlite3 failed"
	PRAGMA journal_mode = WAL;
	BEGIN;
	INSERT INTO peers (peer_id, nick, first_seen, last_seen)
	    VALUES (randomblob(32), 'bob', 0, 0);
	INSERT INTO conversations (peer) VALUES (last_insert_rowid());
	WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c
	    WHERE i < $1)
	INSERT INTO messages (conv, msgid, author, outgoing, state, ts,
	    stored, body)
	SELECT 1, randomblob(16), CASE WHEN i % 3 = 0 THEN (SELECT ed_pk
	    FROM identity) ELSE (SELECT peer_id FROM peers) END, i % 3 = 0,
	    CASE WHEN i % 3 = 0 THEN 2 ELSE 3 END,
	    1700000000000 + i * 60000, 1700000000000 + i * 60000,
	    'message ' || i || ' of a long history, long enough to be real'
	FROM c;
	UPDATE conversations SET last_read = (SELECT max(id) FROM messages);
	COMMIT;
	EOF
	echo "db_generate_ms $(( $(now_ms) - t0 )) ($1 messages)"
	ls -l "$T/big/p2pchat.db" | awk '{ print "db_bytes", $5 }'
}

# Three cold starts of the screen on the big profile, labelled $1.
cold_runs() {
	for run in 1 2 3; do
		P2PCHAT_UI_STATS=$T/stats3 "$T/pty" -n 1 -- \
		    "$P2PCHAT" --no-daemon -d "$T/big" -n alice -l 127.0.0.1:0 \
		    > "$T/cold.out" || fail "cold run"
		echo "$1 run $run: $(grep -E \
		    '^(start_to_screen|open_conversation)_ms' "$T/cold.out" | \
		    tr '\n' ' ')ui_start_to_draw_ms $(stat_of "$T/stats3" \
		    start_to_draw_ms) pages $(stat_of "$T/stats3" pages)"
	done
}

# Cold start to the first screen with a big database.
bench_cold() {
	command -v sqlite3 > /dev/null || { echo "cold: no sqlite3"; return; }
	echo "== cold start: 1,000,000 messages"
	make_big 1000000
	sync
	cold_runs all_read
	# Schema 4 keeps the unread count; it was counted from last_read.
	sqlite3 "$T/big/p2pchat.db" "UPDATE conversations SET last_read = \
	    500000, unread = (SELECT count(*) FROM messages WHERE id > 500000 \
	    AND outgoing = 0)"
	cold_runs half_unread
}

# An idle screen: CPU time and system calls over IDLE_SECS.
bench_idle() {
	profile bob4
	profile alice4
	start_node bob4 -l 127.0.0.1:0
	P2PCHAT_UI_STATS=$T/stats4 "$T/pty" -h $((IDLE_SECS + 8)) -- \
	    "$P2PCHAT" --no-daemon -d "$T/alice4" -n alice -l 127.0.0.1:0 \
	    -c "127.0.0.1:$bob4_port" > "$T/idle.out" &
	pty=$!
	sleep 3
	pid=$(cat "$T/alice4/p2pchat.lock")
	cpu0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	if command -v strace > /dev/null; then
		timeout "$IDLE_SECS" strace -c -f -p "$pid" -o "$T/strace4" \
		    2> /dev/null
	else
		sleep "$IDLE_SECS"
	fi
	cpu1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	echo "== idle: $IDLE_SECS s, connected to one peer"
	echo "cpu_ticks $((cpu1 - cpu0)) (of $(getconf CLK_TCK) a second)"
	if [ -f "$T/strace4" ]; then
		echo "system calls (strace -c -f):"
		sed -n '/^% time/,$p' "$T/strace4"
	fi
	wait $pty
	echo "redraws $(stat_of "$T/stats4" redraws)"
	stop_node bob4
}

[ $# -eq 0 ] && set -- flood turns cold idle
for b in "$@"; do
	"bench_$b"
done
