#!/bin/sh
# netns.sh: ten nodes in ten network namespaces on one bridged LAN, with
# 50 ms delay and 2% loss (tc netem) on every link where the kernel has
# netem. Nobody is given an address: LAN discovery and peer exchange build
# the mesh; then a room message from every node reaches every node once, and
# a direct message crosses. Needs root and ip(8); skipped otherwise.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

[ "$(id -u)" -eq 0 ] || skip "needs root to make network namespaces"
command -v ip > /dev/null || skip "needs ip(8) from iproute2"
N=${NETNS_NODES:-10}
tag=p2p$$
br=${tag}br
ip netns add "$br" 2> /dev/null || skip "cannot make a network namespace"

netns_cleanup() {
	for _p in $_pids; do kill -9 "$_p" 2> /dev/null; done
	wait 2> /dev/null
	i=1
	while [ $i -le $N ]; do
		ip netns del "${tag}n$i" 2> /dev/null
		i=$((i + 1))
	done
	ip netns del "$br" 2> /dev/null
	rm -rf "$T"
}
trap netns_cleanup EXIT

ip -n "$br" link add br0 type bridge || fail "no bridge"
ip -n "$br" link set br0 type bridge mcast_snooping 0 2> /dev/null
ip -n "$br" link set br0 up
netem=yes
i=1
while [ $i -le $N ]; do
	ns=${tag}n$i
	ip netns add "$ns" || fail "netns $ns"
	ip link add "${tag}a$i" type veth peer name "${tag}b$i" || fail "veth"
	ip link set "${tag}a$i" netns "$ns"
	ip link set "${tag}b$i" netns "$br"
	ip -n "$ns" link set "${tag}a$i" name eth0
	ip -n "$ns" addr add "10.77.0.$i/24" dev eth0
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	ip -n "$br" link set "${tag}b$i" master br0
	ip -n "$br" link set "${tag}b$i" up
	if [ $netem = yes ] && ! ip netns exec "$ns" tc qdisc add dev eth0 \
	    root netem delay 50ms loss 2% 2> /dev/null; then
		netem=no
	fi
	i=$((i + 1))
done
if [ $netem = yes ]; then
	echo "links: 50 ms delay, 2% loss (tc netem)"
else
	echo "tc netem is not available in this kernel: links have no added" \
	    "delay or loss"
fi

cat > "$T/lan.ini" <<'INI'
[node]
lan_discovery = yes
lan_interval = 1
peers_target = 4
pex_interval = 2
INI
i=1
while [ $i -le $N ]; do
	P2PCHAT_WRAPPER="ip netns exec ${tag}n$i"
	start_node "n$i" -l "10.77.0.$i:7300" -f "$T/lan.ini"
	i=$((i + 1))
done
P2PCHAT_WRAPPER=

# Every node finds at least three others without an address typed.
i=1
while [ $i -le $N ]; do
	wait_for "n$i" '"event":"peer".*"state":"online","addr":"10\.77\.0\.' 60 3
	i=$((i + 1))
done
echo "every node found peers by LAN discovery"

# Every node is in the room before anyone speaks: each /join answered.
i=1
while [ $i -le $N ]; do
	send "n$i" "/join #lan"
	i=$((i + 1))
done
i=1
while [ $i -le $N ]; do
	wait_for "n$i" '"event":"joined","room":"#lan"'
	i=$((i + 1))
done

# room_round WORD: a room message "WORD from nI" from every node; wait
# until every other node has it.
room_round() {
	i=1
	while [ $i -le $N ]; do
		send "n$i" "/msg #lan $1 from n$i"
		i=$((i + 1))
	done
	i=1
	while [ $i -le $N ]; do
		j=1
		while [ $j -le $N ]; do
			if [ $i -ne $j ]; then
				wait_for "n$i" "\"text\":\"$1 from n$j\"" 90
			fi
			j=$((j + 1))
		done
		i=$((i + 1))
	done
}
room_round hello
# The barrier: a second round, waited for everywhere. Each node forwards
# on each link its hellos before its marks, so a copy of a hello coming
# late down some path has the mark on that path behind it.
room_round mark
i=1
while [ $i -le $N ]; do
	j=1
	while [ $j -le $N ]; do
		if [ $i -ne $j ]; then
			k=$(grep -c "\"text\":\"hello from n$j\"" "$T/n$i.out")
			[ "$k" -eq 1 ] || fail "n$i got n$j's message $k times"
		fi
		j=$((j + 1))
	done
	i=$((i + 1))
done
echo "all $N room messages reached all $N nodes once"

send n1 "/msg $(getvar n${N}_id) direct across the LAN"
wait_for "n$N" '"text":"direct across the LAN"' 90
wait_for n1 '"event":"delivered"' 90
i=1
while [ $i -le $N ]; do
	stop_node "n$i"
	i=$((i + 1))
done
pass
