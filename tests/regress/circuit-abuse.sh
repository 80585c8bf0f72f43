#!/bin/sh
# circuit-abuse.sh: hostile peers against a relay. A circuit to a peer
# without a reservation, the 17th circuit at once, a circuit past its byte
# limit, a fifth reservation from one peer and a ninth from one address
# are each refused; the relay answers on, and a relayed session between
# two good peers stays up and carries messages throughout.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "no evil peer at $EVIL"

# evil NAME MODE: run the hostile peer against r until evil_end NAME.
evil() {
	mkfifo "$T/$1.in"
	sleep 100000 > "$T/$1.in" &
	_pids="$_pids $!"
	setvar "${1}_holder" $!
	"$EVIL" "$2" 127.0.0.1 "$r_port" < "$T/$1.in" > "$T/$1.out" 2>&1 &
	setvar "${1}_pid" $!
	_pids="$_pids $!"
}

# evil_end NAME: close its standard input and wait for it to exit.
evil_end() {
	kill "$(getvar "${1}_holder")"
	wait "$(getvar "${1}_pid")" || fail "$1 failed: $(cat "$T/$1.out")"
}

# expect NAME LINE: the hostile peer printed LINE.
expect() {
	grep -qx "$2" "$T/$1.out" || fail "$1: no \"$2\" in: $(cat "$T/$1.out")"
}

# stats_wait REGEX: ask r for /stats until a stats line matches.
stats_wait() {
	_s=0
	until tail -n 1 "$T/r.out" | grep -q "\"event\":\"stats\".*$1"; do
		_s=$((_s + 1))
		[ $_s -gt 100 ] && fail "r: no stats matching /$1/"
		_n=$(($(count r '"event":"stats"') + 1))
		send r /stats
		wait_for r '"event":"stats"' 5 $_n
	done
}

base='[node]\npeers_target = 0\nlan_discovery = no\naccept = anyone\n'
printf "$base" > "$T/fixed.ini"
# Circuits per peer are not the limit under test here: the evil target
# is an end of every circuit.
printf "${base}relay = yes\nrelay_circuits_per_peer = 64\n" > "$T/relay.ini"

start_node r -l 127.0.0.1:0 -f "$T/relay.ini"
start_node a -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$r_port"
start_node b -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$r_port"
stats_wait '"circuit_reservations":2,'
send b "/connect-via r $a_id"
wait_for b "\"id\":\"$a_id\".*\"state\":\"online\".*\"via\":\"r\""

# A circuit to a peer that holds no reservation.
evil nr circuit-open-1-0:$(printf '%064d' 7)
wait_for nr '^circuit 1 '
expect nr "circuit 1 2"
evil_end nr

# A target that takes every circuit; 15 more circuits fill the relay's 16,
# the 17th is refused, and the first is closed past 128 KiB.
evil tg circuit-target
wait_for tg '^reserved 0$'
tg_id=$(sed -n 's/^id //p' "$T/tg.out")
evil ev circuit-open-16-200000:$tg_id
wait_for ev '^closed ' 30
i=1
while [ $i -le 15 ]; do
	expect ev "circuit $i 0"
	i=$((i + 1))
done
expect ev "circuit 16 3"
expect ev "closed 7"
wait_for tg '^closed 7$'

# The good peers' circuit is still up.
send b "/msg $a_id still here after the flood"
wait_for a "\"event\":\"message\",\"peer\":\"$b_id\".*\"text\":\"still here after the flood\""
evil_end ev
evil_end tg

# Reservations: the fifth from one peer, and the ninth from one address
# (a and b hold two of the eight), are refused.
stats_wait '"circuit_reservations":2,"circuit_splices":1,'
evil rp circuit-reserve-5
wait_for rp '^reserve 5 '
for i in 1 2 3 4; do
	expect rp "reserve $i 0"
done
expect rp "reserve 5 4"
evil_end rp
stats_wait '"circuit_reservations":2,'
evil rm circuit-reserve-many-7
wait_for rm '^reserve 7 ' 30
for i in 1 2 3 4 5 6; do
	expect rm "reserve $i 0"
done
expect rm "reserve 7 5"
evil_end rm

# The relay is unharmed and the relayed session carries on.
send a "/msg $b_id and still here"
wait_for b "\"event\":\"message\",\"peer\":\"$a_id\".*\"text\":\"and still here\""
stats_wait '"circuit_splices":1,'
kill -0 "$r_pid" || fail "r died"
for n in a b r; do
	stop_node $n
done
pass
