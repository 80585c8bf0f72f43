#!/bin/sh
# ui-chat: two screens talk. A message typed in one appears in the other
# with the sender's nick; the sender's mark goes from pending to
# delivered ("ok"); M-2 and C-n switch windows; an unread count appears
# in the window list, the status bar and the terminal title, and clears
# when the conversation is opened.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

start_screen alice
start_screen bob -c "127.0.0.1:$alice_port"
wait_screen alice '^ +2 \* bob '
wait_screen bob '^ +2 \* alice '

# Alt-2 opens the conversation: its title names the peer and its trust.
keys bob M-2
wait_screen bob 'alice \([0-9a-f]{8}\) -- unverified -- online'
type_line bob "hello alice, from the screen"
wait_screen bob ' bob hello alice, from the screen +ok$'

# Alice is in the console: bob's window shows 1 unread, so does the title.
wait_screen alice '^ +2 \* bob +1 *│'
wait_screen alice '\[2:bob\]'
[ "$($TM display -p -t alice '#{pane_title}')" = "p2pchat (1)" ] || \
    fail "title is '$($TM display -p -t alice '#{pane_title}')'"

# C-n goes to the next window (bob): the message is there, and read.
keys alice C-n
wait_screen alice 'bob \([0-9a-f]{8}\) -- unverified -- online'
wait_screen alice '^ +│[0-9:]+ +bob hello alice, from the screen'
wait_no_screen alice '^ +2 \* bob +1'
wait_no_screen alice '\[2:bob\]'
[ "$($TM display -p -t alice '#{pane_title}')" = "p2pchat" ] || \
    fail "title still '$($TM display -p -t alice '#{pane_title}')'"

# A reply goes back; C-p returns to the console and M-2 to bob.
type_line alice "hi bob"
wait_screen alice 'alice hi bob +ok$'
wait_screen bob 'alice hi bob'
keys alice C-p
wait_screen alice 'console -- /help'
keys alice M-2
wait_screen alice 'alice hi bob +ok$'

stop_screen alice
stop_screen bob
pass
