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
#   latency  bob sends FLOOD (10,000) messages; the node's stored time to
#            the client's read time of each message event (ms), p50/p99:
#            headless in one process (its standard output), then a -D
#            node with three clients attached
#
# The latency clients are raw socket clients (a screen gets the same
# events on the same socket, then draws them once a turn).

: "${P2PCHAT:=$(pwd)/p2pchat}"
export P2PCHAT
here=$(cd "$(dirname "$0")" && pwd)
TESTS_DIR=${TESTS_DIR:-$(dirname "$here")}
. "$TESTS_DIR/lib.sh"
ATTACH_MESSAGES=${ATTACH_MESSAGES:-1000000}
FLOOD=${FLOOD:-10000}
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

# The client: "state SOCKET" times the attach; "read SOCKET N OUT [COPY]"
# reads until N message events and writes each one's latency (ms) to OUT
# (SOCKET - is standard input; COPY gets every line read, as it comes).
cat > "$T/client.py" <<'EOF'
import json, socket, sys, time
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
if sys.argv[1] == "state":
    t0 = time.monotonic()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[2])
    s.sendall(b'{"hello":"p2pchat","version":1}\n/id\n')
    for l in lines(s):
        if b'"event":"id"' in l:
            break
    print("%.2f" % ((time.monotonic() - t0) * 1000))
else:
    n, out = int(sys.argv[3]), open(sys.argv[4], "w")
    copy = open(sys.argv[5], "wb") if len(sys.argv) > 5 else None
    if sys.argv[2] == "-":
        src = (l.rstrip(b"\n") for l in sys.stdin.buffer)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[2])
        src = lines(s)
        for l in src:
            if b'"event":"hello"' in l:
                break
        open(sys.argv[4] + ".ready", "w").close()
    got = 0
    for l in src:
        if copy is not None:
            copy.write(l + b"\n")
            copy.flush()
        if b'"event":"message"' not in l:
            continue
        now = time.time() * 1000
        out.write("%.3f\n" % (now - json.loads(l)["stored"]))
        got += 1
        if got == n:
            break
EOF

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
for run in 1 2 3; do
	P2PCHAT_UI_STATS=$T/stats "$T/pty" -n 1 -- "$P2PCHAT" -d "$T/big" \
	    > "$T/screen.out" || fail "screen run"
	echo "attached_screen run $run: $(grep -E \
	    '^(start_to_screen|open_conversation)_ms' "$T/screen.out" | \
	    tr '\n' ' ')($ATTACH_MESSAGES messages; target: first screen \
under 100 ms)"
done
"$P2PCHAT" --kill -d "$T/big"

# --- latency under a flood, one process and then three clients.
msg_lines alice "flood message" 1 "$FLOOD" > "$T/flood.tmp"

flood() {
	start_node bob -l 127.0.0.1:0 -c "127.0.0.1:$1"
	wait_for bob '"event":"peer".*"state":"online"'
	sed "s/^\/msg alice/\/msg $2/" "$T/flood.tmp" > "$T/bob.in"
}

# The reader is a process of its own, not the end of a pipeline: the
# shell's wait would wait for the whole pipeline, node included (this
# is what hung).
profile one
mkfifo "$T/one.fifo" "$T/one.events"
sleep 100000 > "$T/one.fifo" &
_pids="$_pids $!"
python3 "$T/client.py" read - "$FLOOD" "$T/lat-one" "$T/one.out" \
    < "$T/one.events" &
reader=$!
_pids="$_pids $reader"
"$P2PCHAT" --headless -d "$T/one" -n alice -l 127.0.0.1:0 \
    < "$T/one.fifo" > "$T/one.events" &
one=$!
_pids="$_pids $one"
wait_for one '"event":"ready"'
flood "$(json_get listen < "$T/one.out" | sed 's/.*://')" \
    "$(json_get id < "$T/one.out")"
wait $reader
echo "latency_one_process_ms p50 $(pct "$T/lat-one" 50) p99 \
$(pct "$T/lat-one" 99) ($FLOOD messages)"
kill "$one"
stop_node bob
rm -rf "$T/bob" "$T/bob.out"

profile three
"$P2PCHAT" -D -d "$T/three" -n alice -l 127.0.0.1:0 || fail "-D failed"
_pids="$_pids $(cat "$T/three/p2pchat.lock")"
readers=""
for c in 1 2 3; do
	python3 "$T/client.py" read "$T/three/p2pchat.sock" "$FLOOD" \
	    "$T/lat-three-$c" &
	readers="$readers $!"
done
# The flood starts once the three are attached (python starts slowly).
i=0
while [ ! -e "$T/lat-three-1.ready" ] || [ ! -e "$T/lat-three-2.ready" ] ||
    [ ! -e "$T/lat-three-3.ready" ]; do
	i=$((i + 1))
	[ $i -gt 600 ] && fail "the three clients did not attach"
	sleep 0.05
done
c=$(echo /id | "$P2PCHAT" --headless --attach -d "$T/three")
flood "$(echo "$c" | grep '"event":"id"' | json_get listen | sed 's/.*://')" \
    "$(echo "$c" | grep '"event":"id"' | json_get id)"
for r in $readers; do wait "$r"; done
cat "$T"/lat-three-* > "$T/lat-three"
echo "latency_three_clients_ms p50 $(pct "$T/lat-three" 50) p99 \
$(pct "$T/lat-three" 99) ($FLOOD messages, 3 clients; target: p50 within \
1 ms of one process)"
"$P2PCHAT" --kill -d "$T/three"
stop_node bob
pass
