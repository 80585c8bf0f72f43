#!/bin/sh
# nat-relay.sh: two nodes behind symmetric NATs chat live through a relay
# (issue 16). In the lab (nat-lib.sh): relay P is public; A is behind
# router RA and B behind router RB, both with random (symmetric)
# masquerade that drops what comes in. Neither can dial the other; A keeps
# a reservation on P; B opens a circuit through P to A. The session is
# relayed, live: messages both ways and typing, and P never sees the text.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"
. "${TESTS_DIR:-$(dirname "$0")/..}/regress/nat-lib.sh"

lab_init
lab_public p 2
lab_router ra 11 1 random
lab_router rb 12 2 random
lab_host a ra 1 2
lab_host b rb 2 2

base='[node]\npeers_target = 0\nlan_discovery = no\naccept = anyone\n'
mkdir -m 700 "$T/p" "$T/a" "$T/b"
printf "${base}relay = yes\n" > "$T/p/p2pchat.ini"
printf "${base}relays = 198.51.100.2:7300\n" > "$T/a/p2pchat.ini"
printf "$base" > "$T/b/p2pchat.ini"
lab_node p p -l 198.51.100.2:7300
lab_node a a -l 10.1.0.2:0 -c 198.51.100.2:7300
lab_node b b -l 10.2.0.2:0 -c 198.51.100.2:7300
wait_for p '"nick":"a","state":"online","addr":"198.51.100.11:'
wait_for p '"nick":"b","state":"online","addr":"198.51.100.12:'
i=0
until grep -q "reachable via p" "$T/a/p2pchat.log" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "a got no reservation on p"
	sleep 0.05
done

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
