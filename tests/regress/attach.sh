#!/bin/sh
# attach.sh: a node started with -D runs on without a screen; clients
# attach to its socket (p2pchat --headless --attach) and all see its
# events. Hostile clients (bad JSON, a huge line, one that never reads)
# stop only themselves; another uid cannot attach; a stale socket of a
# killed node is replaced; a second node on the profile is refused;
# --kill stops the node cleanly; nothing acknowledged is lost to kill -9.

. "$TESTS_DIR/lib.sh"

# Start the daemon of profile $1: -D returns once it listens.
start_daemon() {
	[ -d "$T/$1" ] || {
		mkdir -m 700 "$T/$1"
		printf '[node]\nlan_discovery = no\naccept = anyone\n' \
		    > "$T/$1/p2pchat.ini"
	}
	$P2PCHAT_WRAPPER "$P2PCHAT" -D -d "$T/$1" -n "$1" -l 127.0.0.1:0 \
	    2>> "$T/$1.derr" || fail "$1: -D failed: $(cat "$T/$1.derr")"
	[ -S "$T/$1/p2pchat.sock" ] || fail "$1: no socket after -D"
	setvar "${1}_dpid" "$(cat "$T/$1/p2pchat.lock")"
	_pids="$_pids $(getvar "${1}_dpid")"
}

# attach NAME PROFILE: a client on a fifo, its events in $T/NAME.out.
attach() {
	[ -p "$T/$1.in" ] || mkfifo "$T/$1.in"
	sleep 100000 > "$T/$1.in" &
	_pids="$_pids $!"
	setvar "${1}_holder" $!
	"$P2PCHAT" --headless --attach -d "$T/$2" < "$T/$1.in" \
	    >> "$T/$1.out" 2>> "$T/$1.err" &
	setvar "${1}_pid" $!
	_pids="$_pids $!"
	wait_for "$1" '"event":"ready"'
}

# run_attached PROFILE COMMAND...: each command, then end of input.
run_attached() {
	_p=$1
	shift
	printf '%s\n' "$@" | timeout 20 "$P2PCHAT" --headless --attach \
	    -d "$T/$_p"
}

start_daemon alice
c=$(run_attached alice)
echo "$c" | grep -q '"event":"hello","protocol":"p2pchat-attach","version":1' \
    || fail "no hello: $c"
alice_port=$(echo "$c" | grep '"event":"ready"' | json_get listen | \
    sed 's/.*://')
alice_id=$(echo "$c" | grep '"event":"ready"' | json_get id)
[ -n "$alice_port" ] || fail "no ready event on attach: $c"

# The socket and the directory are the owner's alone.
[ "$(stat -c %a "$T/alice/p2pchat.sock")" = 600 ] || \
    fail "socket mode $(stat -c %a "$T/alice/p2pchat.sock")"
[ "$(stat -c %a "$T/alice")" = 700 ] || fail "directory not 0700"

# A second node on the profile is refused, as before.
if "$P2PCHAT" -D -d "$T/alice" -l 127.0.0.1:0 2> "$T/second.err"; then
	fail "a second node started on the profile"
fi
grep -q 'in use by another p2pchat' "$T/second.err" || \
    fail "second node: $(cat "$T/second.err")"

# Two clients attached at once both see a peer's message.
attach c1 alice
attach c2 alice
start_node bob -l 127.0.0.1:0 -c "127.0.0.1:$alice_port"
wait_for c1 "\"event\":\"peer\",\"id\":\"$bob_id\".*\"state\":\"online\""
send bob "/msg $alice_id hello both"
wait_for c1 '"event":"message".*"text":"hello both"'
wait_for c2 '"event":"message".*"text":"hello both"'

# A client's replies are its own; bad JSON gets an error event.
send c1 '{"command":"/id"}'
wait_for c1 '"event":"id"'
send c1 '{"command": nope}'
wait_for c1 '"event":"error","message":"bad JSON'
send c1 '{"hello":"p2pchat","version":99}'
wait_for c1 '"event":"error","message":"hello: version 99'
[ "$(count c2 '"event":"id"')" -eq 0 ] || fail "c2 got c1's reply"
[ "$(count c2 '"event":"error"')" -eq 0 ] || fail "c2 got c1's errors"

# A huge line is refused and that client closed; the others go on.
head -c 400000 /dev/zero | tr '\0' 'x' | timeout 20 "$P2PCHAT" \
    --headless --attach -d "$T/alice" > "$T/huge.out"
[ $? -ne 124 ] || fail "the huge-line client was not closed"
grep -q '"event":"error","message":"input line longer' "$T/huge.out" || \
    fail "huge line: $(tail -n 2 "$T/huge.out")"

# A client that never reads is cut off; the node and the others go on.
python3 - "$T/alice/p2pchat.sock" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.setblocking(False)
line = b"/id\n" * 1024
try:
    for i in range(200):
        s.send(line)
except BlockingIOError:
    pass
time.sleep(30)
EOF
reader=$!
_pids="$_pids $reader"
_i=0
until grep -q 'does not read its events: cut off' "$T/alice/p2pchat.log"; do
	_i=$((_i + 1))
	[ $_i -gt 400 ] && fail "the client that never reads was not cut off"
	sleep 0.05
done
kill "$reader" 2>/dev/null
send bob "/msg $alice_id after the hostile ones"
wait_for c2 '"text":"after the hostile ones"'
wait_for c1 '"text":"after the hostile ones"'

# Reading marks the conversation read for every client.
conv=$(grep '"event":"conv"' "$T/c1.out" | head -n 1 | \
    sed -n 's/.*"conv":\([0-9]*\).*/\1/p')
c=$(run_attached alice)
echo "$c" | grep -q "\"event\":\"conv\",\"conv\":[0-9]*,\"peer\":\"$bob_id\",\"unread\":2" \
    || fail "unread count on attach: $(echo "$c" | grep conv)"
bconv=$(echo "$c" | grep "\"event\":\"conv\".*\"peer\":\"$bob_id\"" | \
    sed -n 's/.*"conv":\([0-9]*\).*/\1/p')
send c1 "{\"read\":$bconv,\"upto\":1000000}"
wait_for c2 "\"event\":\"conv\",\"conv\":$bconv,.*\"unread\":0"

# Another uid cannot attach: not through the 0700 directory, nor, if the
# modes are loosened by mistake, through the socket (SO_PEERCRED).
if command -v setpriv > /dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
	if echo /id | $NOBODY "$P2PCHAT" -f /dev/null --headless --attach \
	    -d "$T/alice" > "$T/nobody.out" 2>&1; then
		fail "nobody attached: $(cat "$T/nobody.out")"
	fi
	grep -q 'Permission denied' "$T/nobody.out" || \
	    fail "nobody: $(cat "$T/nobody.out")"
	chmod 711 "$T" "$T/alice"
	chmod 666 "$T/alice/p2pchat.sock"
	echo /id | $NOBODY "$P2PCHAT" -f /dev/null --headless --attach \
	    -d "$T/alice" > "$T/nobody2.out" 2>&1
	chmod 700 "$T" "$T/alice"
	chmod 600 "$T/alice/p2pchat.sock"
	grep -q '"message":"permission denied: not the profile' \
	    "$T/nobody2.out" || fail "SO_PEERCRED: $(cat "$T/nobody2.out")"
	grep -q '"event":"id"' "$T/nobody2.out" && fail "nobody ran /id"
else
	echo "attach.sh: not root or no setpriv: the other-uid check skipped"
fi

# kill -9 of a client leaves the node running.
kill -9 "$c1_pid"
run_attached alice /id | grep -q '"event":"id"' || \
    fail "the node went with a killed client"

# kill -9 of the node: what it acknowledged survives, the stale socket
# is found (nothing listens) and replaced by the next node.
send bob "/msg $alice_id acked before the kill"
wait_for bob '"event":"delivered"' 20 3
kill -9 "$alice_dpid"
while kill -0 "$alice_dpid" 2>/dev/null; do sleep 0.05; done
[ -S "$T/alice/p2pchat.sock" ] || fail "no stale socket left to test"
if run_attached alice > "$T/stale.out" 2>&1; then
	fail "attached to a dead node"
fi
grep -q 'no node is running' "$T/stale.out" || \
    fail "stale socket: $(cat "$T/stale.out")"
start_daemon alice
run_attached alice "/history $bob_id" | \
    grep -q '"event":"history".*"text":"acked before the kill"' || \
    fail "an acknowledged message was lost to kill -9"

# --kill stops it cleanly: the lock is let go, the socket removed.
timeout 20 "$P2PCHAT" --kill -d "$T/alice" || fail "--kill failed"
# The lock goes at the last line of main(): the process follows at once.
_i=0
while kill -0 "$alice_dpid" 2>/dev/null; do
	_i=$((_i + 1))
	[ $_i -gt 100 ] && fail "the node runs after --kill"
	sleep 0.05
done
[ -e "$T/alice/p2pchat.sock" ] && fail "the socket is left after --kill"
grep -q 'main: stopped' "$T/alice/p2pchat.log" || fail "no clean stop"
"$P2PCHAT" --kill -d "$T/alice" 2> "$T/kill2.err" && \
    fail "--kill with no node succeeded"
grep -q 'no node is running' "$T/kill2.err" || fail "$(cat "$T/kill2.err")"
# --foreground: the same node, not forked; SIGTERM stops it cleanly.
"$P2PCHAT" --foreground -d "$T/alice" -l 127.0.0.1:0 \
    > "$T/fg.out" 2> "$T/fg.err" &
fg=$!
_pids="$_pids $fg"
_i=0
until run_attached alice /id 2>/dev/null | grep -q '"event":"id"'; do
	_i=$((_i + 1))
	[ $_i -gt 200 ] && fail "--foreground: no node to attach to"
	kill -0 $fg 2>/dev/null || fail "--foreground exited: $(cat "$T/fg.err")"
	sleep 0.05
done
kill -TERM $fg
wait $fg || fail "--foreground exited $? on SIGTERM"
[ -s "$T/fg.out" ] && fail "--foreground wrote on standard output"
[ -e "$T/alice/p2pchat.sock" ] && fail "the socket is left after SIGTERM"
stop_node bob
pass
