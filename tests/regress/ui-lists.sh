#!/bin/sh
# ui-lists: /peers, /rooms and /addresses print for a person: a header,
# aligned columns, states as words, times as "today HH:MM" or "never";
# an empty list says so and what to do.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

# The column where $2 starts on the line of screen $1 matching $3.
col() {
	capture "$1" | grep -E -- "$3" | head -n 1 | \
	    awk -v w="$2" '{ print index($0, w) }'
}

start_screen alice
$TM resize-window -t alice -x 140 -y 30
type_line alice "/rooms"
wait_screen alice 'no rooms: /join #name to make one'
type_line alice "/peers"
wait_screen alice 'no peers yet: /connect HOST:PORT'
type_line alice "/addresses"
wait_screen alice 'no addresses yet: /connect HOST:PORT adds one'

start_peer bob
type_line alice "/connect 127.0.0.1:$bob_port"
wait_screen alice '^ +2 \* bob '
type_line alice "/clear"
type_line alice "/peers"
wait_screen alice '-!- # +NICK +STATE +TRUST +CONTACT +LAST SEEN +ID +ADDRESS$'
wait_screen alice '-!- 1 +bob +online +unverified +contact +now +[0-9a-f]{8} +127\.0\.0\.1:[0-9]+$'
h='-!- # +NICK'
r='-!- 1 +bob'
for w in "STATE:online" "TRUST:unverified" "CONTACT:contact" "LAST SEEN:now" \
    "ADDRESS:127.0"; do
	[ "$(col alice "${w%%:*}" "$h")" -eq "$(col alice "${w#*:}" "$r")" ] || \
	    fail "/peers: ${w#*:} is not under ${w%%:*}"
done

type_line alice "/join #lobby"
wait_screen alice '^ +3 # #lobby'
keys alice M-1
type_line alice "/clear"
type_line alice "/rooms"
wait_screen alice '-!- ROOM +UNREAD +ID$'
wait_screen alice '-!- #lobby +0 +[0-9a-f]{8}$'
# (The count's column is where the gap after the room name ends: a
# plain search for "0" could find it in the time of day.)
[ "$(col alice UNREAD 'ROOM +UNREAD')" -eq "$(capture alice |
    grep -E -- '#lobby +0 ' | head -n 1 |
    awk '{ match($0, /#lobby +/); print RSTART + RLENGTH }')" ] ||
    fail "/rooms: not aligned"

type_line alice "/clear"
type_line alice "/addresses"
wait_screen alice '-!- ADDRESS +FROM +LAST OK +LAST TRIED +FAILED +PEER$'
wait_screen alice "-!- 127\\.0\\.0\\.1:$bob_port +user +today [0-9]{2}:[0-9]{2} +today [0-9]{2}:[0-9]{2} +0 +[0-9a-f]{8}\$"

# Bob goes: offline, and last seen a time today.
stop_node bob
wait_screen alice '^ +2 o bob '
type_line alice "/clear"
type_line alice "/peers"
wait_screen alice '-!- 1 +bob +offline +unverified +contact +today [0-9]{2}:[0-9]{2} +[0-9a-f]{8}'

stop_screen alice
pass
