#!/bin/sh
# bench-attach.sh: figures for clients attached to a background node
# (issue 19). Prints, asserts nothing.
#
#   P2PCHAT=./p2pchat sh tests/bench/bench-attach.sh
#
#   attach   a node (-D) holding ATTACH_MESSAGES (1,000,000) messages:
#            time from connect to the node's whole state (hello, ready,
#            peers, conversations with their unread counts) and the reply
#            to a first command; five runs; then a screen (p2pchat with
#            no options, on a pseudo-terminal: bench-ui-pty.c) attaching
#            to it: fork to its first full screen, and M-2 to the last
#            page of the million-message conversation; three runs
#            (target: first screen under 100 ms)
#   latency  bob sends FLOOD (10,000) messages; the node's stored time of
#            each to the end of the redraw that showed it on a screen
#            (P2PCHAT_UI_DRAWLOG), p50/p99: the in-process screen
#            (--no-daemon), then one and three screens attached to a -D
#            node, side by side, ATTACH_RUNS (3) times; and the
#            medians of the p50s
#
# Every screen runs on a pseudo-terminal (bench-ui-pty.c) with its
# conversation open.

: "${P2PCHAT:=$(pwd)/p2pchat}"
export P2PCHAT
here=$(cd "$(dirname "$0")" && pwd)
TESTS_DIR=${TESTS_DIR:-$(dirname "$here")}
. "$TESTS_DIR/lib.sh"
ATTACH_MESSAGES=${ATTACH_MESSAGES:-1000000}
FLOOD=${FLOOD:-10000}
ATTACH_RUNS=${ATTACH_RUNS:-3}
command -v python3 > /dev/null || skip "no python3"
command -v sqlite3 > /dev/null || skip "no sqlite3"
LANG=C.UTF-8
export LANG
${CC:-cc} -O2 -o "$T/pty" "$here/bench-ui-pty.c" -lutil || \
    fail "cannot build bench-ui-pty"

profile() {
	mkdir -p -m 700 "$T/$1"
	printf '[node]\nlan_discovery = no\naccept = anyone\n' \
	    > "$T/$1/p2pchat.ini"
}

# A script's client: "state SOCKET" times the attach to the whole state.
cat > "$T/client.py" <<'EOF'
import socket, sys, time
def lines(s):
    buf = b""
    while True:
        d = s.recv(1 << 16)
        if not d:
            return
        buf += d
        while b"\n" in buf:
            l, buf = buf.split(b"\n", 1)
            yield l
t0 = time.monotonic()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[2])
s.sendall(b'{"hello":"p2pchat","version":1}\n/id\n')
for l in lines(s):
    if b'"event":"id"' in l:
        break
print("%.2f" % ((time.monotonic() - t0) * 1000))
EOF

# The median of the numbers in file $1.
median() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%.2f", v[int((NR + 1) / 2)] }'
}

pct() {
	sort -n "$1" | awk -v p="$2" '{ v[NR] = $1 } END {
	    i = int(NR * p / 100); if (i < 1) i = 1; printf "%.2f", v[i] }'
}

# --- attach to a big profile.
profile big
echo /quit | "$P2PCHAT" --headless -d "$T/big" -n alice -l 127.0.0.1:0 \
    > /dev/null || fail "cannot make the profile"
sqlite3 "$T/big/p2pchat.db" <<EOF || fail "sqlite3 failed"
PRAGMA journal_mode = WAL;
BEGIN;
INSERT INTO peers (peer_id, nick, first_seen, last_seen)
    VALUES (randomblob(32), 'bob', 0, 0);
INSERT INTO conversations (peer) VALUES (last_insert_rowid());
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c
    WHERE i < $ATTACH_MESSAGES)
INSERT INTO messages (conv, msgid, author, outgoing, state, ts, stored, body)
SELECT 1, randomblob(16), (SELECT peer_id FROM peers), 0, 3,
    1700000000000 + i * 60000, 1700000000000 + i * 60000,
    'message ' || i || ' of a long history, long enough to be real' FROM c;
UPDATE conversations SET last_read = (SELECT max(id) FROM messages) / 2;
UPDATE conversations SET unread = (SELECT count(*) FROM messages
    WHERE id > (SELECT last_read FROM conversations));
COMMIT;
EOF
"$P2PCHAT" -D -d "$T/big" -n alice -l 127.0.0.1:0 || fail "-D failed"
_pids="$_pids $(cat "$T/big/p2pchat.lock")"
for run in 1 2 3 4 5; do
	echo "attach_to_state_ms run $run: $(python3 "$T/client.py" state \
	    "$T/big/p2pchat.sock") ($ATTACH_MESSAGES messages)"
done
# A screen attaches to the node holding them; /quit only detaches.
printf '[ui]\nquit = detach\n' >> "$T/big/p2pchat.ini"
# The node starts indexing the million rows it was given a second after
# it started: the later runs attach while it does.
: > "$T/first"
for run in 1 2 3 4 5; do
	P2PCHAT_UI_STATS=$T/stats "$T/pty" -n 1 -- "$P2PCHAT" -d "$T/big" \
	    > "$T/screen.out" || fail "screen run"
	sed -n 's/^start_to_screen_ms //p' "$T/screen.out" >> "$T/first"
	echo "attached_screen run $run: $(grep -E \
	    '^(start_to_screen|open_conversation)_ms' "$T/screen.out" | \
	    tr '\n' ' ')($ATTACH_MESSAGES messages; load \
$(cut -d' ' -f1 /proc/loadavg))"
done
echo "attached_screen_ms median of 5: $(median "$T/first") (target: first \
screen under 100 ms)"
"$P2PCHAT" --kill -d "$T/big"

# --- latency under a flood: the in-process screen, then three attached
# screens, pair by pair. Each screen (on a pty, its conversation open)
# logs when the redraw that showed each message ended (P2PCHAT_UI_DRAWLOG);
# the latency is that time less the node's stored time of the message.
msg_lines alice "flood message" 1 "$FLOOD" > "$T/flood.tmp"

# Wait until file $1 has $2 lines (the screen drew every message).
wait_lines() {
	_w=0
	while [ "$(cat "$1" 2> /dev/null | wc -l)" -lt "$2" ]; do
		_w=$((_w + 1))
		[ $_w -gt 6000 ] && fail "$1: $(wc -l < "$1") lines, not $2"
		sleep 0.05
	done
}

# Wait until the screen of pty output $1 has its conversation open.
wait_open() {
	_w=0
	until grep -q '^open_conversation_ms' "$1" 2> /dev/null; do
		_w=$((_w + 1))
		[ $_w -gt 1200 ] && fail "$1: no conversation opened"
		sleep 0.05
	done
}

# The latencies of drawlog $1 (ms), one a line.
latencies() {
	awk '{ printf "%.3f\n", $2 / 1000 - $1 }' "$1"
}

# bob floods alice (id $1) from his fifo.
flood_to() {
	sed "s/^\/msg alice/\/msg $1/" "$T/flood.tmp" > "$T/bob.in"
}

# One run of the in-process screen (--no-daemon), dialling bob.
run_one() {
	rm -rf "$T/one" "$T/bob" "$T/bob.out" "$T/stop-one" "$T/draw-one"
	profile one
	id=$(echo /quit | "$P2PCHAT" --headless -d "$T/one" -n alice \
	    -l 127.0.0.1:0 | grep '"event":"ready"' | json_get id)
	start_node bob -l 127.0.0.1:0
	P2PCHAT_UI_DRAWLOG=$T/draw-one "$T/pty" -e "$T/stop-one" -- \
	    "$P2PCHAT" --no-daemon -d "$T/one" -n alice -l 127.0.0.1:0 \
	    -c "127.0.0.1:$bob_port" > "$T/pty-one.out" &
	p=$!
	wait_open "$T/pty-one.out"
	flood_to "$id"
	wait_lines "$T/draw-one" "$FLOOD"
	: > "$T/stop-one"
	wait "$p"
	stop_node bob
	latencies "$T/draw-one" > "$T/lat-one-$1"
}

# One run of $2 screens attached to a -D node that bob dials.
run_attached() {
	rm -rf "$T/three" "$T/bob" "$T/bob.out" "$T/stop-three" \
	    "$T"/draw-three-*
	profile three
	printf '[ui]\nquit = detach\n' >> "$T/three/p2pchat.ini"
	"$P2PCHAT" -D -d "$T/three" -n alice -l 127.0.0.1:0 || fail "-D failed"
	_pids="$_pids $(cat "$T/three/p2pchat.lock")"
	c=$(echo /id | "$P2PCHAT" --headless --attach -d "$T/three" |
	    grep '"event":"id"')
	start_node bob -l 127.0.0.1:0 -c \
	    "127.0.0.1:$(echo "$c" | json_get listen | sed 's/.*://')"
	wait_for bob '"event":"peer".*"state":"online"'
	ps=""
	for k in $(seq "$2"); do
		P2PCHAT_UI_DRAWLOG=$T/draw-three-$k "$T/pty" -e \
		    "$T/stop-three" -- "$P2PCHAT" -d "$T/three" \
		    > "$T/pty-three-$k.out" &
		ps="$ps $!"
	done
	for k in $(seq "$2"); do
		wait_open "$T/pty-three-$k.out"
	done
	flood_to "$(echo "$c" | json_get id)"
	for k in $(seq "$2"); do
		wait_lines "$T/draw-three-$k" "$FLOOD"
	done
	: > "$T/stop-three"
	for q in $ps; do wait "$q"; done
	cat "$T"/draw-three-* > "$T/draw-three"
	latencies "$T/draw-three" > "$T/lat-$2-$1"
	"$P2PCHAT" --kill -d "$T/three"
	stop_node bob
}

: > "$T/p50-one"
: > "$T/p50-1"
: > "$T/p50-3"
run=1
while [ $run -le "$ATTACH_RUNS" ]; do
	run_one $run
	run_attached $run 1
	run_attached $run 3
	a50=$(pct "$T/lat-one-$run" 50)
	echo "$a50" >> "$T/p50-one"
	pct "$T/lat-1-$run" 50 >> "$T/p50-1"
	echo >> "$T/p50-1"
	pct "$T/lat-3-$run" 50 >> "$T/p50-3"
	echo >> "$T/p50-3"
	echo "latency_pair run $run: in-process p50 $a50 p99 \
$(pct "$T/lat-one-$run" 99); one attached p50 $(pct "$T/lat-1-$run" 50) \
p99 $(pct "$T/lat-1-$run" 99); three attached p50 \
$(pct "$T/lat-3-$run" 50) p99 $(pct "$T/lat-3-$run" 99) ($FLOOD messages; \
load $(cut -d' ' -f1 /proc/loadavg))"
	run=$((run + 1))
done
echo "latency_screen_ms median of $ATTACH_RUNS: in-process p50 \
$(median "$T/p50-one"); one attached p50 $(median "$T/p50-1"); three \
attached p50 $(median "$T/p50-3") (target: three within 1 ms of \
in-process)"
pass
