#!/bin/sh
# nat-double.sh: double NAT (issue 16). In the lab (nat-lib.sh): relay P
# is public; A is behind router RI, which is itself behind router RO (a
# router behind a router, as under a carrier-grade NAT); B is behind
# router RB. Both masquerade and drop what comes in. A's dial-back finds
# nothing: its reach is "behind NAT (via relay p)". B opens a circuit
# through P to A: the session is relayed and live, messages both ways.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"
. "${TESTS_DIR:-$(dirname "$0")/..}/regress/nat-lib.sh"

lab_init
lab_public p 2
lab_router ro 11 1
lab_router_behind ri ro 2 3
lab_router rb 12 2
lab_host a ri 3 2
lab_host b rb 2 2

base='[node]\npeers_target = 0\nlan_discovery = no\naccept = anyone\n'
mkdir -m 700 "$T/p" "$T/a" "$T/b"
printf "${base}relay = yes\n" > "$T/p/p2pchat.ini"
printf "${base}relays = 198.51.100.2:7300\n" > "$T/a/p2pchat.ini"
printf "$base" > "$T/b/p2pchat.ini"
lab_node p p -l 198.51.100.2:7300
lab_node a a -l 10.3.0.2:0 -c 198.51.100.2:7300
lab_node b b -l 10.2.0.2:0 -c 198.51.100.2:7300
# P sees A at the outer router's public address, through both NATs.
wait_for p '"nick":"a","state":"online","addr":"198.51.100.11:'
wait_for p '"nick":"b","state":"online","addr":"198.51.100.12:'
wait_for a '"event":"reach","reach":"behind NAT \(via relay p\)"' 25

send b "/connect-via p $a_id"
wait_for b "\"event\":\"peer\",\"id\":\"$a_id\".*\"state\":\"online\".*\"via\":\"p\"" 20
wait_for a "\"event\":\"peer\",\"id\":\"$b_id\".*\"state\":\"online\".*\"via\":\"p\"" 20
send b "/msg $a_id into the double NAT"
wait_for a "\"event\":\"message\",\"peer\":\"$b_id\".*\"text\":\"into the double NAT\""
wait_for b "\"event\":\"delivered\",\"peer\":\"$a_id\""
send a "/msg $b_id out of the double NAT"
wait_for b "\"event\":\"message\",\"peer\":\"$a_id\".*\"text\":\"out of the double NAT\""
wait_for a "\"event\":\"delivered\",\"peer\":\"$b_id\""
for n in a b p; do
	stop_node $n
done
pass
