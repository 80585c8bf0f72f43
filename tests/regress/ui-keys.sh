#!/bin/sh
# ui-keys: the key table. --list-keys prints one binding a line (KEY, TAB,
# ACTION, TAB, HELP) with the bindings issue 5 names; /help keys shows the
# same table in the console; M-Enter makes a two-line message; Up recalls
# it; Tab completes commands and nicks; M-a goes to unread messages; C-l
# redraws the same screen.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

"$P2PCHAT" --list-keys > "$T/keys" || fail "--list-keys failed"
awk -F '\t' 'NF != 3 || $1 == "" || $2 == "" || $3 == "" { bad = 1 }
    END { exit bad }' "$T/keys" || fail "a --list-keys line is not KEY ACTION HELP"
for k in M-1 M-2 M-9 M-0 C-n C-p M-a C-g PageUp PageDown M-Home M-End Up \
    Down Tab M-Enter C-l C-a C-e C-b C-f C-d C-k C-u C-w C-y M-b M-f \
    Backspace Enter; do
	grep -q "^$k	" "$T/keys" || fail "--list-keys lacks $k"
done
[ "$(cut -f1 "$T/keys" | sort | uniq -d)" = "" ] || fail "a key bound twice"

start_peer bob
start_screen alice -c "127.0.0.1:$bob_port"
wait_screen alice '^ +2 \* bob '
type_line alice "/help keys"
last=$(tail -n 1 "$T/keys" | cut -f1)
wait_screen alice "-!-   $last +$(tail -n 1 "$T/keys" | cut -f2) "
keys alice PageUp PageUp PageUp PageUp PageUp PageUp PageUp PageUp
wait_screen alice 'Keys \(every M- key also works as Esc'
keys alice M-End

# Tab completes a command, then a nick.
keys alice -l "/que"
keys alice Tab
wait_screen alice '^> /query$'
keys alice -l "bo"
keys alice Tab
wait_screen alice '^> /query bob$'
keys alice Enter
wait_screen alice 'bob \([0-9a-f]{8}\) -- unverified -- online'

# M-Enter: one message of two lines; Up brings it back.
keys alice -l "line one"
keys alice M-Enter
keys alice -l "line two"
wait_screen alice '^> line one.line two$'
keys alice Enter
wait_for bob '"text":"line one\\nline two"' 10
wait_screen alice 'alice line one +ok$'
wait_screen alice '^ +│ +line two$'
keys alice Up
wait_screen alice '^> line one.line two$'
keys alice C-c
wait_screen alice '^> *$'

# M-a: to the next window with unread messages.
keys alice M-1
wait_screen alice 'console -- /help'
send bob "/msg alice are you there"
wait_screen alice '^ +2 \* bob +1 *│'
keys alice M-a
wait_screen alice 'bob are you there$'
wait_screen alice 'bob \([0-9a-f]{8}\) -- unverified'

# C-l: the same screen again, also after something else wrote on the
# terminal behind the program's back.
capture alice | mask > "$T/before"
scribble alice "scribbled over"
wait_screen alice '^scribbled over'
wait_no_screen alice 'are you there'
keys alice C-l
wait_screen_is alice "$T/before" 5
stop_screen alice
pass
