#!/bin/sh
# nat-punch.sh: TCP hole punching between two cone NATs (issue 16). In the
# lab (nat-lib.sh): P is public and relays; A is behind router RA and B
# behind RB, both masquerading (Linux keeps the source port: a cone NAT)
# and dropping what comes in unasked. A and B know only P's address (and
# each other's id). B reaches A through P within 5 s, a message goes each
# way, then the two punch a direct connection between RA's and RB's public
# addresses, and it takes over from the relay: the peer never shows
# offline, messages written around the hand-over arrive once each, and
# the typing state carries over.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"
. "${TESTS_DIR:-$(dirname "$0")/..}/regress/nat-lib.sh"

lab_two_nats stealth

# Through the relay first, within 5 s; typing, and a message each way.
send b "/connect-via p $a_id"
wait_for b "\"event\":\"peer\",\"id\":\"$a_id\".*\"state\":\"online\".*\"via\":\"p\"" 5
wait_for a "\"event\":\"peer\",\"id\":\"$b_id\".*\"state\":\"online\".*\"via\":\"p\"" 5
send b "/msg $a_id one way"
send a "/msg $b_id and back"
wait_for b "\"event\":\"message\",\"peer\":\"$a_id\".*\"text\":\"and back\""
send a "/typing $b_id on"
# Written while the punch runs: some go on the relay, some on the
# direct session, some again on it for want of an ACK.
msg_lines "$a_id" around 1 20 > "$T/burst"
while read -r line; do send b "$line"; done < "$T/burst"
wait_for a "\"event\":\"message\",\"peer\":\"$b_id\".*\"text\":\"one way\""
wait_for b "\"event\":\"message\",\"peer\":\"$a_id\".*\"text\":\"and back\""
wait_for b "\"event\":\"typing\",\"peer\":\"$a_id\",\"state\":\"typing\""

# Within 30 s, direct between the routers' public addresses.
wait_for b "\"event\":\"punch\",\"peer\":\"$a_id\",\"result\":\"direct\"" 30
wait_for a "\"event\":\"punch\",\"peer\":\"$b_id\",\"result\":\"direct\"" 30
wait_for b "\"event\":\"peer\",\"id\":\"$a_id\".*\"state\":\"online\",\"addr\":\"198.51.100.11:7301\",\"trust\"" 10
wait_for a "\"event\":\"peer\",\"id\":\"$b_id\".*\"state\":\"online\",\"addr\":\"198.51.100.12:7302\",\"trust\"" 10
ip netns exec "${lab}a" ss -Htn state established \
    '( sport = :7301 )' | grep -q "198.51.100.12:7302" ||
    fail "no direct connection from a: $(ip netns exec "${lab}a" ss -tn)"

# The direct session carries the conversation.
send a "/msg $b_id after the punch"
wait_for b "\"event\":\"message\",\"peer\":\"$a_id\".*\"text\":\"after the punch\""
send b "/msg $a_id direct too"
wait_for a "\"event\":\"message\",\"peer\":\"$b_id\".*\"text\":\"direct too\""
i=1
while [ $i -le 20 ]; do
	wait_for a "\"event\":\"message\",\"peer\":\"$b_id\".*\"text\":\"around $i\""
	[ "$(count a "\"text\":\"around $i\"")" -eq 1 ] ||
	    fail "around $i shown $(count a "\"text\":\"around $i\"") times"
	i=$((i + 1))
done
wait_for b "\"event\":\"delivered\",\"peer\":\"$a_id\"" 10 22
[ "$(count b "\"id\":\"$a_id\".*\"state\":\"offline\"")" -eq 0 ] ||
    fail "a showed offline during the hand-over"
[ "$(count b "\"event\":\"typing\",\"peer\":\"$a_id\",\"state\":\"stopped\"")" -eq 0 ] ||
    fail "the typing state did not carry over"
send a "/stats"
wait_for a '"event":"stats".*"punch_direct":1'
for n in a b p; do
	stop_node $n
done
pass
