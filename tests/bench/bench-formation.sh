#!/bin/sh
# bench-formation.sh: mesh formation on loopback from one bootstrap address
# (issue 17): for each size, N nodes each given only the first node's
# address, [dht] off; the time until every node has peers_target sessions,
# the degree distribution, the largest degree (target: at most 2 x
# peers_target), the stranded nodes (target 0), the refusals received
# and the node's own dials it closed because it was full.
#
#   BENCH_FORMATION_SIZES ("50 150 300"), BENCH_FORMATION_TIMEOUT (180 s
#   a size), P2PCHAT

: "${P2PCHAT:=./p2pchat}"
export P2PCHAT
TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_DIR/lib.sh"
TARGET=8
TIMEOUT=${BENCH_FORMATION_TIMEOUT:-180}

cat > "$T/mesh.ini" <<INI
[node]
peers_target = $TARGET
max_per_address = 10000
max_peers_per_address = 20000
max_peers_per_network = 20000
max_handshakes = 1000
pex_refusals = 100000
pex_interval = 2
lan_discovery = no
accept = anyone
[store]
sync = normal
[log]
level = warn
[dht]
enable = no
INI

now_ms() {
	date +%s%3N
}

# stats_all N: a fresh /stats from nodes 1 to N, one line each in $T/stats.
stats_all() {
	_s=1
	while [ $_s -le $1 ]; do
		setvar "b$_s" "$(count m$_s '"event":"stats"')"
		send m$_s /stats
		_s=$((_s + 1))
	done
	: > "$T/stats"
	_s=1
	while [ $_s -le $1 ]; do
		wait_for m$_s '"event":"stats"' 60 $(( $(getvar b$_s) + 1 ))
		grep '"event":"stats"' "$T/m$_s.out" | tail -n 1 | \
		    sed "s/^/m$_s /" >> "$T/stats"
		_s=$((_s + 1))
	done
}

field() {
	sed -n "s/^\(m[0-9]*\) .*\"$1\":\([0-9]*\).*/\1 \2/p" "$T/stats"
}

# run N: one mesh of N nodes, measured, then stopped.
run() {
	N=$1
	echo "== $N nodes on loopback, one bootstrap address, peers_target $TARGET"
	t0=$(now_ms)
	launch_node m1 -f "$T/mesh.ini" -l 127.0.0.1:0
	wait_for m1 '"event":"ready"' 60
	m1_port=$(grep '"event":"ready"' "$T/m1.out" | json_get listen | \
	    sed 's/.*://')
	i=2
	while [ $i -le $N ]; do
		launch_node m$i -f "$T/mesh.ini" \
		    -l 127.0.0.1:0 -c "127.0.0.1:$m1_port"
		i=$((i + 1))
	done
	i=2
	while [ $i -le $N ]; do
		wait_for m$i '"event":"ready"' 120
		i=$((i + 1))
	done
	t_started=$(now_ms)
	while :; do
		stats_all $N
		short=$(field sessions | awk -v t=$TARGET '$2 < t' | wc -l)
		[ "$short" -eq 0 ] && break
		[ $(( $(now_ms) - t0 )) -gt $((TIMEOUT * 1000)) ] && break
		sleep 0.5
	done
	t_formed=$(now_ms)
	echo "nodes started in: $((t_started - t0)) ms"
	echo "mesh formed (every node >= $TARGET sessions) after the first start: $((t_formed - t0)) ms"
	echo "after the last node was ready: $((t_formed - t_started)) ms"
	echo "nodes short of $TARGET sessions: $short (target 0)"
	echo "stranded (no session): $(field sessions | awk '$2 == 0' | wc -l) (target 0)"
	echo "degree distribution (sessions:nodes):" $(field sessions | \
	    awk '{ print $2 }' | sort -n | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
	field sessions | awk -v t=$TARGET '{ s += $2; if ($2 > m) m = $2 }
	    END { printf "degree mean: %.1f\nlargest degree: %d (target <= %d)\n",
	    s / NR, m, 2 * t }'
	field refused_received | awk '{ s += $2 } END { print "refusals received: " s + 0 }'
	field refused_own | awk '{ s += $2 } END { print "own dials closed, the node full: " s + 0 }'
	field dials_in_flight_max | awk '$2 > m { m = $2 } END { print "most dials in flight at once: " m + 0 }'
	i=1
	while [ $i -le $N ]; do
		send m$i /quit
		i=$((i + 1))
	done
	i=1
	while [ $i -le $N ]; do
		wait "$(getvar m${i}_pid)" 2>/dev/null
		kill "$(getvar m${i}_holder)" 2>/dev/null
		rm -rf "$T/m$i" "$T/m$i.out" "$T/m$i.err" "$T/m$i.in"
		i=$((i + 1))
	done
	_pids=""
}

for n in ${BENCH_FORMATION_SIZES:-50 150 300}; do
	run $n
done
