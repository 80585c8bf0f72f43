#!/bin/sh
# ui-search: /search says how many it shows of how many match, and
# /search -n pages on to the next 100 until all were shown.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

screen_with_bob
keys alice M-1
i=1
while [ $i -le 130 ]; do
	send bob "/msg alice needle number $i"
	i=$((i + 1))
done
send bob "/msg alice haystack only"
wait_screen alice '^ +2 \* bob +131│'

type_line alice "/search needle"
wait_screen alice '-!- 100 of 130 matches$'
wait_screen alice '/search -n shows the next 30'
type_line alice "/search -n"
wait_screen alice '-!- 101-130 of 130 matches$'
wait_screen alice '\[30\] .* needle number 1$'
# /goto works on the page shown: result 30 is the oldest match.
type_line alice "/goto 30"
wait_screen alice 'bob \([0-9a-f]{8}\) -- unverified'
wait_screen alice 'bob needle number 1$'
keys alice M-1
type_line alice "/search -n"
wait_screen alice 'no more matches: all 130 were shown'

stop_screen alice
pass
