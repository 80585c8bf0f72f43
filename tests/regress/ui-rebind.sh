#!/bin/sh
# ui-rebind: [keys] rebinds actions of the key table. The keys given
# replace the action's own; --list-keys and /help keys show the bindings
# in force; the rebound key works and the old one no longer does.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

UI_INI='[keys]
next-window = C-o
previous-window = M-, C-p
cancel = C-x Esc
'
profile alice
"$P2PCHAT" -f "$T/alice/p2pchat.ini" --list-keys > "$T/keys" ||
    fail "--list-keys with [keys] failed"
grep -q '^C-o	next-window	' "$T/keys" || fail "--list-keys lacks C-o"
grep -q '^M-,	previous-window	' "$T/keys" || fail "--list-keys lacks M-,"
grep -q '^C-x	cancel	' "$T/keys" || fail "--list-keys lacks C-x"
grep -q '^C-n	' "$T/keys" && fail "C-n still bound"
grep -q '^M-Right	' "$T/keys" && fail "M-Right still bound"
grep -q '^C-c	' "$T/keys" && fail "C-c still bound"

start_peer bob
start_screen alice -c "127.0.0.1:$bob_port"
wait_screen alice '^ +2 \* bob '

# C-n does nothing now; C-o goes to the next window, M-, back.
keys alice C-n
keys alice C-o
wait_screen alice 'bob \([0-9a-f]{8}\) -- unverified'
keys alice M-,
wait_screen alice 'console -- /help'

# C-x clears the line.
keys alice -l "some text"
wait_screen alice '^> some text$'
keys alice C-x
wait_screen alice '^> *$'

# /help keys lists what is in force (on a cleared console, so that the
# pages above it are the same whatever the console held).
type_line alice "/clear"
type_line alice "/help keys"
wait_screen alice '-!-   C-x +cancel '
keys alice PageUp PageUp PageUp PageUp PageUp
wait_screen alice '-!-   C-o +next-window '
keys alice M-End
stop_screen alice
pass
