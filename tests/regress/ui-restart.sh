#!/bin/sh
# ui-restart: unread markers are stored. Messages read before quitting
# stay read; after a restart the conversation opens at its first unread
# line, under the unread marker, with the last read message above it;
# scrolling to the end marks it read.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

screen_with_bob
msg_lines alice old 1 40 > "$T/bob.in"
wait_screen alice 'bob old 40$'
keys alice M-1
wait_screen alice 'console -- /help'
msg_lines alice new 1 30 > "$T/bob.in"
wait_screen alice '^ +2 \* bob +30 *│'
stop_screen alice
$TM kill-session -t alice

start_screen alice -c "127.0.0.1:$bob_port"
wait_screen alice '^ +2 [*o] bob +30 *│'
keys alice M-2
wait_screen alice 'bob \([0-9a-f]{8}\) -- unverified'
capture alice > "$T/screen"
grep -n '│-- unread --' "$T/screen" > "$T/marker" || \
    fail "no unread marker"
row=$(cut -d: -f1 "$T/marker")
[ "$row" -le 4 ] || fail "the unread marker is on row $row, not at the top"
sed -n "$((row + 1))p" "$T/screen" | grep -q 'bob new 1$' || \
    fail "the first unread line is not under the marker"
sed -n "$((row - 1))p" "$T/screen" | grep -q 'bob old 40$' || \
    fail "the last read line is not above the marker"
grep -q 'new 30$' "$T/screen" && fail "opened at the end, not the first unread"
grep -q '^ +2 [*o] bob +30' "$T/screen" || true

keys alice PageDown
wait_screen alice 'bob new 30$'
wait_no_screen alice '^ +2 [*o] bob +30'
stop_screen alice
pass
