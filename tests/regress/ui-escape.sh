#!/bin/sh
# ui-escape: Esc typed at a person's speed. An Esc that no key follows
# within [ui] escape_delay is Esc (cancel: it clears the line, closes the
# go-to prompt), and the key after it is typed, not taken as Meta; Esc
# followed at once by a key is still that key with Meta.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

start_screen alice

keys alice -l "some text"
wait_screen alice '^> some text$'
keys alice Escape
wait_screen alice '^> *$'
keys alice C-g
wait_screen alice '^go to \[1 console\]: *$'
keys alice Escape
wait_screen alice '^> *$'
keys alice x
wait_screen alice '^> x$'

# Esc and a key in one write (tmux sends M-b so): Meta. M-b moves back
# a word, so y goes before the x.
keys alice M-b
keys alice y
wait_screen alice '^> yx$'
keys alice C-u

# escape_delay 0: an Esc that ends a read is Esc at once.
stop_screen alice
UI_INI='[ui]
escape_delay = 0
'
start_screen bob
keys bob -l "more text"
wait_screen bob '^> more text$'
keys bob Escape
wait_screen bob '^> *$'
keys bob x
wait_screen bob '^> x$'
stop_screen bob
pass
