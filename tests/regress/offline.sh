#!/bin/sh
# offline.sh: a message to an offline peer is delivered, in order, when the
# peer is back, whichever side dials.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

start_pair alice bob
a_port=$alice_port
b_port=$bob_port

# Bob dials: alice writes while bob is away, then bob starts again.
stop_node bob
wait_for alice "\"id\":\"$bob_id\".*\"state\":\"offline\""
for i in 1 2 3 4 5; do
	send alice "/msg bob while away $i"
done
wait_for alice '"text":"while away 5","state":"pending"'
start_node bob -l "127.0.0.1:$b_port"
wait_for bob '"text":"while away 5"' 30
grep -o '"text":"while away [0-9]"' "$T/bob.out" | sed 's/[^0-9]//g' \
    > "$T/order"
printf '1\n2\n3\n4\n5\n' | cmp -s - "$T/order" || fail "order: $(cat "$T/order")"
wait_for alice '"event":"delivered"' 30 5

# Alice dials: alice writes to an offline bob, stops, bob starts, then
# alice starts again and dials bob's remembered address.
stop_node bob
for i in 1 2 3; do
	send alice "/msg bob second round $i"
done
wait_for alice '"text":"second round 3","state":"pending"'
stop_node alice
start_node bob -l "127.0.0.1:$b_port"
start_node alice -l "127.0.0.1:$a_port"
wait_for bob '"text":"second round 3"' 30
grep -o '"text":"second round [0-9]"' "$T/bob.out" | sed 's/[^0-9]//g' \
    > "$T/order"
printf '1\n2\n3\n' | cmp -s - "$T/order" || fail "order: $(cat "$T/order")"
wait_for alice '"event":"delivered"' 30 3
stop_node alice
stop_node bob
pass
