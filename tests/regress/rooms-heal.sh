#!/bin/sh
# rooms-heal.sh: kill the node that bridges two halves of the mesh, send in
# both halves, restart it: every room message ends up everywhere, once,
# and each author's in the order it wrote them.
# The members do not dial each other (room_dial = no), or the halves would
# find each other without the bridge (rooms-find.sh tests that).

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

R=20
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
# Numbered runs from three authors, in both halves.
msg_lines "#heal" "run-a2" 1 $R > "$T/a2.in"
msg_lines "#heal" "run-b2" 1 $R > "$T/b2.in"
msg_lines "#heal" "run-a1" 1 $R > "$T/a1.in"
wait_for a1 '"text":"said in half A"'
wait_for b1 '"text":"said in half B"'
wait_for a1 "\"text\":\"run-a2 $R\""
wait_for b1 "\"text\":\"run-b2 $R\""
sleep 0.5
grep -q 'half B\|run-b2' "$T/a1.out" "$T/a2.out" && fail "half A heard B with no bridge"

# The bridge comes back; everyone catches up, once.
start_node x -l "127.0.0.1:$x_port_saved" -f "$T/fixed.ini"
for n in a1 a2 b1 b2 x; do
	for t in "said in half A" "said in half B" "also in half A" \
	    "run-a2 $R" "run-b2 $R" "run-a1 $R"; do
		wait_for $n "\"text\":\"$t\"" 30
	done
done
# Each author's run everywhere, once, in its order (the author's own too).
seq 1 $R > "$T/want"
for n in a1 a2 b1 b2 x; do
	for a in a2 b2 a1; do
		grep '"event":"\(message\|outgoing\)"' "$T/$n.out" | \
		    sed -n "s/.*\"text\":\"run-$a \([0-9]*\)\".*/\1/p" \
		    > "$T/got"
		cmp -s "$T/want" "$T/got" || fail "$n has $a's run as" \
		    "$(tr '\n' ' ' < "$T/got")"
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
