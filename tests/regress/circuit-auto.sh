#!/bin/sh
# circuit-auto.sh: a relayed session comes back by itself. a holds a
# reservation on r and says so (CIRCUIT_VIA); r closes each circuit after
# 2 seconds; b, which learnt a's relay on the first relayed session,
# opens a new circuit through r after each close, and messages written
# meanwhile are delivered on the next one.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

base='[node]\npeers_target = 0\nlan_discovery = no\naccept = anyone\n'
printf "$base" > "$T/fixed.ini"
printf "${base}relay = yes\nrelay_circuit_seconds = 2\n" > "$T/relay.ini"

start_node r -l 127.0.0.1:0 -f "$T/relay.ini"
printf "${base}relays = 127.0.0.1:$r_port\n" > "$T/a.ini"
start_node a -l 127.0.0.1:0 -f "$T/a.ini" -c "127.0.0.1:$r_port"
start_node b -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$r_port"
wait_reserved a r
send b "/connect-via r $a_id"
up="\"event\":\"peer\",\"id\":\"$a_id\".*\"state\":\"online\".*\"via\":\"r\""
down="\"event\":\"peer\",\"id\":\"$a_id\".*\"state\":\"offline\""
wait_for b "$up"
# r closes it; b reopens it without being asked.
wait_for b "$down" 10
send b "/msg $a_id written while the circuit was down"
wait_for b "$up" 10 2
wait_for a "\"event\":\"message\",\"peer\":\"$b_id\".*\"text\":\"written while the circuit was down\"" 10
wait_for b "$down" 10 2
wait_for b "$up" 10 3
for n in a b r; do
	stop_node $n
done
pass
