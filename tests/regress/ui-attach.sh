#!/bin/sh
# ui-attach: screens attached to a background node. A screen chats and
# detaches (C-\): the node stays; a message that arrives while no screen
# is attached waits, and the next screen shows it with its unread count;
# two screens at once both show a new message, and reading it in one
# clears the count in the other; kill -9 of a screen leaves the node
# running; kill -9 of the node: the next p2pchat starts a new one and
# every message acknowledged before is there.

UI_ATTACH=yes
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

# The id of the node of profile $1, from its ready event.
node_id() {
	$P2PCHAT -d "$T/$1" --headless --attach < /dev/null 2> /dev/null | \
	    grep '"event":"ready"' | head -n 1 | json_get id
}

# The pid of the screen (p2pchat) in tmux session $1.
screen_pid() {
	pgrep -P "$($TM display -p -t "$1" '#{pane_pid}')" -x p2pchat || \
	    pgrep -P "$($TM display -p -t "$1" '#{pane_pid}')"
}

# Without a terminal there is no screen, and no node is left behind.
"$P2PCHAT" -d "$T/noterm" < /dev/null > "$T/noterm.out" 2>&1 && \
    fail "a screen started without a terminal"
grep -q 'needs a terminal' "$T/noterm.out" || fail "$(cat "$T/noterm.out")"
[ -e "$T/noterm/p2pchat.sock" ] && fail "a node was started for no screen"

start_peer bob
start_screen alice -c "127.0.0.1:$bob_port"
wait_screen alice '^ +2 \* bob '
keys alice M-2
wait_screen alice 'bob \([0-9a-f]{8}\) -- unverified -- online'
type_line alice "hello from an attached screen"
wait_for bob '"text":"hello from an attached screen"'
wait_screen alice 'alice hello from an attached screen +ok$'
apid=$(node_pid alice)
aid=$(node_id alice)
[ -n "$apid" ] && [ -n "$aid" ] || fail "no node runs for alice's screen"
[ -S "$T/alice/p2pchat.sock" ] || fail "no attach socket"

# Detach: the screen goes, the node stays and stays online.
keys alice 'C-\'
wait_screen alice '^\[detached: the node on .* runs on'
wait_screen alice '^\[exited 0\]'
kill -0 "$apid" 2> /dev/null || fail "the node stopped when the screen detached"

# A message while detached waits; the next screen shows it, unread.
send bob "/msg $aid while you were away"
wait_for bob '"event":"delivered"'
$TM kill-session -t alice
start_screen alice
[ "$(node_pid alice)" = "$apid" ] || fail "a second node was started"
wait_screen alice '^ +2 \* bob +1 *│'
keys alice M-2
wait_screen alice 'bob while you were away$'
wait_no_screen alice '^ +2 \* bob +1'

# Two screens at once: both see a new message; reading in one clears
# the count in the other.
keys alice M-1
UI_HOME=alice start_screen alice2
wait_screen alice2 '^ +2 \* bob '
send bob "/msg $aid to both screens"
wait_screen alice '^ +2 \* bob +1 *│'
wait_screen alice2 '^ +2 \* bob +1 *│'
keys alice M-2
wait_screen alice 'bob to both screens$'
wait_no_screen alice2 '^ +2 \* bob +1'
keys alice2 M-2
wait_screen alice2 'bob to both screens$'
send bob "/msg $aid seen in two places"
wait_screen alice 'bob seen in two places$'
wait_screen alice2 'bob seen in two places$'

# kill -9 of a screen: the node and the other screen go on.
spid=$(screen_pid alice2)
[ -n "$spid" ] || fail "no screen process in alice2"
kill -9 $spid
wait_screen alice2 '\[exited 137\]'
kill -0 "$apid" 2> /dev/null || fail "the node died with a screen"
send bob "/msg $aid after a screen was killed"
wait_screen alice 'bob after a screen was killed$'
n=$(count bob '"event":"delivered"')

# kill -9 of the node: its screen says so; the next p2pchat starts a new
# node (the stale socket is replaced) and what was acknowledged is there.
kill -9 "$apid"
wait_screen alice '^\[exited 1\]'
grep -q 'the node on .* stopped' "$T/alice.err" || \
    fail "the screen did not say its node stopped"
$TM kill-session -t alice
$TM kill-session -t alice2
start_screen alice
npid=$(node_pid alice)
[ -n "$npid" ] && [ "$npid" != "$apid" ] || fail "no new node was started"
keys alice M-2
wait_screen alice 'alice hello from an attached screen +ok$'
for m in "while you were away" "to both screens" "seen in two places" \
    "after a screen was killed"; do
	wait_screen alice "bob $m\$"
done
[ "$n" -ge 4 ] || fail "bob had $n deliveries acknowledged, not 4"

# /quit asks; s stops the node as well.
# The screen waited for the node to let go of the profile; its process
# ends just after.
stop_screen alice
i=0
while kill -0 "$npid" 2> /dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "/quit, s: the node still runs"
	sleep 0.05
done
[ -S "$T/alice/p2pchat.sock" ] && fail "the socket was left behind"
pass
