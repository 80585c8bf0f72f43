#!/bin/sh
# ui-stranger-attached: a conversation that first appears after the
# screens attached, with no message yet, gets its window in every screen:
# a stranger who connects, and a peer known only by the id another
# screen typed in /query.

UI_ATTACH=yes
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

start_screen alice
UI_HOME=alice start_screen alice2
wait_screen alice2 'console -- /help'

# A stranger dials in and says nothing.
start_peer carol -c "127.0.0.1:$alice_port"
wait_for carol '"event":"peer".*"state":"online"'
wait_screen alice '^ +2 \* carol '
wait_screen alice2 '^ +2 \* carol '

# One screen opens a conversation with a peer it only has the id of.
dave=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
type_line alice "/query $dave"
wait_screen alice '^ +3 o 01234567 '
wait_screen alice2 '^ +3 o 01234567 '
pass
