#!/bin/sh
# ui-part: after /part the room's window stays, with its history, but does
# not send: a line typed in it is refused with a hint naming /join, and
# nothing reaches the other members. After /join it sends again.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

start_peer bob
start_screen alice -c "127.0.0.1:$bob_port"
wait_screen alice '^ +2 \* bob '
send bob "/join #lobby"
wait_for bob '"event":"joined","room":"#lobby"'
type_line alice "/join #lobby"
wait_screen alice '^ +3 # #lobby'
wait_screen alice '│ #lobby, 2 members, 2 online *$'
type_line alice "before part"
wait_for bob '"room":"#lobby",.*"text":"before part"'

type_line alice "/part"
wait_screen alice 'parted'
type_line alice "after part"
wait_screen alice 'you left #lobby: /join #lobby to send'
wait_screen alice 'before part'
capture alice | grep -q 'after part' && fail "the refused line is shown"

# Back in: the marker goes out and arrives; the refused line never did.
type_line alice "/join #lobby"
wait_screen alice 'joined'
type_line alice "marker after join"
wait_for bob '"room":"#lobby",.*"text":"marker after join"'
grep -q '"text":"after part"' "$T/bob.out" && \
    fail "a line sent after /part reached bob"

stop_screen alice
pass
