#!/bin/sh
# ui-nicks: the nick column fits the names shown, not one's own nick. In a
# room, "ali" sees "alexandra" whole; a nick wider than the column's bound
# (16 columns) is cut with a mark; a wide-character nick is counted by its
# columns, and every text row starts in the same column.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

start_peer alexandra
start_peer zh -n "漢字名前"
start_peer longname -n "averyveryverylongnickname"
start_screen ali -c "127.0.0.1:$alexandra_port" -c "127.0.0.1:$zh_port" \
    -c "127.0.0.1:$longname_port"
wait_screen ali '^ +[0-9] \* alexandra '
wait_screen ali '^ +[0-9] \* 漢字名前 '
wait_screen ali '^ +[0-9] \* averyveryverylo'
for n in alexandra zh longname; do
	send $n "/join #lobby"
	wait_for $n '"event":"joined","room":"#lobby"'
done
type_line ali "/join #lobby"
wait_screen ali '^ +[0-9] # #lobby'
send alexandra "/msg #lobby hello room from alexandra"
send zh "/msg #lobby wide nick here"
send longname "/msg #lobby long nick here"
wait_screen ali 'alexandra hello room from alexandra$'
wait_screen ali '漢字名前 wide nick here$'
# Cut at 16 columns, the last one a mark.
wait_screen ali ' averyveryverylo… long nick here$'
type_line ali "own line"
wait_screen ali ' ali own line +(->|ok)$'

# The text of every message row starts in one column.
capture ali > "$T/screen"
start_col() {
	grep -E "$1" "$T/screen" | \
	    sed -E 's/(hello room|wide nick|long nick|own line).*//' | \
	    LC_ALL=$UI_LANG wc -L | tr -d ' '
}
cols=$(start_col 'hello room from alexandra$')
[ "$cols" -gt 30 ] || fail "text starts at column $cols"
for t in 'hello room from alexandra$' 'wide nick here$' 'long nick here$' \
    'own line +(->|ok)$'; do
	w=$(start_col "$t")
	[ "$w" -eq "$cols" ] || fail "text of /$t/ starts at $w, not $cols"
done

# A direct window fits the peer's name too (it did already) and is cut the
# same way.
type_line ali "/goto averyvery"
wait_screen ali 'averyveryverylongnickname \([0-9a-f]{8}\)'
send longname "/msg ali direct one"
wait_screen ali ' averyveryverylo… direct one$'

stop_screen ali
pass
