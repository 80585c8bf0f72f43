#!/bin/sh
# ui-scroll: scrollback of a 10,000-message conversation. A headless peer
# sends 10,000 messages as fast as it can while the screen follows them;
# PgUp then shows older messages (read from the store a page at a time),
# M-Home the first one, PgDown moves back down, M-End returns to the
# newest.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

screen_with_bob

msg_lines alice line 1 10000 " of the flood" > "$T/flood"
cat "$T/flood" > "$T/bob.in"
wait_screen alice 'bob line 10000 of the flood$' ${UI_FLOOD_SECS:-30}

# A page up: older lines, the newest gone from the screen.
keys alice PageUp
wait_no_screen alice 'line 10000 of'
wait_screen alice 'bob line 99[0-9][0-9] of the flood$'
wait_screen alice '-- scrolled --'
keys alice PageUp PageUp PageUp PageUp PageUp PageUp PageUp PageUp
wait_screen alice 'bob line 98[0-9][0-9] of the flood$'

# The first message, under its day line; PgDown moves on from there.
keys alice M-Home
wait_screen alice '│-- [A-Z][a-z]+ [0-9]+ [A-Z][a-z]+ [0-9]+ --'
wait_screen alice 'bob line 1 of the flood$'
keys alice PageDown
wait_no_screen alice 'bob line 1 of the flood$'
wait_screen alice 'bob line 2[0-9] of the flood$'

# Many pages down and up again cross page boundaries of the store.
n=0
while [ $n -lt 20 ]; do
	keys alice PageDown
	n=$((n + 1))
done
wait_screen alice 'bob line (3[0-9][0-9]|4[0-2][0-9]) of the flood$'

keys alice M-End
wait_screen alice 'bob line 10000 of the flood$'
wait_no_screen alice '-- scrolled --'
stop_screen alice
pass
