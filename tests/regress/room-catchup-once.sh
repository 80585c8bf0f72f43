#!/bin/sh
# room-catchup-once.sh: a member that comes back with sessions to three
# other members is sent the history it lacks once, not once a session:
# it asks one link at a time, and the next one only for what it still
# lacks then.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

M=60
printf '[node]\npeers_target = 0\nlan_discovery = no\n' > "$T/fixed.ini"
start_node a -l 127.0.0.1:0 -f "$T/fixed.ini"
start_node b -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$a_port"
start_node c -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$a_port" \
    -c "127.0.0.1:$b_port"
start_node d -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$a_port"
wait_for a '"state":"online"' 20 3
for n in a b c d; do
	send $n "/join #once"
	wait_for $n '"event":"joined","room":"#once"'
done
send a "/msg #once before"
wait_for d '"text":"before"'
d_port_saved=$d_port
stop_node d

msg_lines "#once" "from-a" 1 $M > "$T/a.in" &
wait $!
for n in b c; do
	wait_for $n "\"text\":\"from-a $M\"" 30
done

# d comes back with a session to each of a, b and c at once.
start_node d -l "127.0.0.1:$d_port_saved" -f "$T/fixed.ini" \
    -c "127.0.0.1:$a_port" -c "127.0.0.1:$b_port" -c "127.0.0.1:$c_port"
wait_for d "\"text\":\"from-a $M\"" 30
k=$(grep '"event":"message"' "$T/d.out" | grep -c '"text":"from-a ')
[ "$k" -eq $M ] || fail "d shows $k of the $M posts"
# Every link is up; a post b and c send now comes on their sessions after
# anything they fed d when it came back.
tries=0
while :; do
	tries=$((tries + 1))
	[ $tries -gt 200 ] && fail "d has not three links: \
	    $(grep '"event":"names"' "$T/d.out" | tail -n 1)"
	k=$(count d '"event":"done","command":"names"')
	send d "/names #once"
	wait_for d '"event":"done","command":"names"' 10 $((k + 1))
	grep '"event":"names"' "$T/d.out" | tail -n 1 | \
	    grep -q '"links":3' && break
done
send b "/msg #once after-b"
send c "/msg #once after-c"
wait_for d '"text":"after-b"'
wait_for d '"text":"after-c"'
send d /stats
wait_for d '"event":"stats"'
line=$(grep '"event":"stats"' "$T/d.out" | tail -n 1)
recv=$(echo "$line" | sed 's/.*"room_received":\([0-9]*\).*/\1/')
dups=$(echo "$line" | sed 's/.*"room_duplicates":\([0-9]*\).*/\1/')
echo "d received $recv posts, $dups of them again, for $M it lacked"
# Once each, and a few more on the mesh: a feed a link would be $M more.
[ "$dups" -le $((M / 4)) ] || fail "d was sent $dups posts it had"
for n in a b c d; do
	stop_node $n
done
pass
