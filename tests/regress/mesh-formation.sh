#!/bin/sh
# mesh-formation.sh: 150 nodes on loopback, each given only the first
# node's address, form a mesh: every node reaches peers_target sessions, no
# node is stranded, the largest degree stays at most peers_full (twice
# peers_target: a full node sends a refused newcomer other addresses before
# BYE 3). Then 30 of them restart: they dial a few at a time, no node ever
# has more than peers_target + a few dials in flight (the /stats high-water
# mark), and the largest degree is still at most peers_full (a node's own
# dials that complete once it is full are closed with BYE 3).
# P2PCHAT_SCALE=small: 40 nodes, 10 restarted.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

N=150
R=30
if [ "$P2PCHAT_SCALE" = small ]; then
	N=40
	R=10
	echo "P2PCHAT_SCALE=small: $N nodes, $R restarted"
fi
TARGET=8
MAX=64
FULL=$((2 * TARGET))
SLACK=4
TIMEOUT=${MESH_TIMEOUT:-120}

# Every node is on 127.0.0.1: the per-address limits must not be the mesh's.
cat > "$T/mesh.ini" <<INI
[node]
peers_target = $TARGET
max_peers = $MAX
max_per_address = 1000
max_peers_per_address = 1000
max_peers_per_network = 1000
pex_refusals = 1000
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

# ready NAME COUNT: wait for its COUNTth ready event; set NAME_port.
ready() {
	wait_for "$1" '"event":"ready"' 60 "$2"
	setvar "${1}_port" "$(grep '"event":"ready"' "$T/$1.out" | \
	    tail -n 1 | json_get listen | sed 's/.*://')"
}

# quit NODE...: /quit to each of the nodes m<NODE>, then wait for them all.
quit() {
	for _q in "$@"; do
		send m$_q /quit
	done
	for _q in "$@"; do
		_pid=$(getvar m${_q}_pid)
		_s=0
		while kill -0 "$_pid" 2>/dev/null; do
			_s=$((_s + 1))
			[ $_s -gt 600 ] && fail "m$_q did not exit after /quit"
			sleep 0.05
		done
		wait "$_pid" || fail "m$_q exited with status $? after /quit"
		kill "$(getvar m${_q}_holder)" 2>/dev/null
		if grep -q Sanitizer "$T/m$_q.err" 2>/dev/null; then
			fail "m$_q: sanitizer report: $(head -n 30 "$T/m$_q.err")"
		fi
	done
}

# stats_all: a fresh /stats from every node, one line each in $T/stats.
stats_all() {
	_s=1
	while [ $_s -le $N ]; do
		setvar "b$_s" "$(count m$_s '"event":"stats"')"
		send m$_s /stats
		_s=$((_s + 1))
	done
	: > "$T/stats"
	_s=1
	while [ $_s -le $N ]; do
		wait_for m$_s '"event":"stats"' 30 $(( $(getvar b$_s) + 1 ))
		grep '"event":"stats"' "$T/m$_s.out" | tail -n 1 | \
		    sed "s/^/m$_s /" >> "$T/stats"
		_s=$((_s + 1))
	done
}

# field NAME: that counter of each node, "node value", from $T/stats.
field() {
	sed -n "s/^\(m[0-9]*\) .*\"$1\":\([0-9]*\).*/\1 \2/p" "$T/stats"
}

# converge WHAT: wait until every node has peers_target sessions.
converge() {
	_t0=$(now_ms)
	while :; do
		stats_all
		_short=$(field sessions | awk -v t=$TARGET '$2 < t { printf " %s(%d)", $1, $2 }')
		[ -z "$_short" ] && break
		[ $(( $(now_ms) - _t0 )) -gt $((TIMEOUT * 1000)) ] && \
		    fail "$1: short of $TARGET sessions after ${TIMEOUT} s:$_short"
		sleep 0.5
	done
	echo "$1: every node has >= $TARGET sessions after $(( $(now_ms) - t0 )) ms"
	echo "$1: degree distribution (sessions: nodes):" \
	    $(field sessions | awk '{ print $2 }' | sort -n | uniq -c | \
	    awk '{ printf "%s:%s ", $2, $1 }')
	_max=$(field sessions | awk '$2 > m { m = $2 } END { print m + 0 }')
	[ "$_max" -lt $MAX ] || fail "$1: a node has $_max sessions, max_peers $MAX"
	_over=$(field sessions | \
	    awk -v f=$FULL '$2 > f { printf " %s(%d)", $1, $2 }')
	[ -z "$_over" ] || fail "$1: over peers_full $FULL sessions:$_over"
}

t0=$(now_ms)
launch_node m1 -f "$T/mesh.ini" -l 127.0.0.1:0
ready m1 1
i=2
while [ $i -le $N ]; do
	launch_node m$i -f "$T/mesh.ini" -l 127.0.0.1:0 -c "127.0.0.1:$m1_port"
	i=$((i + 1))
done
i=2
while [ $i -le $N ]; do
	ready m$i 1
	i=$((i + 1))
done
echo "$N nodes started in $(( $(now_ms) - t0 )) ms"
converge "$N nodes"
field refused_received | awk '{ s += $2 } END { print "refusals received: " s + 0 }'
field pex_refusals_sent | awk '{ s += $2 } END { print "PEX sent before BYE 3: " s + 0 }'

# Restart R nodes spread over the mesh, on their own ports.
step=$((N / R))
restarted=""
i=2
while [ $i -le $N ] && [ $(echo $restarted | wc -w) -lt $R ]; do
	restarted="$restarted $i"
	i=$((i + step))
done
quit $restarted
t0=$(now_ms)
for i in $restarted; do
	launch_node m$i -f "$T/mesh.ini" \
	    -l "127.0.0.1:$(getvar m${i}_port)" -c "127.0.0.1:$m1_port"
done
for i in $restarted; do
	ready m$i 2
done
converge "$R restarted"
field refused_own | awk '{ s += $2 } END { print "own dials closed, the node full: " s + 0 }'
worst=$(field dials_in_flight_max | sort -k2 -n | tail -n 1)
echo "most dials in flight at once: $worst (limit $TARGET + $SLACK)"
over=$(field dials_in_flight_max | \
    awk -v l=$((TARGET + SLACK)) '$2 > l { printf " %s(%d)", $1, $2 }')
[ -z "$over" ] || fail "dials in flight over $TARGET + $SLACK:$over"
quit $(seq 1 $N)
pass
