#!/bin/sh
# ui-typing: the screen tells the open conversation's peer when the user is
# typing (text that is not a command in the input line) and when that
# stops (sent, cleared, or another window opened), and shows the peer's
# own typing in the title.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

start_peer bob -l 127.0.0.1:0
start_screen alice -c "127.0.0.1:$bob_port"
wait_screen alice '^ +2 \* bob '
wait_for bob '"event":"peer".*"nick":"alice","state":"online"'
alice_id=$(grep '"event":"peer".*"nick":"alice"' "$T/bob.out" | head -n 1 | \
    json_get id)
keys alice M-2
keys alice -l "hel"
wait_for bob "\"event\":\"typing\",\"peer\":\"$alice_id\",\"state\":\"typing\""
keys alice -l "lo"
keys alice Enter
wait_for bob '"event":"message".*"text":"hello"'
wait_for bob "\"event\":\"typing\",\"peer\":\"$alice_id\",\"state\":\"stopped\""
[ "$(count bob '"state":"typing"')" -eq 1 ] || \
    fail "typing sent more than once for one line"
# A command line is not typing. The barrier: a message sent by a command
# after it goes on the same session, so it reaches bob after any typing
# record the command line made.
keys alice -l "/peers"
wait_screen alice '^> /peers$'
keys alice C-u
type_line alice "/msg bob after the command"
wait_for bob '"event":"message".*"text":"after the command"'
[ "$(count bob '"state":"typing"')" -eq 1 ] || fail "a command counted as typing"
# Text, then leaving the window, stops it.
keys alice -l "draft"
wait_for bob '"state":"typing"' 10 2
keys alice M-1
wait_for bob '"state":"stopped"' 10 2
# The peer's typing shows in the title.
keys alice M-2
send bob "/typing alice on"
wait_screen alice 'typing'
send bob "/typing alice off"
wait_no_screen alice 'typing\.\.\.'
stop_screen alice
stop_node bob
pass
