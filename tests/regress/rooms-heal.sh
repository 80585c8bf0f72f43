#!/bin/sh
# rooms-heal.sh: kill the node that bridges two halves of the mesh, send in
# both halves, restart it: every room message ends up everywhere, once.
# The members do not dial each other (room_dial = no), or the halves would
# find each other without the bridge (rooms-find.sh tests that).

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

printf '[node]\npeers_target = 0\nlan_discovery = no\nroom_dial = no\n' \
    > "$T/fixed.ini"
start_node a1 -l 127.0.0.1:0 -f "$T/fixed.ini"
start_node a2 -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$a1_port"
start_node b1 -l 127.0.0.1:0 -f "$T/fixed.ini"
start_node b2 -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$b1_port"
start_node x -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$a1_port" \
    -c "127.0.0.1:$b1_port"
wait_for x '"state":"online"' 20 2
for n in a1 a2 b1 b2 x; do
	send $n "/join #heal s3cret"
	wait_for $n '"event":"joined"'
done
send a2 "/msg #heal across the bridge"
wait_for b2 '"text":"across the bridge"'

# Cut the bridge; both halves talk on.
x_port_saved=$x_port
kill_node x
wait_for a1 "\"id\":\"$x_id\".*\"state\":\"offline\""
wait_for b1 "\"id\":\"$x_id\".*\"state\":\"offline\""
send a2 "/msg #heal said in half A"
send b2 "/msg #heal said in half B"
send a1 "/msg #heal also in half A"
wait_for a1 '"text":"said in half A"'
wait_for b1 '"text":"said in half B"'
sleep 0.5
grep -q 'half B' "$T/a1.out" "$T/a2.out" && fail "half A heard B with no bridge"

# The bridge comes back; everyone catches up, once.
start_node x -l "127.0.0.1:$x_port_saved" -f "$T/fixed.ini"
for n in a1 a2 b1 b2 x; do
	for t in "said in half A" "said in half B" "also in half A"; do
		wait_for $n "\"text\":\"$t\"" 30
	done
done
sleep 1
for n in a1 a2 b1 b2 x; do
	for t in "across the bridge" "said in half A" "said in half B" \
	    "also in half A"; do
		k=$(grep '"event":"\(message\|outgoing\)"' "$T/$n.out" | \
		    grep -c "\"text\":\"$t\"")
		[ "$k" -eq 1 ] || fail "$n shows \"$t\" $k times"
	done
done
for n in a1 a2 b1 b2 x; do
	stop_node $n
done
pass
