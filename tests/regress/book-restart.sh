#!/bin/sh
# book-restart.sh: a restarted node dials the peers it remembers a few at a
# time, up to peers_target, not all of them at once.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

printf '[node]\npeers_target = 0\nlan_discovery = no\n' > "$T/quiet.ini"
printf '[node]\npeers_target = 2\nlan_discovery = no\n' > "$T/two.ini"

start_node hub -l 127.0.0.1:0
for n in p1 p2 p3 p4 p5; do
	start_node $n -l 127.0.0.1:0 -f "$T/quiet.ini"
	send hub "/connect 127.0.0.1:$(getvar ${n}_port)"
	wait_for hub "\"id\":\"$(getvar ${n}_id)\".*\"state\":\"online\""
done
stop_node hub
# Restarted, the five forget their dial targets and dial nobody.
for n in p1 p2 p3 p4 p5; do
	stop_node $n
	start_node $n -l "127.0.0.1:$(getvar ${n}_port)" -f "$T/quiet.ini"
done

before=$(count hub '"state":"online"')
start_node hub -l "127.0.0.1:$hub_port" -f "$T/two.ini"
wait_for hub '"state":"online"' 20 $((before + 2))
# A round trip to one of them, then count: two sessions, not five.
peer=$(grep '"state":"online"' "$T/hub.out" | tail -n 1 | json_get id)
send hub "/msg $peer are you there"
wait_for hub '"event":"delivered"'
send hub /peers
wait_for hub '"event":"done","command":"peers"'
n=$(grep '"event":"peer","n":' "$T/hub.out" | grep -c '"state":"online"')
echo "hub has $n sessions"
[ "$n" -eq 2 ] || fail "the restarted hub has $n sessions, peers_target is 2"
for n in hub p1 p2 p3 p4 p5; do
	stop_node $n
done
pass
