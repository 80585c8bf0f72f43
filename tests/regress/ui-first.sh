#!/bin/sh
# ui-first: the first screen of a new profile, with no peers yet, tells
# how to reach someone in the console: the address and the whole id to
# give, /connect HOST:PORT, and where the manual goes on. Once a peer is
# known it is not shown again.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

# The console's text, its wrapped rows joined.
flat() {
	capture alice | sed -e 's/^[^│]*│//' -e 's/^[0-9:]* *-!- *//' \
	    -e 's/^ *//' | tr '\n' ' '
}

start_screen alice
wait_screen alice '^ +1   console'
wait_screen alice 'No peers yet'
flat | grep -q '/connect HOST:PORT' || fail "no /connect HOST:PORT"
flat | grep -q 'man p2pchat, section EXAMPLES' || fail "no man page"
# The whole id (64 hex digits, wrapped or not) and the address.
flat | tr -d ' ' | grep -Eq "youraddress127\.0\.0\.1:$alice_port" || \
    fail "no address to give on the first screen"
flat | tr -d ' ' | grep -Eq "yourid[0-9a-f]{64};" || \
    fail "no whole id on the first screen"
flat | grep -q "they type /connect 127\.0\.0\.1:$alice_port" || \
    fail "no /connect line to give"
# Not a modal: the window list and the input line are there, typing works.
type_line alice "/id"
wait_screen alice 'you are alice, id$'

# Bob dials in; at the next start alice knows a peer: no first-screen text.
start_peer bob -c "127.0.0.1:$alice_port"
wait_screen alice '^ +2 \* bob '
stop_screen alice
$TM kill-session -t alice
start_screen alice
wait_screen alice '^ +2 [*o] bob '
capture alice | grep -q 'No peers yet' && fail "the first-screen text again"

stop_screen alice
pass
