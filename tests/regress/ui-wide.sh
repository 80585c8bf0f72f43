#!/bin/sh
# ui-wide: wide and combining characters keep the columns aligned. CJK
# and emoji take two columns, a combining mark none: every row is 80
# columns at most, the border stays in its column, the state mark of an
# own CJK message ends at the right edge, a long CJK line wraps under its
# text column, and the input line's cursor moves by display width.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

screen_with_bob

cjk="漢字のテスト"
long="長い行は二列の文字で折り返されるがその列は揃ったままでなければならない長い行は二列の文字で折り返される"
send bob "/msg alice $cjk end"
send bob "/msg alice emoji 😀🎉 party"
send bob "/msg alice cafe$(printf '\314\201') combining"
send bob "/msg alice $long"
wait_screen alice 'bob 長い行'
type_line alice "こんにちは世界"
wait_screen alice 'alice こんにちは世界 +ok$'
wait_screen alice "bob $cjk end\$"
wait_screen alice 'bob emoji 😀🎉 party$'

capture alice > "$T/screen"
width() {
	LC_ALL=$UI_LANG wc -L | tr -d ' '
}
n=0
while IFS= read -r row; do
	n=$((n + 1))
	w=$(printf '%s\n' "$row" | width)
	[ "$w" -le 80 ] || fail "row $n is $w columns wide: $row"
	[ $n -le 22 ] || continue
	left=$(printf '%s\n' "$row" | sed 's/│.*//' | width)
	[ "$left" -eq 17 ] || fail "row $n has its border at column $left"
done < "$T/screen"
[ $n -eq 24 ] || fail "$n rows"
w=$(grep 'alice こんにちは世界' "$T/screen" | width)
[ "$w" -eq 80 ] || fail "the own CJK row is $w columns, not 80"
# The long line wraps: its second row starts under the text column.
grep -A1 'bob 長い行' "$T/screen" | tail -n 1 > "$T/cont"
pre=$(sed 's/^\(.*│ *\).*/\1/' "$T/cont" | width)
[ "$pre" -eq 30 ] || fail "continuation starts at column $pre, not 30"
grep -q 'cafe' "$T/screen" || fail "the combining line is gone"

# The input line: each CJK character moves the cursor two columns.
keys alice -l "漢字ab"
wait_screen alice '^> 漢字ab'
[ "$($TM display -p -t alice '#{cursor_x}')" -eq 8 ] || fail "cursor at \
$($TM display -p -t alice '#{cursor_x}'), not 8"
keys alice C-a C-f
sleep 0.2
i=0
while [ "$($TM display -p -t alice '#{cursor_x}')" -ne 4 ]; do
	i=$((i + 1))
	[ $i -gt 50 ] && fail "C-a C-f: cursor not at 4"
	sleep 0.1
done
keys alice C-d
wait_screen alice '^> 漢ab'
keys alice C-u C-e BSpace
wait_screen alice '^> a$'
keys alice C-y
wait_screen alice '^> a漢$'
stop_screen alice
pass
