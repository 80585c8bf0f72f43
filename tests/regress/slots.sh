#!/bin/sh
# slots.sh: issue 14, slot exhaustion. Hundreds of new peers from one
# address, or from one /24, fill every session a node allows; so do
# handshakes that never send HELLO. A good peer that connects still gets
# in (the node closes a session worth less) and chats, and the per-address
# and per-network limits hold.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"

# node NAME [KEY=VALUE ...]: start a node with max_peers 8 and the keys.
node() {
	_n=$1
	shift
	mkdir -m 700 "$T/$_n"
	printf '[node]\nlan_discovery = no\naccept = anyone\nmax_peers = 8\n' \
	    > "$T/$_n/p2pchat.ini"
	for _kv in "$@"; do
		echo "$_kv" | sed 's/=/ = /' >> "$T/$_n/p2pchat.ini"
	done
	start_node "$_n" -l 127.0.0.1:0
}

# evil NAME MODE NODE: run the evil peer against NODE until evil_end NAME.
evil() {
	mkfifo "$T/$1.in"
	sleep 100000 > "$T/$1.in" &
	_pids="$_pids $!"
	setvar "${1}_holder" $!
	"$EVIL" "$2" 127.0.0.1 "$(getvar "${3}_port")" < "$T/$1.in" \
	    > "$T/$1.out" 2>&1 &
	setvar "${1}_pid" $!
	_pids="$_pids $!"
}

# evil_end NAME: close its standard input and wait for its last line.
evil_end() {
	kill "$(getvar "${1}_holder")"
	wait "$(getvar "${1}_pid")" || fail "$1 failed: $(cat "$T/$1.out")"
}

# expect NAME TEXT: the evil peer NAME said exactly TEXT on a line.
expect() {
	grep -q -x "$2" "$T/$1.out" || \
	    fail "$1: wanted \"$2\": $(cat "$T/$1.out")"
}

# chat_to NODE: bob sends NODE a message and NODE stores it.
chat_to() {
	send bob "/msg $1 hello $1"
	wait_for "$1" \
	    "\"event\":\"message\",\"peer\":\"$bob_id\".*\"text\":\"hello $1\""
}

# 300 new peers from one address fill alice's 8 sessions; bob gets in.
node alice
evil sy1 sybil-300:127.0.9.1 alice
wait_for sy1 '^admitted' 60
expect sy1 "admitted 8 of 300"
start_node bob -l 127.0.0.1:0 -c "127.0.0.1:$alice_port"
wait_for alice "\"id\":\"$bob_id\".*\"state\":\"online\"" 10
# 300 more while bob is connected: none gets in, bob stays.
evil sy2 sybil-300:127.0.9.1 alice
wait_for sy2 '^admitted' 60
expect sy2 "admitted 0 of 300"
chat_to alice
[ "$(count alice "\"id\":\"$bob_id\".*\"state\":\"offline\"")" -eq 0 ] || \
    fail "bob was pushed out of alice"
evil_end sy1
evil_end sy2
expect sy1 "held 7"
expect sy2 "held 0"

# The same from 300 addresses of one /24.
node carol
evil sy3 sybil-net-300:127.0.8.1 carol
wait_for sy3 '^admitted' 60
expect sy3 "admitted 8 of 300"
send bob "/connect 127.0.0.1:$carol_port"
wait_for carol "\"id\":\"$bob_id\".*\"state\":\"online\"" 10
chat_to carol
evil_end sy3
expect sy3 "held 7"

# The limits: 3 sessions from one address, 5 from one /24.
node dave max_peers=16 max_peers_per_address=3 max_peers_per_network=5
evil sy4 sybil-20:127.0.7.1 dave
wait_for sy4 '^admitted' 30
expect sy4 "admitted 3 of 20"
evil sy5 sybil-net-20:127.0.6.1 dave
wait_for sy5 '^admitted' 30
expect sy5 "admitted 5 of 20"
evil_end sy4
evil_end sy5

# Peers of equal worth do not push each other out: 8 strangers, each from
# its own network, keep their sessions while 8 more like them try.
node frank
evil sy6 sybil-wide-8:127.1.0.1 frank
wait_for sy6 '^admitted' 30
expect sy6 "admitted 8 of 8"
evil sy7 sybil-wide-8:127.2.0.1 frank
wait_for sy7 '^admitted' 30
expect sy7 "admitted 0 of 8"
evil_end sy6
evil_end sy7
expect sy6 "held 8"

# 200 handshakes that never send HELLO, renewed as the node closes them.
node erin
evil nh nohello-200:127.0.5.1 erin
wait_for nh '^stalled' 60
send bob "/connect 127.0.0.1:$erin_port"
wait_for erin "\"id\":\"$bob_id\".*\"state\":\"online\"" 8
chat_to erin
evil_end nh
[ "$(count erin "\"id\":\"$bob_id\".*\"state\":\"offline\"")" -eq 0 ] || \
    fail "bob was pushed out of erin"

stop_node bob
stop_node alice
stop_node carol
stop_node dave
stop_node erin
stop_node frank
pass
