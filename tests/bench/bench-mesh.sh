#!/bin/sh
# bench-mesh.sh: rooms on loopback (issue 18). For each size, nodes that
# each dial up to 4 earlier ones (a fixed random graph, no book filling),
# all or some of them in one room. Per size it prints:
#
#   - copies on the wire per delivered message: every room post received
#     by any node (room_received summed over all nodes, catch-up and
#     gossip answers included) over the deliveries (messages shown on a
#     member other than their author);
#   - delivery latency p50/p99 (author's sent_at to the receiver's stored
#     time, one clock), one message at a time and with 10 senders at once;
#   - CPU (user + system, summed over every node from /proc) per message;
#   - with fewer members than nodes: what the non-members carried.
#
# Targets: at most 5 copies per delivered message, p99 under 50 ms one at
# a time at 200 members, under 100 ms in the burst.
#
#   BENCH_MESH_SIZES ("25 50 100 200"): members, every node in the room
#   BENCH_MESH_SPLIT ("200:20"): NODES:MEMBERS runs, "" for none
#   BENCH_MESH_ONE (40): messages one at a time (from different members)
#   BENCH_MESH_BURSTS (5): rounds of 10 senders at once
#   P2PCHAT: the binary (an older one works: only /join, /msg, /stats)
#
# Bound it: run it under timeout(1), with ulimit -v set.

: "${P2PCHAT:=./p2pchat}"
export P2PCHAT
TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_DIR/lib.sh"
SIZES=${BENCH_MESH_SIZES-25 50 100 200}
SPLIT=${BENCH_MESH_SPLIT-200:20}
ONE=${BENCH_MESH_ONE:-40}
BURSTS=${BENCH_MESH_BURSTS:-5}
HZ=$(getconf CLK_TCK)

cat > "$T/mesh.ini" <<INI
[node]
peers_target = 0
lan_discovery = no
max_peers_per_address = 64
max_peers_per_network = 64
max_per_address = 64
INI

# stats_all N FIELD: FIELD of a fresh /stats, summed over nodes 1..N
# (FIELD missing counts 0). Every node is asked first, then each waited for.
stats_all() {
	_q=1
	while [ $_q -le $1 ]; do
		setvar "_sb$_q" "$(count m$_q '"event":"stats"')"
		send m$_q /stats
		_q=$((_q + 1))
	done
	_sum=0
	_q=1
	while [ $_q -le $1 ]; do
		wait_for m$_q '"event":"stats"' 30 $(( $(getvar "_sb$_q") + 1 ))
		_v=$(grep '"event":"stats"' "$T/m$_q.out" | tail -n 1 | \
		    sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p")
		_sum=$((_sum + ${_v:-0}))
		_q=$((_q + 1))
	done
	echo $_sum
}

# last_stat FROM TO FIELD: FIELD of the last /stats of nodes FROM..TO.
last_stat() {
	_sum=0
	_q=$1
	while [ $_q -le $2 ]; do
		_v=$(grep '"event":"stats"' "$T/m$_q.out" | tail -n 1 | \
		    sed -n "s/.*\"$3\":\([0-9]*\).*/\1/p")
		_sum=$((_sum + ${_v:-0}))
		_q=$((_q + 1))
	done
	echo $_sum
}

# cpu N: user + system ticks of nodes 1..N.
cpu() {
	_q=1
	_c=0
	while [ $_q -le $1 ]; do
		_p=$(getvar m${_q}_pid)
		_t=$(sed 's/.*) //' /proc/$_p/stat | awk '{ print $12 + $13 }')
		_c=$((_c + ${_t:-0}))
		_q=$((_q + 1))
	done
	echo $_c
}

# deliveries K TAG: message events of TAG on members 1..K.
deliveries() {
	_d=0
	_q=1
	while [ $_q -le $1 ]; do
		_d=$((_d + $(count m$_q "\"event\":\"message\".*\"text\":\"$2 ")))
		_q=$((_q + 1))
	done
	echo $_d
}

# measure K TAG WANT LABEL: wait (60 s at most) until each of members 1..K
# shows WANT messages of TAG (less its own), then print p50/p99.
measure() {
	_deadline=$(( $(date +%s) + 60 ))
	_q=1
	while [ $_q -le $1 ]; do
		_own=$(count m$_q "\"event\":\"outgoing\".*\"text\":\"$2 ")
		while [ "$(count m$_q "\"event\":\"message\".*\"text\":\"$2 ")" \
		    -lt $(( $3 - _own )) ]; do
			[ "$(date +%s)" -gt $_deadline ] && break 2
			sleep 0.1
		done
		_q=$((_q + 1))
	done
	: > "$T/lat"
	_q=1
	while [ $_q -le $1 ]; do
		grep "\"event\":\"message\".*\"text\":\"$2 " "$T/m$_q.out" | \
		    sed 's/.*"ts":\([0-9]*\),.*"stored":\([0-9]*\).*/\1 \2/' | \
		    awk '{ print $2 - $1 }' >> "$T/lat"
		_q=$((_q + 1))
	done
	sort -n "$T/lat" > "$T/lat.sorted"
	_nl=$(wc -l < "$T/lat.sorted")
	_p50=$(sed -n "$(( (_nl + 1) / 2 ))p" "$T/lat.sorted")
	_p99=$(sed -n "$(( (_nl * 99 + 99) / 100 ))p" "$T/lat.sorted")
	echo "  $4: delivered $_nl of $(( $3 * ($1 - 1) ))," \
	    "p50 ${_p50:-?} ms, p99 ${_p99:-?} ms"
}

# run N K: N nodes, members 1..K.
run() {
	N=$1
	K=$2
	echo "== $N nodes, $K in the room ($(basename "$P2PCHAT"):" \
	    "$($P2PCHAT --version 2>/dev/null | head -n 1))," \
	    "load $(cut -d' ' -f1-3 /proc/loadavg)"
	start_node m1 -l 127.0.0.1:0 -f "$T/mesh.ini"
	i=2
	while [ $i -le $N ]; do
		args=""
		k=0
		while [ $k -lt 4 ] && [ $k -lt $((i - 1)) ]; do
			j=$(( ( (i * 7919 + k * 104729) % (i - 1) ) + 1 ))
			case " $args " in
			*":$(getvar m${j}_port) "*) ;;
			*) args="$args -c 127.0.0.1:$(getvar m${j}_port)" ;;
			esac
			k=$((k + 1))
		done
		start_node m$i -l 127.0.0.1:0 -f "$T/mesh.ini" $args
		i=$((i + 1))
	done
	i=2
	while [ $i -le $N ]; do
		wait_for m$i '"state":"online"' 60
		i=$((i + 1))
	done
	i=1
	while [ $i -le $K ]; do
		send m$i "/join #bench"
		i=$((i + 1))
	done
	i=1
	while [ $i -le $K ]; do
		wait_for m$i '"event":"joined"' 30
		i=$((i + 1))
	done
	# Let the join lines and the mesh settle (a benchmark, not a test).
	sleep 3
	# What the nodes spend with no post in flight, for scale.
	q0=$(cpu $N)
	sleep 2
	q1=$(cpu $N)
	awk -v c=$((q1 - q0)) -v hz=$HZ 'BEGIN {
	    printf "  quiet: %.1f ms CPU per second (all nodes, no posts)\n",
		1000 * c / hz / 2 }'
	if [ -n "$BENCH_MESH_PERF" ]; then
		perf record --call-graph dwarf,16384 -o "$T/quiet.data" \
		    -p "$(getvar m1_pid),$(getvar m2_pid),$(getvar m${N}_pid)" \
		    -- sleep 2 >/dev/null 2>&1
		perf report -i "$T/quiet.data" --children --stdio \
		    --sort symbol --percent-limit 1 -g none \
		    > "$BENCH_MESH_PERF" 2>/dev/null
	fi
	r0=$(stats_all $N room_received)
	d0=$(deliveries $K one)
	c0=$(cpu $N)

	# One at a time, from different members, 50 ms apart.
	s=1
	while [ $s -le $ONE ]; do
		send m$(( (s - 1) % K + 1 )) "/msg #bench one $s"
		sleep 0.05
		s=$((s + 1))
	done
	measure $K one $ONE "one at a time ($ONE messages)"
	c1=$(cpu $N)
	r1=$(stats_all $N room_received)
	d1=$(deliveries $K one)

	# Ten senders at once, rounds 200 ms apart.
	b=1
	while [ $b -le $BURSTS ]; do
		s=1
		while [ $s -le 10 ]; do
			send m$(( (b * 10 + s * 7) % K + 1 )) \
			    "/msg #bench burst $b-$s"
			s=$((s + 1))
		done
		sleep 0.2
		b=$((b + 1))
	done
	measure $K burst $((BURSTS * 10)) "10 at once ($BURSTS rounds)"
	c2=$(cpu $N)
	r2=$(stats_all $N room_received)
	d2=$(deliveries $K burst)

	awk -v r=$((r1 - r0)) -v d=$((d1 - d0)) -v c=$((c1 - c0)) \
	    -v m=$ONE -v hz=$HZ 'BEGIN {
	    printf "  one at a time: %.2f copies per delivered message " \
		"(target <= 5), %.2f ms CPU per message (all nodes)\n",
		d ? r / d : 0, 1000 * c / hz / m }'
	awk -v r=$((r2 - r1)) -v d=$d2 -v c=$((c2 - c1)) \
	    -v m=$((BURSTS * 10)) -v hz=$HZ 'BEGIN {
	    printf "  10 at once: %.2f copies per delivered message " \
		"(target <= 5), %.2f ms CPU per message (all nodes)\n",
		d ? r / d : 0, 1000 * c / hz / m }'
	echo "  room records in, all nodes: $(last_stat 1 $N room_records_in);" \
	    "mesh links a member: $(last_stat 1 $K room_mesh | \
	    awk -v k=$K '{ printf "%.1f", $1 / k }'), links a member:" \
	    "$(last_stat 1 $K room_links | awk -v k=$K \
	    '{ printf "%.1f", $1 / k }') (0 where the binary has none)"
	if [ $K -lt $N ]; then
		echo "  non-members: room posts received" \
		    "$(last_stat $((K + 1)) $N room_received), room records" \
		    "in $(last_stat $((K + 1)) $N room_records_in)," \
		    "out $(last_stat $((K + 1)) $N room_records_out)" \
		    "(target 0)"
	fi
	i=1
	while [ $i -le $N ]; do
		kill_node m$i
		rm -rf "$T/m$i" "$T/m$i.out" "$T/m$i.err" "$T/m$i.in"
		i=$((i + 1))
	done
}

for n in $SIZES; do
	run $n $n
done
for split in $SPLIT; do
	run ${split%:*} ${split#*:}
done
