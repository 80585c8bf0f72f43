#!/bin/sh
# full-dial.sh: a dial of the node's own that opens once the node is full
# is closed by the node itself with BYE 3 (peers_full bounds the node's own
# dials from the book too). A (peers_full = 2) learns B from C by PEX and
# dials it while B is stopped; E dials A and fills it; B goes on, and A
# closes its dial to B: two sessions, one own dial closed, no failure.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

# ini NAME [LINES]: a profile of its own.
ini() {
	mkdir -m 700 "$T/$1"
	printf '[node]\nlan_discovery = no\naccept = anyone\n%s\n%s\n' \
	    'pex_interval = 60' "$2" > "$T/$1/p2pchat.ini"
	printf '[dht]\nenable = no\n' >> "$T/$1/p2pchat.ini"
}

# stat NODE NAME: a counter from a fresh /stats (-1 if it has none).
stat() {
	_b=$(count "$1" '"event":"stats"')
	send "$1" /stats
	wait_for "$1" '"event":"stats"' 10 $((_b + 1))
	_v=$(grep '"event":"stats"' "$T/$1.out" | tail -n 1 | \
	    sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p")
	echo "${_v:--1}"
}

# until_stat NODE NAME VALUE WHAT: wait until the counter is at least VALUE.
until_stat() {
	_i=0
	while [ "$(stat "$1" "$2")" -lt "$3" ]; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && fail "$4 ($1 $2 $(stat "$1" "$2"))"
		sleep 0.1
	done
}

ini b "peers_target = 0"
start_node b -l 127.0.0.1:0
ini c "peers_target = 0"
start_node c -l 127.0.0.1:0 -c 127.0.0.1:$b_port
wait_for c "\"id\":\"$b_id\".*\"state\":\"online\""

# B stops: a dial to it connects (the kernel's backlog) and waits there.
kill -STOP "$b_pid"
ini a "peers_full = 2"
start_node a -l 127.0.0.1:0 -c 127.0.0.1:$c_port
wait_for a "\"id\":\"$c_id\".*\"state\":\"online\""
until_stat a book_dials 1 "a never dialled b from its book"
[ "$(stat a dials_in_flight)" -eq 1 ] || \
    { kill -CONT "$b_pid"; fail "a has no dial in flight to b"; }

ini e "peers_target = 0"
start_node e -l 127.0.0.1:0 -c 127.0.0.1:$a_port
wait_for a "\"id\":\"$e_id\".*\"state\":\"online\""
kill -CONT "$b_pid"
until_stat a refused_own 1 "a kept its own dial to b, full"
[ "$(stat a sessions)" -eq 2 ] || fail "a has $(stat a sessions) sessions"
grep -q '"event":"peer","id":"'"$b_id"'".*"state":"online"' "$T/a.out" && \
    fail "b was online at a"
# Not the address's fault: no failure counted in the book.
send a /addresses
wait_for a '"event":"done","command":"addresses"'
line=$(grep '"event":"address","addr":"127.0.0.1:'"$b_port"'"' "$T/a.out")
echo "$line" | grep -q '"failures":0' || fail "b's address in a's book: $line"
pass
