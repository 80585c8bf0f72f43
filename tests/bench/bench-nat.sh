#!/bin/sh
# bench-nat.sh: NAT traversal in the lab (issue 16), run by hand or from
# run.sh (needs root, ip(8), nft(8)). Prints:
#  - the time from both nodes up (ready) to the first delivered message,
#    relayed (hole_punching = no) and direct (after the punch), p50/p99
#    over BENCH_NAT_RUNS runs (default 20), in two cone NATs;
#  - the share of cone x cone runs that end direct within 5 s;
#  - the relay's CPU time per relayed message, and its memory (RSS) per
#    circuit, with BENCH_NAT_CIRCUITS more circuits open (default 3).
# Targets (issue 16): 100% of pairs live within 3 s; 95% of cone x cone
# pairs direct within 5 s.

: "${P2PCHAT:=./p2pchat}"
TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/nat-lib.sh"
runs=${BENCH_NAT_RUNS:-20}
ncirc=${BENCH_NAT_CIRCUITS:-3}	# with b's, under the 4 a peer
nmsg=${BENCH_NAT_MESSAGES:-500}

# Milliseconds now.
ms() { echo $(($(date +%s%N) / 1000000)); }

# Wait (10 ms steps, up to $3 s) for a line; 1 if it never came.
wait_quiet() {
	_i=0
	while [ "$(count "$1" "$2")" -lt "${4:-1}" ]; do
		_i=$((_i + 1))
		[ $_i -gt $(($3 * 100)) ] && return 1
		sleep 0.01
	done
	return 0
}

# p50 and p99 of the numbers in a file.
pct() {
	sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) { print "none"; exit }
	    i = int(NR * 0.5 + 0.5); if (i < 1) i = 1; j = int(NR * 0.99 + 0.5)
	    if (j < 1) j = 1; if (j > NR) j = NR
	    printf "p50 %d ms, p99 %d ms (%d runs)", v[i], v[j], NR }'
}

# CPU ticks (user + system) and RSS (KiB) of a process.
cpu() { awk '{ print $1 }' "/proc/$1/schedstat"; }	# ns on a CPU
rss() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status"; }

lab_init
lab_public p 2
lab_router ra 11 1
lab_router rb 12 2
lab_stealth ra
lab_stealth rb
lab_host a ra 1 2
lab_host b rb 2 2
i=1
while [ $i -le "$ncirc" ]; do
	lab_public "c$i" $((20 + i))
	i=$((i + 1))
done
base='[node]\npeers_target = 0\nlan_discovery = no\naccept = anyone\n'
mkdir -m 700 "$T/p"
printf "${base}relay = yes\n" > "$T/p/p2pchat.ini"
lab_node p p -l 198.51.100.2:7300

# One run: fresh profiles for a and b; prints "live direct" in ms (direct
# -1 if there was none within 10 s).
one_run() {
	rm -rf "$T/a" "$T/b" "$T/a.out" "$T/b.out"
	mkdir -m 700 "$T/a" "$T/b"
	printf "${base}relays = 198.51.100.2:7300\nhole_punching = $1\n" \
	    > "$T/a/p2pchat.ini"
	printf "${base}hole_punching = $1\n" > "$T/b/p2pchat.ini"
	lab_node a a -l 10.1.0.2:7301 -c 198.51.100.2:7300
	lab_node b b -l 10.2.0.2:7302 -c 198.51.100.2:7300
	t0=$(ms)
	_i=0
	until grep -q "reachable via p" "$T/a/p2pchat.log"; do
		_i=$((_i + 1))
		[ $_i -gt 1000 ] && fail "a got no reservation on p"
		sleep 0.01
	done
	send b "/connect-via p $a_id"
	wait_quiet b "\"state\":\"online\".*\"via\":\"p\"" 10 || {
		echo "-1 -1"; kill_node a; kill_node b; return; }
	send b "/msg $a_id first"
	wait_quiet b '"event":"delivered"' 10
	live=$(($(ms) - t0))
	direct=-1
	if [ "$1" = yes ] &&
	    wait_quiet b '"event":"punch".*"result":"direct"' 10; then
		send b "/msg $a_id direct"
		wait_quiet b '"event":"delivered"' 10 2 &&
		    direct=$(($(ms) - t0))
	fi
	echo "$live $direct"
	kill_node a
	kill_node b
}

: > "$T/relayed"; : > "$T/direct"; : > "$T/live3"
fast=0
n=1
while [ $n -le "$runs" ]; do
	set -- $(one_run no)
	[ "$1" -ge 0 ] && echo "$1" >> "$T/relayed"
	set -- $(one_run yes)
	[ "$1" -ge 0 ] && [ "$1" -le 3000 ] && echo x >> "$T/live3"
	[ "$2" -ge 0 ] && echo "$2" >> "$T/direct"
	[ "$2" -ge 0 ] && [ "$2" -le 5000 ] && fast=$((fast + 1))
	n=$((n + 1))
done
echo "nat: first delivered message, relayed: $(pct "$T/relayed")"
echo "nat: first delivered message, direct after the punch: $(pct "$T/direct")"
echo "nat: pairs live within 3 s: $(wc -l < "$T/live3") of $runs (target: all)"
echo "nat: cone x cone direct within 5 s: $fast of $runs (target: 95%)"

# The relay's cost: a relayed pair, nmsg messages, then ncirc circuits.
rm -rf "$T/a" "$T/b" "$T/a.out" "$T/b.out"
mkdir -m 700 "$T/a" "$T/b"
printf "${base}relays = 198.51.100.2:7300\nhole_punching = no\n" \
    > "$T/a/p2pchat.ini"
printf "${base}hole_punching = no\n" > "$T/b/p2pchat.ini"
lab_node a a -l 10.1.0.2:7301 -c 198.51.100.2:7300
lab_node b b -l 10.2.0.2:7302 -c 198.51.100.2:7300
_i=0
until grep -q "reachable via p" "$T/a/p2pchat.log"; do
	_i=$((_i + 1))
	[ $_i -gt 1000 ] && fail "a got no reservation on p"
	sleep 0.01
done
send b "/connect-via p $a_id"
wait_for b "\"state\":\"online\".*\"via\":\"p\"" 10
c0=$(cpu "$p_pid")
msg_lines "$a_id" bench 1 "$nmsg" > "$T/lines"
cat "$T/lines" > "$T/b.in"
wait_for b '"event":"delivered"' 60 "$nmsg"
c1=$(cpu "$p_pid")
echo "nat: relay CPU per relayed message: $(( (c1 - c0) / 1000 / nmsg )) us ($nmsg messages, $(( (c1 - c0) / 1000000 )) ms in all)"
r0=$(rss "$p_pid")
i=1
while [ $i -le "$ncirc" ]; do
	mkdir -m 700 "$T/c$i"
	printf "${base}hole_punching = no\n" > "$T/c$i/p2pchat.ini"
	lab_node "c$i" "c$i" -l "198.51.100.$((20 + i)):7300" \
	    -c 198.51.100.2:7300
	wait_for p "\"nick\":\"c$i\",\"state\":\"online\"" 10
	send "c$i" "/connect-via p $a_id"
	wait_for "c$i" "\"state\":\"online\".*\"via\":\"p\"" 10
	i=$((i + 1))
done
r1=$(rss "$p_pid")
echo "nat: relay memory per circuit: $(( (r1 - r0) / ncirc )) KiB ($ncirc circuits, RSS $r0 -> $r1 KiB)"
exit 0
