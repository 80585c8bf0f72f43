#!/bin/sh
# bench-attach.sh: figures for clients attached to a background node
# (issue 19). Prints, asserts nothing.
#
#   P2PCHAT=./p2pchat sh tests/bench/bench-attach.sh
#
#   attach   a node (-D) holding ATTACH_MESSAGES (1,000,000) messages:
#            time from connect to the node's whole state (hello, ready,
#            peers, conversations with their unread counts) and the reply
#            to a first command; five runs
#   latency  bob sends FLOOD (10,000) messages; the node's stored time to
#            the client's read time of each message event (ms), p50/p99:
#            headless in one process (its standard output), then a -D
#            node with three clients attached
#
# The screen does not attach yet: these are the node side's figures.

: "${P2PCHAT:=$(pwd)/p2pchat}"
export P2PCHAT
here=$(cd "$(dirname "$0")" && pwd)
TESTS_DIR=${TESTS_DIR:-$(dirname "$here")}
. "$TESTS_DIR/lib.sh"
ATTACH_MESSAGES=${ATTACH_MESSAGES:-1000000}
FLOOD=${FLOOD:-10000}
command -v python3 > /dev/null || skip "no python3"
command -v sqlite3 > /dev/null || skip "no sqlite3"

profile() {
	mkdir -p -m 700 "$T/$1"
	printf '[node]\nlan_discovery = no\naccept = anyone\n' \
	    > "$T/$1/p2pchat.ini"
}

# The client: "state SOCKET" times the attach; "read SOCKET N OUT" reads
# until N message events and writes each one's latency (ms) to OUT.
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
    if sys.argv[2] == "-":
        src = (l.rstrip(b"\n") for l in sys.stdin.buffer)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(sys.argv[2])
        src = lines(s)
    got = 0
    for l in src:
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
"$P2PCHAT" --kill -d "$T/big"

# --- latency under a flood, one process and then three clients.
msg_lines alice "flood message" 1 "$FLOOD" > "$T/flood.tmp"

flood() {
	start_node bob -l 127.0.0.1:0 -c "127.0.0.1:$1"
	wait_for bob '"event":"peer".*"state":"online"'
	sed "s/^\/msg alice/\/msg $2/" "$T/flood.tmp" > "$T/bob.in"
}

profile one
mkfifo "$T/one.fifo"
sleep 100000 > "$T/one.fifo" &
_pids="$_pids $!"
"$P2PCHAT" --headless -d "$T/one" -n alice -l 127.0.0.1:0 \
    < "$T/one.fifo" | tee "$T/one.out" | \
    python3 "$T/client.py" read - "$FLOOD" "$T/lat-one" &
_pids="$_pids $!"
reader=$!
wait_for one '"event":"ready"'
flood "$(json_get listen < "$T/one.out" | sed 's/.*://')" \
    "$(json_get id < "$T/one.out")"
wait $reader
echo "latency_one_process_ms p50 $(pct "$T/lat-one" 50) p99 \
$(pct "$T/lat-one" 99) ($FLOOD messages)"
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
