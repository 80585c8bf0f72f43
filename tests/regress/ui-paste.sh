#!/bin/sh
# ui-paste: a bracketed paste of more lines than [ui] paste_lines asks
# before anything is sent: y sends it as one message, n drops it; a short
# paste goes into the input line to be edited and sent with Enter.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

screen_with_bob

$TM set-buffer -b five "$(printf 'one\ntwo\nthree\nfour\nfive')"
$TM paste-buffer -p -b five -t alice
wait_screen alice '^Paste of 5 lines: y sends it, e edits it, n drops it\?'
[ "$(count bob '"event":"message"')" -eq 0 ] || fail "sent before asking"
keys alice y
wait_for bob '"text":"one\\ntwo\\nthree\\nfour\\nfive"' 10
wait_screen alice '^> *$'

$TM paste-buffer -p -b five -t alice
wait_screen alice '^Paste of 5 lines'
keys alice n
wait_screen alice '^> *$'

$TM set-buffer -b two "$(printf 'first\nsecond')"
$TM paste-buffer -p -b two -t alice
wait_screen alice '^> first.second$'
keys alice Enter
wait_for bob '"text":"first\\nsecond"' 10
# The barrier: one more message, sent after everything above; once it is
# there, anything the dropped paste might have sent is there too.
type_line alice "after the pastes"
wait_for bob '"event":"message".*"text":"after the pastes"' 10
[ "$(count bob '"event":"message"')" -eq 3 ] || fail "the dropped paste was sent"
stop_screen alice
pass
