#!/bin/sh
# ui-room-title: a room's title line counts its members (authors seen in
# it lately that have not parted) and those online: it grows as members
# join, loses one online when a member goes offline, and loses a member
# who parts. Joins and parts are lines in the room's window.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

start_peer bob
start_screen alice -c "127.0.0.1:$bob_port"
wait_screen alice '^ +2 \* bob '
start_peer carol -c "127.0.0.1:$bob_port" -c "127.0.0.1:$alice_port"
wait_screen alice '^ +3 \* carol '
type_line alice "/join #lobby"
wait_screen alice '^ +4 # #lobby'
wait_screen alice '│ #lobby, 1 member, 1 online *$'

send bob "/join #lobby"
wait_screen alice '│ #lobby, 2 members, 2 online *$'
wait_screen alice 'bob joined #lobby'
send carol "/join #lobby"
wait_screen alice '│ #lobby, 3 members, 3 online *$'

# carol quits: still a member, no longer online.
stop_node carol
wait_screen alice '│ #lobby, 3 members, 2 online *$'
# bob parts: no longer a member.
send bob "/part #lobby"
wait_screen alice '│ #lobby, 2 members, 1 online *$'
wait_screen alice 'bob left #lobby'

stop_screen alice
stop_node bob
pass
