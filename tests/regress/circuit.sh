#!/bin/sh
# circuit.sh: a relayed live session. a keeps a reservation on r; b opens
# a circuit through r to a; a message each way is delivered on the relayed
# session, both ends say "via r", and r counts the circuit without ever
# seeing the text.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

base='[node]\npeers_target = 0\nlan_discovery = no\naccept = anyone\n'
printf "$base" > "$T/fixed.ini"
printf "${base}relay = yes\n" > "$T/relay.ini"

start_node r -l 127.0.0.1:0 -f "$T/relay.ini"
printf "${base}relays = 127.0.0.1:$r_port\n" > "$T/a.ini"
start_node a -l 127.0.0.1:0 -f "$T/a.ini" -c "127.0.0.1:$r_port"
start_node b -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$r_port"
wait_for b "\"id\":\"$r_id\".*\"state\":\"online\""
# a's reservation is granted (its log says so once).
wait_reserved a r

send b "/connect-via r $a_id"
wait_for b "\"event\":\"peer\",\"id\":\"$a_id\".*\"state\":\"online\".*\"via\":\"r\""
wait_for a "\"event\":\"peer\",\"id\":\"$b_id\".*\"state\":\"online\".*\"via\":\"r\""

send b "/msg $a_id confidential words from b"
wait_for a "\"event\":\"message\",\"peer\":\"$b_id\".*\"text\":\"confidential words from b\""
wait_for b "\"event\":\"delivered\",\"peer\":\"$a_id\""
send a "/msg $b_id confidential words from a"
wait_for b "\"event\":\"message\",\"peer\":\"$a_id\".*\"text\":\"confidential words from a\""

wait_stat r '"circuit_reservations":2,"circuit_splices":1,'
# b reached a only through r, never directly.
grep -q "\"id\":\"$a_id\".*\"addr\":\"127\.0\.0\.1" "$T/b.out" && \
    fail "b reached a directly"
grep -q "confidential" "$T/r.out" "$T/r/p2pchat.log" && fail "r saw the text"

# a leaves: b's relayed session ends, r drops the circuit.
stop_node a
wait_for b "\"id\":\"$a_id\".*\"state\":\"offline\""
wait_stat r '"circuit_reservations":1,"circuit_splices":0,'
for n in b r; do
	stop_node $n
done
pass
