#!/bin/sh
# dht-restart.sh: the routing table is saved in the store and used at the
# next start. c joins a DHT of p2pchat nodes at b and saves its table; it
# restarts with a bootstrap node that does not answer and still joins
# (through the saved nodes) and finds a's record.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

# dht_ini NAME BOOTSTRAP: a profile whose DHT joins at BOOTSTRAP.
dht_ini() {
	mkdir -p -m 700 "$T/$1"
	printf "[node]\nlan_discovery = no\naccept = anyone\n[dht]\n%s\n" \
	    "bootstrap = $2" > "$T/$1/p2pchat.ini"
}

# stats_wait NAME REGEX: ask NAME for /stats until a stats line matches.
stats_wait() {
	_s=0
	until tail -n 1 "$T/$1.out" | grep -Eq "\"event\":\"stats\".*$2"; do
		_s=$((_s + 1))
		[ $_s -gt 100 ] && fail "$1: no stats matching /$2/"
		_n=$(($(count "$1" '"event":"stats"') + 1))
		send "$1" /stats
		wait_for "$1" '"event":"stats"' 5 $_n
		tail -n 1 "$T/$1.out" | grep -Eq "\"event\":\"stats\".*$2" ||
		    sleep 0.2
	done
}

# Port 9 (discard) on 127.0.0.1: nothing answers there.
dht_ini b 127.0.0.1:9
start_node b -l 127.0.0.1:0
dht_ini a "127.0.0.1:$b_port"
start_node a -l 127.0.0.1:0
dht_ini c "127.0.0.1:$b_port"
start_node c -l 127.0.0.1:0
wait_for a '"event":"dht_published"' 30
wait_for c '"event":"dht_published"' 30
stats_wait c '"dht_saved":[2-9]'
stop_node c

# c starts again knowing no bootstrap node that answers.
dht_ini c 127.0.0.1:9
pub_c=$(($(count c '"event":"dht_published"') + 1))
start_node c -l 127.0.0.1:0
wait_for c '"event":"dht_published"' 30 $pub_c
send c "/lookup $a_id"
wait_for c '"event":"lookup"' 30
line=$(grep '"event":"lookup"' "$T/c.out" | tail -n 1)
echo "$line" | grep -q '"found":1' || fail "c did not find a: $line"
echo "$line" | grep -q "\"addresses\":\"127.0.0.1:$a_port\"" ||
    fail "c found the wrong addresses: $line"

stop_node c
stop_node a
stop_node b
pass
