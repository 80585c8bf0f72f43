#!/bin/sh
# bench-room-cpu.sh: the CPU one receiver spends per room post (issue 18).
# A small room on loopback (BENCH_ROOM_NODES, 4: a ring plus a chord, so
# copies come on more than one link); member 1 writes BENCH_ROOM_POSTS
# (2000) posts as fast as its input takes them; we wait until member 2
# shows them all and print member 2's user + system CPU per post from
# /proc. With BENCH_ROOM_PERF set, member 2 runs under perf record -g
# and the report is written to $BENCH_ROOM_PERF.
#
# Bound it: run it under timeout(1), with ulimit -v set.

: "${P2PCHAT:=./p2pchat}"
export P2PCHAT
TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_DIR/lib.sh"
NODES=${BENCH_ROOM_NODES:-4}
POSTS=${BENCH_ROOM_POSTS:-2000}
HZ=$(getconf CLK_TCK)

# ticks NODE: user + system ticks of a node.
ticks() {
	sed 's/.*) //' /proc/$(getvar $1_pid)/stat | awk '{ print $12 + $13 }'
}

cat > "$T/room.ini" <<INI
[node]
peers_target = 0
lan_discovery = no
accept = anyone
INI
start_node m1 -l 127.0.0.1:0 -f "$T/room.ini"
i=2
while [ $i -le $NODES ]; do
	args="-c 127.0.0.1:$(getvar m$((i - 1))_port)"
	[ $i -gt 2 ] && args="$args -c 127.0.0.1:$(getvar m1_port)"
	start_node m$i -l 127.0.0.1:0 -f "$T/room.ini" $args
	i=$((i + 1))
done
i=2
while [ $i -le $NODES ]; do
	wait_for m$i '"state":"online"' 30
	i=$((i + 1))
done
i=1
while [ $i -le $NODES ]; do
	send m$i "/join #cpu"
	wait_for m$i '"event":"joined"' 30
	i=$((i + 1))
done
# Warm up: one post everywhere, so every mesh link is up.
send m1 "/msg #cpu warm"
i=2
while [ $i -le $NODES ]; do
	wait_for m$i '"event":"message".*"text":"warm"' 30
	i=$((i + 1))
done
# all: user + system ticks of every node.
all() {
	_c=0
	_q=1
	while [ $_q -le $NODES ]; do
		_c=$((_c + $(ticks m$_q)))
		_q=$((_q + 1))
	done
	echo $_c
}
IDLE=${BENCH_ROOM_IDLE:-0}
if [ "$IDLE" -gt 0 ]; then
	i0=$(all)
	if [ -n "$BENCH_ROOM_PERF_IDLE" ]; then
		pids=$(i=1; while [ $i -le $NODES ]; do
			printf '%s,' "$(getvar m${i}_pid)"; i=$((i + 1)); done)
		perf record --call-graph dwarf,16384 -o "$T/idle.data" -p "${pids%,}" \
		    -- sleep "$IDLE" >/dev/null 2>&1
		perf report -i "$T/idle.data" --children --stdio \
		    --sort symbol --percent-limit 1 -g none \
		    > "$BENCH_ROOM_PERF_IDLE" 2>/dev/null
	else
		sleep "$IDLE"
	fi
	echo "idle: $(( $(all) - i0 )) ticks over $IDLE s, all $NODES nodes"
fi
if [ -n "$BENCH_ROOM_PERF" ]; then
	perf record --call-graph dwarf,16384 -o "$T/perf.data" -p "$(getvar m2_pid)" \
	    >/dev/null 2>&1 &
	perfpid=$!
	sleep 1
fi
i=1
while [ $i -le "$POSTS" ]; do
	echo "/msg #cpu post $i"
	i=$((i + 1))
done > "$T/posts"
t0=$(ticks m2)
s0=$(date +%s.%N)
if [ -n "$BENCH_ROOM_GAP" ]; then
	while read -r line; do
		printf '%s\n' "$line"
		sleep "$BENCH_ROOM_GAP"
	done < "$T/posts" > "$T/m1.in"
else
	cat "$T/posts" > "$T/m1.in"
fi
wait_for m2 '"event":"message".*"text":"post '"$POSTS"'"' 300
s1=$(date +%s.%N)
t1=$(ticks m2)
n=$(count m2 '"event":"message".*"text":"post ')
if [ -n "$BENCH_ROOM_PERF" ]; then
	kill -INT $perfpid
	wait $perfpid
	{
		perf report -i "$T/perf.data" --no-children --stdio \
		    --sort dso
		perf report -i "$T/perf.data" --children --stdio \
		    --sort symbol --percent-limit 1.5 -g none
	} > "$BENCH_ROOM_PERF" 2>/dev/null
fi
awk -v t=$((t1 - t0)) -v n=$n -v hz=$HZ -v s0=$s0 -v s1=$s1 'BEGIN {
	printf "receiver: %d posts, %.3f ms CPU per post, %.1f s wall\n",
	    n, 1000 * t / hz / n, s1 - s0 }'
grep '"event":"stats"' "$T/m2.out" >/dev/null 2>&1
send m2 /stats
wait_for m2 '"event":"stats"' 30
grep '"event":"stats"' "$T/m2.out" | tail -n 1 | tr ',' '\n' | \
    grep room_ | tr '\n' ' '
echo
echo "receiver's events:" $(sed -n 's/.*"event":"\([a-z_]*\)".*/\1/p' \
    "$T/m2.out" | sort | uniq -c | sort -rn | head -n 8)
