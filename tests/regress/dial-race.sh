#!/bin/sh
# dial-race.sh: two nodes /connect each other at the same moment; one of the
# two sessions is closed as a duplicate. Then the node with the smaller id is
# killed and comes back on the same port knowing nothing of the other: the
# survivor, whose own dial lost the race, must dial it again.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

ROUNDS=${DIAL_RACE_ROUNDS:-3}

# Make both identities, then keep a copy of each profile as it is now: no
# addresses, no peers.
start_node x -l 127.0.0.1:0
start_node y -l 127.0.0.1:0
stop_node x
stop_node y
# The session dialled by the smaller id wins; "lo" dials first, so that
# "hi"'s own dial is the one closed (before it opened, most of the time).
if [ "$(printf '%s\n%s\n' "$x_id" "$y_id" | sort | head -n 1)" = "$x_id" ]
then
	lo=x hi=y
else
	lo=y hi=x
fi
lo_id=$(getvar ${lo}_id)
lo_port=$(getvar ${lo}_port)
hi_id=$(getvar ${hi}_id)
hi_port=$(getvar ${hi}_port)
cp -Rp "$T/$lo" "$T/$lo.clean"
cp -Rp "$T/$hi" "$T/$hi.clean"

online() {
	echo "\"event\":\"peer\",\"id\":\"$1\".*\"state\":\"online\""
}

# wait_offline NODE ID: until the last peer event NODE printed for ID says
# offline.
wait_offline() {
	_i=0
	until grep "\"event\":\"peer\",\"id\":\"$2\"" "$T/$1.out" | \
	    tail -n 1 | grep -q '"state":"offline"'; do
		_i=$((_i + 1))
		[ $_i -gt 400 ] && fail "$1 still has $2 online"
		sleep 0.05
	done
}

r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	for n in $lo $hi; do
		rm -rf "$T/$n"
		cp -Rp "$T/$n.clean" "$T/$n"
	done
	start_node $lo -l "127.0.0.1:$lo_port"
	start_node $hi -l "127.0.0.1:$hi_port"
	lo_seen=$(count $hi "$(online "$lo_id")")
	hi_seen=$(count $lo "$(online "$hi_id")")
	send $lo "/connect 127.0.0.1:$hi_port"
	send $hi "/connect 127.0.0.1:$lo_port"
	wait_for $lo "$(online "$hi_id")" 20 $((hi_seen + 1))
	wait_for $hi "$(online "$lo_id")" 20 $((lo_seen + 1))

	# Kill lo; it comes back on its port without hi's address.
	kill_node $lo
	wait_offline $hi "$lo_id"
	lo_seen=$(count $hi "$(online "$lo_id")")
	rm -rf "$T/$lo"
	cp -Rp "$T/$lo.clean" "$T/$lo"
	start_node $lo -l "127.0.0.1:$lo_port"
	wait_for $hi "$(online "$lo_id")" 20 $((lo_seen + 1))
	echo "round $r: $hi dialled $lo again"
	stop_node $lo
	stop_node $hi
done
pass
