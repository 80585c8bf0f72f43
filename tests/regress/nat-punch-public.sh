#!/bin/sh
# nat-punch-public.sh: hole punching with one side public (issue 16). In
# the lab (nat-lib.sh): P is public and relays, Q is public, N sits behind
# router RN (a cone NAT that drops what comes in unasked). Q cannot dial
# N; it reaches N through P, then the punch gives a direct connection
# between Q and RN's public address, and the relay is let go.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"
. "${TESTS_DIR:-$(dirname "$0")/..}/regress/nat-lib.sh"

lab_init
lab_public p 2
lab_public q 3
lab_router rn 11 1
lab_stealth rn
lab_host n rn 1 2

base='[node]\npeers_target = 0\nlan_discovery = no\naccept = anyone\n'
mkdir -m 700 "$T/p" "$T/q" "$T/n"
printf "${base}relay = yes\n" > "$T/p/p2pchat.ini"
printf "${base}relays = 198.51.100.2:7300\n" > "$T/n/p2pchat.ini"
printf "$base" > "$T/q/p2pchat.ini"
lab_node p p -l 198.51.100.2:7300
lab_node n n -l 10.1.0.2:7301 -c 198.51.100.2:7300
lab_node q q -l 198.51.100.3:7303 -c 198.51.100.2:7300
wait_for p '"nick":"n","state":"online","addr":"198.51.100.11:'
wait_for p '"nick":"q","state":"online","addr":"198.51.100.3:'
wait_reserved n p

send q "/connect-via p $n_id"
wait_for q "\"event\":\"peer\",\"id\":\"$n_id\".*\"state\":\"online\".*\"via\":\"p\"" 5
wait_for n "\"event\":\"peer\",\"id\":\"$q_id\".*\"state\":\"online\".*\"via\":\"p\"" 5
send q "/msg $n_id through the relay"
wait_for n "\"event\":\"message\",\"peer\":\"$q_id\".*\"text\":\"through the relay\""
wait_for q "\"event\":\"punch\",\"peer\":\"$n_id\",\"result\":\"direct\"" 30
wait_for n "\"event\":\"punch\",\"peer\":\"$q_id\",\"result\":\"direct\"" 30
wait_for q "\"event\":\"peer\",\"id\":\"$n_id\".*\"state\":\"online\",\"addr\":\"198.51.100.11:7301\",\"trust\"" 10
wait_for n "\"event\":\"peer\",\"id\":\"$q_id\".*\"state\":\"online\",\"addr\":\"198.51.100.3:7303\",\"trust\"" 10
ip netns exec "${lab}q" ss -Htn state established '( sport = :7303 )' |
    grep -q "198.51.100.11:7301" ||
    fail "no direct connection at q: $(ip netns exec "${lab}q" ss -tn)"
send n "/msg $q_id directly"
wait_for q "\"event\":\"message\",\"peer\":\"$n_id\".*\"text\":\"directly\""
send q "/msg $n_id back directly"
wait_for n "\"event\":\"message\",\"peer\":\"$q_id\".*\"text\":\"back directly\""
[ "$(count n "\"text\":\"through the relay\"")" -eq 1 ] ||
    fail "a message was shown twice"
for x in n q p; do
	stop_node $x
done
pass
