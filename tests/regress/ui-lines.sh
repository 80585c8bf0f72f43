#!/bin/sh
# ui-lines: lines typed or pasted in one go. Two lines that arrive in one
# read (keys typed ahead, or a paste from a terminal without bracketed
# paste) are two commands, each answered; a line left without Enter stays
# in the input line; more lines than [ui] paste_lines ask first, as a
# bracketed paste does. An ambiguous command prefix names the commands it
# could mean; C-c on an empty line says how to leave.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

start_screen alice

# One send-keys: tmux writes the keys to the terminal at once.
keys alice '/nick carol' Enter '/id' Enter
wait_screen alice 'you are carol, id'
wait_screen alice '^ carol [0-9a-f]{8} \|'

# A paste without bracketed paste (paste-buffer without -p): one read,
# its line feeds made carriage returns; the last line has no line break.
$TM set-buffer -b two "$(printf '/nick dave\n/nick erin\n/pe')"
$TM paste-buffer -b two -t alice
wait_screen alice '^ erin [0-9a-f]{8} \|'
wait_screen alice '^> /pe$'
keys alice C-u

# Five lines are more than paste_lines (3): asked about, nothing run.
$TM set-buffer -b five "$(printf '/nick f1\n/nick f2\n/nick f3\n/nick f4\n/nick f5')"
$TM paste-buffer -b five -t alice
wait_screen alice '^Paste of 5 lines: y sends it, e edits it, n drops it\?'
keys alice n
wait_screen alice '^> *$'
wait_screen alice '^ erin [0-9a-f]{8} \|'

# /p could be more than one command: the error names them.
type_line alice /p
wait_screen alice '"/p" could be /peers, /part$'

# C-c on an empty line: how to leave.
keys alice C-c
wait_screen alice '\| the line is empty: /quit leaves p2pchat'
stop_screen alice
pass
