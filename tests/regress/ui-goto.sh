#!/bin/sh
# ui-goto: getting around. Esc then a digit is Alt-digit; the go-to
# prompt (C-g) opens a window by part of its name; /search lists hits in
# the console and /goto N shows hit N in its conversation, in context,
# far from the newest message.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

start_screen alice
start_peer bob -c "127.0.0.1:$alice_port"
wait_screen alice '^ +2 \* bob '
start_peer carol -c "127.0.0.1:$alice_port"
wait_screen alice '^ +3 \* carol '

keys alice Escape 3
wait_screen alice 'carol \([0-9a-f]{8}\) -- unverified'
keys alice Escape 2
wait_screen alice 'bob \([0-9a-f]{8}\) -- unverified'

# The go-to prompt: part of a name, Enter.
keys alice C-g
wait_screen alice '^go to'
keys alice -l "aro"
wait_screen alice '^go to \[3 carol\]: aro'
keys alice Enter
wait_screen alice 'carol \([0-9a-f]{8}\) -- unverified'
wait_screen alice '^> *$'
keys alice M-g
keys alice -l "zzz"
wait_screen alice '^go to \(no match\): zzz'
keys alice C-g
wait_screen alice '^> *$'
wait_screen alice 'carol \([0-9a-f]{8}\) -- unverified'
# A number works too, and Tab picks the next match.
keys alice C-g
keys alice -l "o"
wait_screen alice '^go to \[1 console\]: o'
keys alice Tab
wait_screen alice '^go to \[2 bob\]: o'
keys alice Enter
wait_screen alice 'bob \([0-9a-f]{8}\) -- unverified'

# /search, then /goto: the hit in its conversation, not the newest line.
{
	msg_lines alice filler 1 150
	echo "/msg alice the quick brown fox"
	msg_lines alice filler 151 300
} > "$T/bob.in"
wait_screen alice 'bob filler 300$'
keys alice M-3
wait_screen alice 'carol \([0-9a-f]{8}\) -- unverified'
type_line alice "/search quick brown"
wait_screen alice '/search: [0-9]+ lines in the console \(M-1\)'
keys alice M-1
wait_screen alice '\[1\] .* bob <bob> the quick brown fox'
wait_screen alice '/goto N shows result N'
type_line alice "/goto 1"
wait_screen alice 'bob \([0-9a-f]{8}\) -- unverified'
wait_screen alice 'bob the quick brown fox$'
wait_screen alice 'bob filler 151$'
wait_no_screen alice 'filler 300$'
capture alice | grep -q 'bob filler 150$' || fail "no context above the hit"
stop_screen alice
pass
