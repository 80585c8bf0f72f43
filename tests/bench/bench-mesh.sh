#!/bin/sh
# bench-mesh.sh: 50 nodes on loopback (issue 6). Prints the time for the
# mesh to form from one bootstrap address, then for a room carried by all of
# them: the delivery ratio and p50/p99 delivery latency (author's sent_at to
# the receiver's stored time, one clock), first with one message at a time
# and then with every node sending at once, and copies received per message
# against each node's number of room peers.
#
#   BENCH_MESH_NODES (50), BENCH_MESH_MESSAGES (4 a node), BENCH_MESH_SYNC
#   (full or normal, [store] sync), P2PCHAT

: "${P2PCHAT:=./p2pchat}"
export P2PCHAT
TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_DIR/lib.sh"
N=${BENCH_MESH_NODES:-50}
M=${BENCH_MESH_MESSAGES:-4}
TARGET=8

now_ms() {
	date +%s%3N
}

cat > "$T/mesh.ini" <<INI
[node]
peers_target = $TARGET
pex_interval = 2
lan_discovery = no
[store]
sync = ${BENCH_MESH_SYNC:-full}
INI
echo "== issue 6: $N nodes on loopback, peers_target $TARGET, $M room messages a node, sync ${BENCH_MESH_SYNC:-full}"
t0=$(now_ms)
start_mesh $N "$T/mesh.ini"
t_started=$(now_ms)

# sessions NODE: its session count from a fresh /stats.
sessions() {
	_b=$(count "$1" '"event":"stats"')
	send "$1" /stats
	wait_for "$1" '"event":"stats"' 10 $((_b + 1))
	grep '"event":"stats"' "$T/$1.out" | tail -n 1 | \
	    sed 's/.*"sessions":\([0-9]*\).*/\1/'
}
while :; do
	short=0
	i=1
	while [ $i -le $N ]; do
		[ "$(sessions m$i)" -ge $TARGET ] || short=$((short + 1))
		i=$((i + 1))
	done
	[ $short -eq 0 ] && break
	[ $(( $(now_ms) - t0 )) -gt 120000 ] && { echo "mesh did not form: $short short"; break; }
	sleep 0.2
done
t_formed=$(now_ms)
echo "nodes started in: $((t_started - t0)) ms"
echo "mesh formed (every node >= $TARGET sessions) after the first start: $((t_formed - t0)) ms"
echo "mesh formed after the last node started: $((t_formed - t_started)) ms"

i=1
while [ $i -le $N ]; do
	send m$i "/join #bench"
	i=$((i + 1))
done
i=1
while [ $i -le $N ]; do
	wait_for m$i '"event":"joined"'
	i=$((i + 1))
done
sleep 1

# latency_of TAG: p50 and p99 of (stored - ts) over every member's message
# events whose text starts with TAG, and the delivery ratio.
measure() {
	_tag=$1
	_want=$2
	_deadline=$(( $(date +%s) + 60 ))
	i=1
	while [ $i -le $N ]; do
		while [ "$(count m$i "\"text\":\"$_tag ")" -lt $_want ]; do
			[ "$(date +%s)" -gt $_deadline ] && break 2
			sleep 0.1
		done
		i=$((i + 1))
	done
	sleep 1
	got=0
	: > "$T/lat"
	i=1
	while [ $i -le $N ]; do
		c=$(grep "\"event\":\"message\".*\"text\":\"$_tag " "$T/m$i.out" | \
		    json_get_all id | sort -u | wc -l)
		got=$((got + c))
		grep "\"event\":\"message\".*\"text\":\"$_tag " "$T/m$i.out" | \
		    sed 's/.*"ts":\([0-9]*\),.*"stored":\([0-9]*\).*/\1 \2/' | \
		    awk '{ print $2 - $1 }' >> "$T/lat"
		i=$((i + 1))
	done
	total=$((N * _want))
	sort -n "$T/lat" > "$T/lat.sorted"
	n=$(wc -l < "$T/lat.sorted")
	p50=$(sed -n "$(( (n + 1) / 2 ))p" "$T/lat.sorted")
	p99=$(sed -n "$(( (n * 99 + 99) / 100 ))p" "$T/lat.sorted")
	echo "$3 delivery ratio: $got / $total ($(awk -v a=$got -v b=$total \
	    'BEGIN { printf "%.4f", a / b }')) (target 1)"
	echo "$3 delivery latency p50: $p50 ms"
	echo "$3 delivery latency p99: $p99 ms (target < 50)"
}

# One message at a time, from each node in turn: propagation latency.
k=1
while [ $k -le $M ]; do
	i=1
	while [ $i -le $N ]; do
		send m$i "/msg #bench one $i $k"
		sleep 0.05
		i=$((i + 1))
	done
	k=$((k + 1))
done
measure one $(( (N - 1) * M )) "one at a time:"

# Every node at once, M rounds: the mesh under load.
k=1
while [ $k -le $M ]; do
	i=1
	while [ $i -le $N ]; do
		send m$i "/msg #bench burst $i $k"
		i=$((i + 1))
	done
	sleep 0.2
	k=$((k + 1))
done
measure burst $(( (N - 1) * M )) "all $N at once:"

# Copies received per message, against each node's room peers.
worst=0
sum_copies=0
sum_peers=0
i=1
while [ $i -le $N ]; do
	_b=$(count m$i '"event":"stats"')
	send m$i /stats
	wait_for m$i '"event":"stats"' 10 $((_b + 1))
	line=$(grep '"event":"stats"' "$T/m$i.out" | tail -n 1)
	recv=$(echo "$line" | sed 's/.*"room_received":\([0-9]*\).*/\1/')
	peers=$(echo "$line" | sed 's/.*"sessions":\([0-9]*\).*/\1/')
	# Copies of each message this node received (its own come back too).
	echo "$recv $peers $((2 * N * M))" >> "$T/copies"
	i=$((i + 1))
done
awk '{ c = $1 / $3; r = c / $2; s += c; p += $2; if (r > w) w = r;
    if (c > $2) over++ }
    END { printf "copies received per message, mean over nodes: %.2f\n", s / NR;
    printf "room peers per node, mean: %.2f\n", p / NR;
    printf "worst copies per message / room peers: %.2f (target <= 1)\n", w;
    printf "nodes over the target: %d\n", over + 0 }' "$T/copies"
i=1
while [ $i -le $N ]; do
	stop_node m$i > /dev/null
	i=$((i + 1))
done
