#!/bin/sh
# unreachable.sh: a failed direct dial goes to the circuit, and a peer that
# cannot be reached by any means is said once. a dials b and c directly;
# b holds a reservation on the relay r and says so, c has no relay. Both
# quit. a's redials of c are refused and c has no relay: one "unreachable"
# event, reason "no relay". a's redials of b are refused, the circuit
# through r is refused too (b has no reservation now): one event, reason
# "refused", where "via r". b comes back on another port: a's next failed
# dial of b's old address opens the circuit at once and b is online via r.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

base='[node]\npeers_target = 0\nlan_discovery = no\naccept = anyone\n'
printf "$base" > "$T/fixed.ini"
printf "${base}relay = yes\n" > "$T/relay.ini"

start_node r -l 127.0.0.1:0 -f "$T/relay.ini"
printf "${base}relays = 127.0.0.1:$r_port\n" > "$T/b.ini"
start_node b -l 127.0.0.1:0 -f "$T/b.ini" -c "127.0.0.1:$r_port"
start_node c -l 127.0.0.1:0 -f "$T/fixed.ini"
wait_reserved b r
b_old=$b_port
printf "${base}[log]\nlevel = debug\n" > "$T/a.ini"
start_node a -l 127.0.0.1:0 -f "$T/a.ini" -c "127.0.0.1:$r_port" \
    -c "127.0.0.1:$b_port" -c "127.0.0.1:$c_port"
for n in b c r; do
	wait_for a "\"event\":\"peer\",\"id\":\"$(getvar ${n}_id)\".*\"state\":\"online\""
done
# b's relays reach a (CIRCUIT_VIA) when its session opens.
i=0
until grep -q "circuit_via_record: b names 1 relays" "$T/a/p2pchat.log" \
    2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "a did not learn b's relay"
	sleep 0.05
done

stop_node c
stop_node b
nr="\"event\":\"unreachable\",\"peer\":\"$c_id\",\"nick\":\"c\",\"reason\":\"no relay\",\"where\":\"127.0.0.1:$c_port\",\"detail\":\"refused\""
wait_for a "$nr" 10
wait_for a "\"event\":\"unreachable\",\"peer\":\"$b_id\",\"nick\":\"b\",\"reason\":\"refused\",\"where\":\"via r\"" 10
# Three more refused dials of each: still one event each.
i=0
until [ "$(grep -c "node_dial_failed: 127.0.0.1:$c_port: Connection refused" \
    "$T/a/p2pchat.log")" -ge 4 ] && \
    [ "$(grep -c "node_dial_failed: 127.0.0.1:$b_old: Connection refused" \
    "$T/a/p2pchat.log")" -ge 4 ]; do
	i=$((i + 1))
	[ $i -gt 400 ] && fail "a did not redial b and c"
	sleep 0.05
done
[ "$(count a "\"event\":\"unreachable\",\"peer\":\"$c_id\"")" -eq 1 ] || \
    fail "c was said to be unreachable more than once"
[ "$(count a "\"event\":\"unreachable\",\"peer\":\"$b_id\"")" -eq 1 ] || \
    fail "b was said to be unreachable more than once"

# b comes back elsewhere, behind r: a failed dial of the old address
# goes to the circuit.
start_node b -l 127.0.0.1:0 -f "$T/b.ini" -c "127.0.0.1:$r_port"
wait_for a "\"event\":\"peer\",\"id\":\"$b_id\".*\"state\":\"online\".*\"via\":\"r\"" 30
send a "/msg b over the circuit"
wait_for b "\"event\":\"message\",\"peer\":\"$a_id\".*\"text\":\"over the circuit\""
for n in a b r; do
	stop_node $n
done
pass
