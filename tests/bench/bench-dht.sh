#!/bin/sh
# bench-dht.sh: the Mainline DHT on loopback (issue 17). For each size, a
# swarm of libtorrent sessions (a third of the nodes, when python3 has
# libtorrent) and p2pchat nodes that know only the first libtorrent node
# (or the first p2pchat node) as their DHT bootstrap; once every record
# is on 5 nodes or more, BENCH_DHT_LOOKUPS lookups by peer id between
# random pairs. Prints the lookup time p50/p99 (the node's own "ms"), the
# queries sent per lookup, then the memory and CPU of the DHT part of a
# node at rest (against a node with the DHT off).
#
#   BENCH_DHT_SIZES ("30 100 300"), BENCH_DHT_LOOKUPS (100),
#   BENCH_DHT_REST (10 seconds at rest), P2PCHAT

: "${P2PCHAT:=./p2pchat}"
export P2PCHAT
TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_DIR/lib.sh"
SWARM="$TESTS_DIR/regress/dht-swarm.py"
SIZES=${BENCH_DHT_SIZES:-30 100 300}
LOOKUPS=${BENCH_DHT_LOOKUPS:-100}
REST=${BENCH_DHT_REST:-10}
py=""
/usr/bin/python3 -c 'import libtorrent' 2>/dev/null && py=/usr/bin/python3
# Each node is small; a runaway one must not take the machine.
ulimit -v 4000000 2>/dev/null

# pct P FILE: the P-th percentile of the numbers in FILE, one a line.
pct() {
	sort -n "$2" | awk -v p="$1" '{ v[NR] = $1 }
	    END { i = int((NR - 1) * p / 100) + 1; print v[i] }'
}

# ini NAME BOOTSTRAP [MORE]: a profile whose DHT joins at BOOTSTRAP.
ini() {
	mkdir -p -m 700 "$T/$1"
	printf "[node]\nlan_discovery = no\npeers_target = 0\n[dht]\n%s\n%s\n" \
	    "bootstrap = $2" "${3:-}" > "$T/$1/p2pchat.ini"
}

# kb PID: resident memory in kB; ticks PID: user + system CPU ticks.
kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

echo "== issue 17: DHT lookups by peer id on loopback" \
    "(libtorrent: ${py:+yes}${py:-no})"
for N in $SIZES; do
	L=0
	[ -n "$py" ] && L=$((N / 3))
	P=$((N - L))
	boot=""
	if [ $L -gt 0 ]; then
		mkfifo "$T/swarm$N.in"
		sleep 100000 > "$T/swarm$N.in" &
		_pids="$_pids $!"
		"$py" "$SWARM" -n $L < "$T/swarm$N.in" > "$T/swarm$N.out" \
		    2>/dev/null &
		_pids="$_pids $!"
		wait_for swarm$N '"event": "started"' 200
		first=$(sed -n 's/.*"ports": \[\([0-9]*\).*/\1/p' \
		    "$T/swarm$N.out")
		boot=127.0.0.1:$first
	fi
	t0=$(date +%s%3N)
	i=1
	while [ $i -le $P ]; do
		if [ -z "$boot" ]; then
			ini d${N}_$i 127.0.0.1:9
			start_node d${N}_$i -l 127.0.0.1:0
			boot=127.0.0.1:$(getvar d${N}_${i}_port)
		else
			ini d${N}_$i "$boot"
			start_node d${N}_$i -l 127.0.0.1:0
		fi
		i=$((i + 1))
	done
	i=1
	while [ $i -le $P ]; do
		wait_for d${N}_$i '"event":"dht_published"' 120
		i=$((i + 1))
	done
	# Then up to 60 s more for every record to be on 5 nodes or more.
	end=$(($(date +%s) + 60))
	i=1
	while [ $i -le $P ] && [ "$(date +%s)" -lt $end ]; do
		if [ "$(count d${N}_$i '"event":"dht_published".*"nodes":[5-8]')" \
		    -gt 0 ]; then
			i=$((i + 1))
		else
			sleep 0.2
		fi
	done
	[ $i -le $P ] && echo "(records not yet on 5 nodes: from d${N}_$i on)"
	t1=$(date +%s%3N)
	: > "$T/ms$N"
	: > "$T/asked$N"
	k=1
	while [ $k -le "$LOOKUPS" ]; do
		a=$(($(od -An -N2 -tu2 /dev/urandom) % P + 1))
		b=$(($(od -An -N2 -tu2 /dev/urandom) % P + 1))
		[ $a = $b ] && continue
		_n=$(($(count d${N}_$a '"event":"lookup"') + 1))
		send d${N}_$a "/lookup $(getvar d${N}_${b}_id)"
		wait_for d${N}_$a '"event":"lookup"' 30 $_n
		line=$(grep '"event":"lookup"' "$T/d${N}_$a.out" | tail -n 1)
		echo "$line" | grep -q '"found":1' || echo miss >> "$T/miss$N"
		echo "$line" | sed 's/.*"ms":\([0-9]*\).*/\1/' >> "$T/ms$N"
		echo "$line" | sed 's/.*"asked":\([0-9]*\).*/\1/' >> "$T/asked$N"
		k=$((k + 1))
	done
	miss=$(cat "$T/miss$N" 2>/dev/null | wc -l)
	echo "dht_lookup_p50_$N: $(pct 50 "$T/ms$N") ms ($P p2pchat," \
	    "$L libtorrent; formed in $((t1 - t0)) ms)"
	echo "dht_lookup_p99_$N: $(pct 99 "$T/ms$N") ms (target < 1000 at 300)"
	echo "dht_queries_per_lookup_$N: $(awk '{ s += $1 } END {
	    printf "%.1f", s / NR }' "$T/asked$N") (p99 $(pct 99 \
	    "$T/asked$N")); not found: $miss of $LOOKUPS"

	# At rest: a node of this DHT against one with the DHT off.
	if [ "$N" = "$(echo $SIZES | awk '{ print $1 }')" ]; then
		ini off 127.0.0.1:9 "enable = no"
		start_node off -l 127.0.0.1:0
		pid=$(getvar d${N}_2_pid)
		c0=$(ticks "$pid")
		o0=$(ticks "$off_pid")
		sleep "$REST"
		c1=$(ticks "$pid")
		o1=$(ticks "$off_pid")
		hz=$(getconf CLK_TCK)
		echo "dht_rest_rss: $(kb "$pid") kB with the DHT," \
		    "$(kb "$off_pid") kB without"
		echo "dht_rest_cpu: $(((c1 - c0) * 1000 / hz)) ms in ${REST} s" \
		    "with the DHT, $(((o1 - o0) * 1000 / hz)) ms without"
		kill_node off
	fi
	i=1
	while [ $i -le $P ]; do
		kill_node d${N}_$i
		i=$((i + 1))
	done
	[ $L -gt 0 ] && echo quit > "$T/swarm$N.in"
done
pass
