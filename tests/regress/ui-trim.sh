#!/bin/sh
# ui-trim: a window that follows a flood keeps its size by dropping a
# page of old lines at a time, not one line per message (which moved the
# window's 2000 lines for every message). P2PCHAT_UI_STATS counts the
# lines moved.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

N=2800
UI_ENV="P2PCHAT_UI_STATS=$T/stats" screen_with_bob
msg_lines alice "flood message" 1 $N > "$T/flood"
cat "$T/flood" > "$T/bob.in"
wait_screen alice "bob flood message $N\$" 60
stop_screen alice
moved=$(sed -n 's/^lines_moved //p' "$T/stats")
[ -n "$moved" ] || fail "no lines_moved in $(cat "$T/stats")"
# 800 messages over 2000: a page at a time moves about 2000 lines for
# each 200 messages, 8000 in all; a line at a time moved 1.6 million.
echo "lines moved: $moved"
[ "$moved" -lt 40000 ] || fail "$moved lines moved to trim the window"
pass
