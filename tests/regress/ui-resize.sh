#!/bin/sh
# ui-resize: the screen reflows when the terminal changes size. At 80x24
# it matches the expected layout; at 200x50 the long message is one row,
# the bars are at the new bottom and nothing is left of the old layout;
# back at 80x24 the screen is what it was.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

screen_with_bob
send bob "/msg alice good morning"
send bob "/msg alice this message is long enough to wrap at eighty columns but fits on one row of two hundred"
wait_screen alice 'of two hundred$'
type_line alice "short reply"
wait_screen alice 'alice short reply +ok$'
# The status bar shows the reach words once bob's dial-back reached alice.
wait_screen alice '^ alice [0-9a-f]{8} \| 1/1 online \| public 127\.0\.0\.1:[0-9]+ \|'

capture alice | mask > "$T/before"
diff -u "$srcdir/tests/regress/ui-expected/resize-80x24.txt" "$T/before" \
    >&2 || fail "the 80x24 screen is not the expected one"

$TM resize-window -t alice -x 200 -y 50
wait_screen alice 'bob this message is long enough to wrap at eighty columns but fits on one row of two hundred$'
capture alice > "$T/big"
[ "$(wc -l < "$T/big")" -eq 50 ] || fail "not 50 rows"
sed -n 49p "$T/big" | grep -q '^ alice [0-9a-f]\{8\} | 1/1 online | public 127' || \
    fail "the status bar is not on row 49"
sed -n 50p "$T/big" | grep -q '^> *$' || fail "the input line is not row 50"
# Rows 2-48: the list, its border, the conversation; nothing else.
awk 'NR >= 2 && NR <= 48 && $0 !~ /│/ { bad = 1 } END { exit bad }' \
    "$T/big" || fail "a row lost the border"
[ "$(grep -c 'good morning' "$T/big")" -eq 1 ] || fail "repeated line"
[ "$(grep -c 'short reply' "$T/big")" -eq 1 ] || fail "repeated reply"

$TM resize-window -t alice -x 80 -y 24
wait_screen alice '^>'
i=0
while ! capture alice | mask | cmp -s - "$T/before"; do
	i=$((i + 1))
	if [ $i -gt 50 ]; then
		capture alice | mask | diff -u "$T/before" - >&2
		fail "the screen differs after resizing back"
	fi
	sleep 0.1
done
stop_screen alice
pass
