#!/bin/sh
# nat-relay-restart.sh: the relay restarted mid-conversation (issue 16).
# In the lab (nat-lib.sh): A behind router RA and B behind router RB
# (symmetric NATs, so the session can only be relayed) chat through the
# relay P. P is killed (kill -9) and started again on the same address
# with the same profile. Meanwhile both write. A and B dial P again, A
# reserves again, B reopens its circuit through P by itself: the session
# is back (relayed) within a bounded time, and every message written
# meanwhile is delivered, none twice.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"
. "${TESTS_DIR:-$(dirname "$0")/..}/regress/nat-lib.sh"

lab_two_nats random

up_b="\"event\":\"peer\",\"id\":\"$a_id\".*\"state\":\"online\".*\"via\":\"p\""
up_a="\"event\":\"peer\",\"id\":\"$b_id\".*\"state\":\"online\".*\"via\":\"p\""
send b "/connect-via p $a_id"
wait_for b "$up_b" 20
wait_for a "$up_a" 20
send b "/msg $a_id before the restart"
wait_for a "\"event\":\"message\",\"peer\":\"$b_id\".*\"text\":\"before the restart\""

kill_node p
wait_for b "\"event\":\"peer\",\"id\":\"$a_id\".*\"state\":\"offline\"" 10
wait_for a "\"event\":\"peer\",\"id\":\"$b_id\".*\"state\":\"offline\"" 10
for n in 1 2 3; do
	send b "/msg $a_id from b while p is down $n"
	send a "/msg $b_id from a while p is down $n"
done
wait_for b '"event":"outgoing".*"text":"from b while p is down 3"'
wait_for a '"event":"outgoing".*"text":"from a while p is down 3"'
lab_node p p -l 198.51.100.2:7300

# Back within 30 s, through P again.
wait_for b "$up_b" 30 2
wait_for a "$up_a" 30 2
for n in 1 2 3; do
	wait_for a "\"event\":\"message\",\"peer\":\"$b_id\".*\"text\":\"from b while p is down $n\"" 10
	wait_for b "\"event\":\"message\",\"peer\":\"$a_id\".*\"text\":\"from a while p is down $n\"" 10
done
wait_for b "\"event\":\"delivered\",\"peer\":\"$a_id\"" 10 4
wait_for a "\"event\":\"delivered\",\"peer\":\"$b_id\"" 10 3
for n in 1 2 3; do
	[ "$(count a "\"event\":\"message\".*\"text\":\"from b while p is down $n\"")" -eq 1 ] || \
	    fail "a shows message $n more than once"
	[ "$(count b "\"event\":\"message\".*\"text\":\"from a while p is down $n\"")" -eq 1 ] || \
	    fail "b shows message $n more than once"
done
[ "$(count a '"event":"message".*"text":"before the restart"')" -eq 1 ] || \
    fail "a shows the first message twice"
for n in a b p; do
	stop_node $n
done
pass
