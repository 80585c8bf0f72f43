#!/bin/sh
# dht-rendezvous.sh: room members find each other on the DHT. r1 and r2
# know nobody (no -c), only the DHT bootstrap node m, which is in no room;
# both join #meet and find each other by the room's rendezvous hash, and
# a room message goes across. o, in another room, is dialled by neither.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

# dht_ini NAME BOOTSTRAP: a profile whose DHT joins at BOOTSTRAP.
dht_ini() {
	mkdir -p -m 700 "$T/$1"
	printf "[node]\nlan_discovery = no\naccept = anyone\n[dht]\n%s\n" \
	    "bootstrap = $2" > "$T/$1/p2pchat.ini"
}

# Port 9 (discard) on 127.0.0.1: nothing answers there.
dht_ini m 127.0.0.1:9
start_node m -l 127.0.0.1:0
for n in r1 r2 o; do
	dht_ini $n "127.0.0.1:$m_port"
	start_node $n -l 127.0.0.1:0
	wait_for $n '"event":"dht_published"' 30
done
send o "/join #elsewhere"
wait_for o '"event":"joined","room":"#elsewhere"'
send r1 "/join #meet opensesame"
wait_for r1 '"event":"joined","room":"#meet"'
send r2 "/join #meet opensesame"
wait_for r2 '"event":"joined","room":"#meet"'

wait_for r1 "\"id\":\"$r2_id\".*\"state\":\"online\"" 30
wait_for r2 "\"id\":\"$r1_id\".*\"state\":\"online\"" 30
send r1 "/msg #meet met through the dht"
wait_for r2 '"event":"message".*met through the dht' 20

# Neither member dialled o or m: they are not in the room.
for n in r1 r2; do
	for x in $o_id $m_id; do
		[ "$(count $n "\"id\":\"$x\".*\"state\":\"online\"")" = 0 ] ||
		    fail "$n has a session with a node not in the room"
	done
done
stop_node r1
stop_node r2
pass
