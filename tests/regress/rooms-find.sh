#!/bin/sh
# rooms-find.sh: a member who joins through a single member finds the
# others: a room with fewer than 6 sessions to members dials the members
# it knows (its authors) whose addresses it has (here from the peer
# exchange with the bridge), a few at a time, until it has 6.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

K=6
printf '[node]\npeers_target = 0\nlan_discovery = no\n' > "$T/fixed.ini"
start_node h -l 127.0.0.1:0 -f "$T/fixed.ini"
i=1
while [ $i -le $K ]; do
	start_node m$i -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$h_port"
	i=$((i + 1))
done
wait_for h '"state":"online"' 20 $K
for n in h $(seq -f 'm%g' 1 $K); do
	send $n "/join #find"
	wait_for $n '"event":"joined","room":"#find"'
done
# A non-member with an address in the book is never dialled for the room.
start_node o -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$h_port"
wait_for h "\"id\":\"$o_id\".*\"state\":\"online\""

# z comes in through h alone; the peer exchange with h gives it the
# others' addresses, the catch-up their join lines.
start_node z -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$h_port"
wait_for z "\"id\":\"$h_id\".*\"state\":\"online\""
send z "/join #find"
wait_for z '"event":"member","room":"#find".*"state":"joined"' 20 $K
tries=0
while :; do
	tries=$((tries + 1))
	[ $tries -gt 200 ] && fail "z has too few links: \
	    $(grep '"event":"names"' "$T/z.out" | tail -n 1)"
	k=$(count z '"event":"done","command":"names"')
	send z "/names #find"
	wait_for z '"event":"done","command":"names"' 10 $((k + 1))
	links=$(grep '"event":"names"' "$T/z.out" | tail -n 1 | \
	    sed 's/.*"links":\([0-9]*\).*/\1/')
	[ "$links" -ge 6 ] && break
	sleep 0.1
done
send z /stats
wait_for z '"event":"stats"'
line=$(grep '"event":"stats"' "$T/z.out" | tail -n 1)
echo "z: $links links, $(echo "$line" | sed 's/.*"room_dials":\([0-9]*\).*/\1/') dials"
grep -q "\"id\":\"$o_id\".*\"state\":\"online\"" "$T/z.out" && \
    fail "z dialled o, which is not in the room"
send z "/msg #find found you"
for n in h $(seq -f 'm%g' 1 $K); do
	wait_for $n '"text":"found you"'
done
for n in h o z $(seq -f 'm%g' 1 $K); do
	stop_node $n
done
pass
