#!/bin/sh
# nat-punch-symmetric.sh: behind two symmetric NATs the punch fails, and
# says so (issue 16). In the lab (nat-lib.sh): relay P is public; A and B
# are behind routers with random masquerade, which maps each connection to
# a new port, so neither can guess where the other's NAT will answer. The
# punch gives up after 3 attempts; the relayed session stays, live, with
# messages both ways and typing.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"
. "${TESTS_DIR:-$(dirname "$0")/..}/regress/nat-lib.sh"

lab_two_nats random

send b "/connect-via p $a_id"
wait_for b "\"event\":\"peer\",\"id\":\"$a_id\".*\"state\":\"online\".*\"via\":\"p\"" 5
wait_for a "\"event\":\"peer\",\"id\":\"$b_id\".*\"state\":\"online\".*\"via\":\"p\"" 5
wait_for b "\"event\":\"punch\",\"peer\":\"$a_id\",\"result\":\"failed\",\"attempts\":3" 30
wait_for a "\"event\":\"punch\",\"peer\":\"$b_id\",\"result\":\"failed\",\"attempts\":3" 30
[ "$(count b '"result":"direct"')" -eq 0 ] || fail "direct through symmetric NATs"
send b "/msg $a_id still relayed"
wait_for a "\"event\":\"message\",\"peer\":\"$b_id\".*\"text\":\"still relayed\""
send a "/msg $b_id and live"
wait_for b "\"event\":\"message\",\"peer\":\"$a_id\".*\"text\":\"and live\""
send a "/typing $b_id on"
wait_for b "\"event\":\"typing\",\"peer\":\"$a_id\",\"state\":\"typing\""
[ "$(count b "\"id\":\"$a_id\".*\"state\":\"offline\"")" -eq 0 ] ||
    fail "the relayed session did not stay"
send b "/stats"
wait_for b '"event":"stats".*"punch_attempts":3,"punch_direct":0,"punch_failed":1'
for n in a b p; do
	stop_node $n
done
pass
