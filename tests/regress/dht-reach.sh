#!/bin/sh
# dht-reach.sh: peers found by id on a DHT of p2pchat nodes, with no -c
# at all: every node knows only m1 as its DHT bootstrap. Pairs reach each
# other by /connect PEERID (the time is printed); a contact restarted on
# another port is found again by id once its old address fails; a direct
# message to a contact that is not connected makes the node look it up
# and dial it, and it is delivered on that direct session. 30 nodes, 10
# with P2PCHAT_SCALE=small.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

n=30
if [ "${P2PCHAT_SCALE:-}" = small ]; then
	n=10
	echo "P2PCHAT_SCALE=small: $n nodes"
fi

# dht_ini NAME BOOTSTRAP [MORE]: a profile whose DHT joins at BOOTSTRAP.
dht_ini() {
	mkdir -p -m 700 "$T/$1"
	printf "[node]\nlan_discovery = no\naccept = anyone\n%s\n[dht]\n%s\n" \
	    "${3:-}" "bootstrap = $2" > "$T/$1/p2pchat.ini"
}

# Port 9 (discard) on 127.0.0.1: nothing answers there.
dht_ini m1 127.0.0.1:9
start_node m1 -l 127.0.0.1:0
i=2
while [ $i -le $n ]; do
	dht_ini m$i "127.0.0.1:$m1_port"
	start_node m$i -l 127.0.0.1:0
	i=$((i + 1))
done
# Every record on 5 nodes or more (8 in time): the DHT has formed.
i=1
while [ $i -le $n ]; do
	wait_for m$i '"event":"dht_published".*"nodes":[5-8]' 60
	i=$((i + 1))
done

# A swarm of honest nodes refuses no put or announce for its token.
i=1
while [ $i -le $n ]; do
	send m$i /stats
	wait_for m$i '"event":"stats"' 10
	grep '"event":"stats"' "$T/m$i.out" | grep -q '"dht_bad_tokens":0,' ||
	    fail "m$i refused puts for a bad token: $(grep '"event":"stats"' \
	    "$T/m$i.out")"
	i=$((i + 1))
done

# The first n - 4 nodes in pairs: m(i) dials m(i + half) by peer id.
half=$(((n - 4) / 2))
t0=$(date +%s%N)
i=1
while [ $i -le $half ]; do
	send m$i "/connect $(getvar m$((i + half))_id)"
	i=$((i + 1))
done
i=1
while [ $i -le $half ]; do
	wait_for m$i "\"id\":\"$(getvar m$((i + half))_id)\".*\"state\":\"online\"" 60
	i=$((i + 1))
done
t1=$(date +%s%N)
echo "$half sessions by /connect PEERID among $n nodes:" \
    "$(((t1 - t0) / 1000000)) ms for all"

# A contact moves: b restarts on another port (dialling nobody itself);
# a's dials of the old address fail and a finds b by id again.
a=m$((n - 3))
b=m$((n - 2))
b_id=$(getvar ${b}_id)
send $a "/connect $b_id"
wait_for $a "\"id\":\"$b_id\".*\"state\":\"online\"" 30
stop_node $b
dht_ini $b "127.0.0.1:$m1_port" "peers_target = 0"
start_node $b -l 127.0.0.1:0
wait_for $a "\"id\":\"$b_id\".*\"state\":\"online\"" 60 2

# A direct message to a contact that is not connected: both restart, d
# on another port; c looks d up, dials it and the message goes directly.
c=m$((n - 1))
d=m$n
d_id=$(getvar ${d}_id)
send $c "/connect $d_id"
wait_for $c "\"id\":\"$d_id\".*\"state\":\"online\"" 30
send $c "/msg $d_id before"
wait_for $d '"event":"message".*before' 20
stop_node $c
stop_node $d
dht_ini $d "127.0.0.1:$m1_port" "peers_target = 0"
pub_d=$(($(count $d '"event":"dht_published"') + 1))
start_node $d -l 127.0.0.1:0
wait_for $d '"event":"dht_published"' 30 $pub_d
dht_ini $c "127.0.0.1:$m1_port" "peers_target = 0"
pub_c=$(($(count $c '"event":"dht_published"') + 1))
start_node $c -l 127.0.0.1:0
wait_for $c '"event":"dht_published"' 30 $pub_c
send $c "/msg $d_id after the restart"
wait_for $c "\"id\":\"$d_id\".*\"state\":\"online\"" 30 2
wait_for $d '"event":"message".*after the restart' 30
pass
