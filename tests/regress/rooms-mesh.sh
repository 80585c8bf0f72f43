#!/bin/sh
# rooms-mesh.sh: 30 nodes, 10 of them in a room. A room message from each
# member reaches every other member exactly once; the 20 nodes that are not
# in the room carry none of its records (their /stats count none in or
# out); /names on every member lists the 10 members.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

N=30
K=10
if [ "$P2PCHAT_SCALE" = small ]; then
	N=12
	K=5
	echo "P2PCHAT_SCALE=small: $N nodes, $K in the room"
fi
printf '[node]\npeers_target = 0\nlan_discovery = no\n' > "$T/fixed.ini"

# Members are n1..nK, the others n(K+1)..nN. Every node dials two earlier
# ones (a ring of chords), so member and non-member sessions mix; each
# member also dials the member before it, so the members' sessions join up
# (finding members is the rendezvous's job, not this test's).
start_node n1 -l 127.0.0.1:0 -f "$T/fixed.ini"
i=2
while [ $i -le $N ]; do
	a=$(( (i * 7) % (i - 1) + 1 ))
	b=$(( i - 1 ))
	args="-c 127.0.0.1:$(getvar n${a}_port)"
	[ $a != $b ] && args="$args -c 127.0.0.1:$(getvar n${b}_port)"
	if [ $i -le $K ] && [ $b -ne 1 ] && [ $a -ne 1 ]; then
		args="$args -c 127.0.0.1:$n1_port"
	fi
	start_node n$i -l 127.0.0.1:0 -f "$T/fixed.ini" $args
	i=$((i + 1))
done
i=2
while [ $i -le $N ]; do
	wait_for n$i '"state":"online"' 20
	i=$((i + 1))
done
i=1
while [ $i -le $K ]; do
	send n$i "/join #mesh"
	wait_for n$i '"event":"joined","room":"#mesh"'
	i=$((i + 1))
done
# Every member has heard every other join (the join lines are posts).
i=1
while [ $i -le $K ]; do
	wait_for n$i '"event":"member","room":"#mesh".*"state":"joined"' 20 \
	    $((K - 1))
	i=$((i + 1))
done

i=1
while [ $i -le $K ]; do
	send n$i "/msg #mesh hello from n$i"
	i=$((i + 1))
done
i=1
while [ $i -le $K ]; do
	j=1
	while [ $j -le $K ]; do
		[ $j -ne $i ] && wait_for n$i "\"room\":\"#mesh\".*\"text\":\"hello from n$j\"" 20
		j=$((j + 1))
	done
	i=$((i + 1))
done
# A second round, waited for everywhere: any late copy of the first would
# be in by now.
i=1
while [ $i -le $K ]; do
	send n$i "/msg #mesh mark from n$i"
	i=$((i + 1))
done
i=1
while [ $i -le $K ]; do
	wait_for n$i '"event":"message".*"text":"mark from' 20 $((K - 1))
	i=$((i + 1))
done
i=1
while [ $i -le $K ]; do
	k=$(grep '"event":"message"' "$T/n$i.out" | grep -c '"text":"hello from')
	[ "$k" -eq $((K - 1)) ] || fail "n$i shows $k hellos, not $((K - 1))"
	# /names: every member, and the summary.
	send n$i "/names #mesh"
	wait_for n$i '"event":"done","command":"names"'
	k=$(grep -c '"event":"name","room":"#mesh"' "$T/n$i.out")
	[ "$k" -eq $K ] || fail "n$i lists $k members, not $K"
	grep -q "\"event\":\"names\",\"room\":\"#mesh\",\"members\":$K," \
	    "$T/n$i.out" || fail "n$i: $(grep '"event":"names"' "$T/n$i.out")"
	i=$((i + 1))
done
# The non-members carried nothing of the room.
i=$((K + 1))
while [ $i -le $N ]; do
	send n$i /stats
	wait_for n$i '"event":"stats"'
	grep '"event":"stats"' "$T/n$i.out" | \
	    grep -q '"room_records_in":0,"room_records_out":0,' || \
	    fail "n$i, not in the room, carried it: $(grep stats "$T/n$i.out")"
	grep -q '"event":"message"' "$T/n$i.out" && fail "n$i read a message"
	i=$((i + 1))
done
send n1 /stats
wait_for n1 '"event":"stats"'
grep '"event":"stats"' "$T/n1.out" | sed 's/.*\("room_received[^}]*\),"relay.*/\1/'
i=1
while [ $i -le $N ]; do
	stop_node n$i
	i=$((i + 1))
done
pass
