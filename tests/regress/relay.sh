#!/bin/sh
# relay.sh: alice writes to bob while bob is offline and they share no
# session; alice goes offline; bob comes back and gets it through carol;
# alice, back later, sees it delivered (bob's ACK came back through carol).
# Carol holds mail only for peers she knows: bob has talked to her before.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

printf '[node]\npeers_target = 0\nlan_discovery = no\naccept = anyone\n' \
    > "$T/fixed.ini"

# Bob exists and carol knows him, but he is not running.
start_node carol -l 127.0.0.1:0 -f "$T/fixed.ini"
start_node bob -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$carol_port"
wait_for carol "\"id\":\"$bob_id\".*\"state\":\"online\""
stop_node bob
wait_for carol "\"id\":\"$bob_id\".*\"state\":\"offline\""

start_node alice -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$carol_port"
wait_for alice "\"id\":\"$carol_id\".*\"state\":\"online\""
send alice "/msg $bob_id sealed hello for bob"
wait_for alice '"event":"outgoing".*"text":"sealed hello for bob","state":"pending"'
id=$(last_outgoing_id alice)
wait_stat carol '"relay_held":1'
stop_node alice

# Bob comes back, dials only carol, and gets alice's message from her.
start_node bob -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$carol_port"
wait_for bob "\"event\":\"message\",\"peer\":\"$alice_id\",\"id\":\"$id\",.*\"text\":\"sealed hello for bob\"" 30
# Carol could not read it: her log and output hold no text of it.
grep -q "sealed hello" "$T/carol.out" "$T/carol/p2pchat.log" && \
    fail "carol saw the text"

# Alice comes back and learns, through carol, that bob has it.
start_node alice -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$carol_port"
wait_for alice "\"event\":\"delivered\",\"peer\":\"$bob_id\",\"id\":\"$id\"" 30
grep -c "\"event\":\"message\".*\"id\":\"$id\"" "$T/bob.out" | grep -qx 1 || \
    fail "bob shows the message more than once"
for n in alice bob carol; do
	stop_node $n
done
pass
