#!/bin/sh
# ui-request: strangers ask first, on the screen (issue 15). bob dials
# alice and writes: alice sees one line asking her to /accept or /decline,
# no window opens, /requests shows a table; /accept opens bob's window
# with what he sent. /rename names him on alice's screen; /close closes
# his window and his next message opens it again.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

UI_ACCEPT=contacts start_screen alice
start_peer bob -c "127.0.0.1:$alice_port"
wait_for bob '"event":"peer".*"nick":"alice","state":"online"'
alice_id=$(grep '"event":"peer"' "$T/bob.out" | head -n 1 | json_get id)

send bob "/msg $alice_id hello, it is bob"
wait_for bob '"event":"delivered"'
wait_screen alice "bob \\(${bob_id%"${bob_id#????????}"}\\) asks to chat: /accept"
# No window for a stranger: the list holds only the console.
wait_no_screen alice '^ +2 [*o] bob'
send bob "/msg $alice_id a second one"
wait_for bob '"event":"delivered"' 20 2
[ "$(capture alice | grep -c 'asks to chat')" -eq 1 ] || \
    fail "the request was announced more than once"

type_line alice "/clear"
type_line alice "/requests"
wait_screen alice '-!- NICK +ID +FROM +FIRST MESSAGE$'
wait_screen alice '-!- bob +[0-9a-f]{8} +127\.0\.0\.1 +hello, it is bob$'

type_line alice "/accept bob"
wait_screen alice '^ +2 \* bob '
wait_screen alice '│[0-9:]+ +bob hello, it is bob'
wait_screen alice '│[0-9:]+ +bob a second one'
keys alice M-1
wait_screen alice 'bob \([0-9a-f]{8}\) is a contact now'
keys alice M-2
wait_screen alice 'bob \([0-9a-f]{8}\) -- unverified -- online'

type_line alice "/rename bob robert"
wait_screen alice '^ +2 \* robert '
type_line alice "/close"
wait_no_screen alice '^ +2 \* robert '
send bob "/msg $alice_id back again"
wait_screen alice '^ +2 \* robert +1'

stop_node bob
stop_screen alice
pass
