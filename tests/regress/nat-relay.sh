#!/bin/sh
# nat-relay.sh: two nodes behind symmetric NATs chat live through a relay
# (issue 16). In the lab (nat-lib.sh): relay P is public; A is behind
# router RA and B behind router RB, both with random (symmetric)
# masquerade that drops what comes in. Neither can dial the other; A keeps
# a reservation on P; B opens a circuit through P to A. The session is
# relayed, live: messages both ways and typing, and P never sees the text.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"
. "${TESTS_DIR:-$(dirname "$0")/..}/regress/nat-lib.sh"

lab_two_nats random

send b "/connect-via p $a_id"
wait_for b "\"event\":\"peer\",\"id\":\"$a_id\".*\"state\":\"online\".*\"via\":\"p\"" 20
wait_for a "\"event\":\"peer\",\"id\":\"$b_id\".*\"state\":\"online\".*\"via\":\"p\"" 20
send b "/msg $a_id from behind one NAT"
wait_for a "\"event\":\"message\",\"peer\":\"$b_id\".*\"text\":\"from behind one NAT\""
wait_for b "\"event\":\"delivered\",\"peer\":\"$a_id\""
send a "/msg $b_id to behind another"
wait_for b "\"event\":\"message\",\"peer\":\"$a_id\".*\"text\":\"to behind another\""
send a "/typing $b_id on"
wait_for b "\"event\":\"typing\",\"peer\":\"$a_id\",\"state\":\"typing\""
grep -q "from behind one NAT\|to behind another" "$T/p.out" \
    "$T/p/p2pchat.log" && fail "the relay saw the text"
for n in a b p; do
	stop_node $n
done
pass
