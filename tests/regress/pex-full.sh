#!/bin/sh
# pex-full.sh: a node leaves peers it believes full out of its PEX answers.
# F is full at one session (peers_full = 1). X dials F and four others, so
# F's HELLO tells X it is full: Y, asking X, learns the four and not F,
# also after F changed its nick (a later HELLO carries the features too).
# Z dials F too and is refused (BYE 3): Z, asked by W, names the four it
# dialled and not F, whose address it reached moments ago.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

# ini NAME [LINES]: a profile that dials nothing from its book.
ini() {
	mkdir -m 700 "$T/$1"
	printf '[node]\nlan_discovery = no\naccept = anyone\n%s\n%s\n' \
	    'peers_target = 0' "$2" > "$T/$1/p2pchat.ini"
	printf '[dht]\nenable = no\n' >> "$T/$1/p2pchat.ini"
}

# stat NODE NAME: a counter from a fresh /stats.
stat() {
	_b=$(count "$1" '"event":"stats"')
	send "$1" /stats
	wait_for "$1" '"event":"stats"' 10 $((_b + 1))
	grep '"event":"stats"' "$T/$1.out" | tail -n 1 | \
	    sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}

# book NODE: the ports of 127.0.0.1 in its address book, one a line.
book() {
	_b=$(count "$1" '"event":"done","command":"addresses"')
	send "$1" /addresses
	wait_for "$1" '"event":"done","command":"addresses"' 10 $((_b + 1))
	awk '/"event":"done","command":"addresses"/ {
		last = cur; cur = ""; next
	    }
	    /"event":"address"/ { cur = cur $0 "\n" }
	    END { printf "%s", last }' "$T/$1.out" | \
	    sed -n 's/.*"addr":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' | sort -u
}

# learned NODE PORT...: wait until its book holds every PORT.
learned() {
	_n=$1
	shift
	_i=0
	while :; do
		book $_n > "$T/$_n.book"
		_miss=""
		for _p in "$@"; do
			grep -q -x "$_p" "$T/$_n.book" || _miss="$_miss $_p"
		done
		[ -z "$_miss" ] && return 0
		_i=$((_i + 1))
		[ $_i -gt 100 ] && fail "$_n never learned$_miss"
		sleep 0.1
	done
}

ini f "peers_full = 1"
start_node f -l 127.0.0.1:0
for g in g1 g2 g3 g4; do
	ini $g
	start_node $g -l 127.0.0.1:0
done
G="$g1_port $g2_port $g3_port $g4_port"

# X dials all five: F is full once X is in, and its HELLO says so.
ini x
start_node x -l 127.0.0.1:0 -c 127.0.0.1:$f_port -c 127.0.0.1:$g1_port \
    -c 127.0.0.1:$g2_port -c 127.0.0.1:$g3_port -c 127.0.0.1:$g4_port
for n in f g1 g2 g3 g4; do
	wait_for x "\"id\":\"$(getvar ${n}_id)\".*\"state\":\"online\""
done
ini y
start_node y -l 127.0.0.1:0 -c 127.0.0.1:$x_port
learned y $G
grep -q -x "$f_port" "$T/y.book" && \
    fail "x named f, which said it is full, to y"

# A new nick goes out in a HELLO that keeps the full bit.
send f "/nick f2"
wait_for x "\"event\":\"peer\",\"id\":\"$f_id\",\"nick\":\"f2\""
ini y2
start_node y2 -l 127.0.0.1:0 -c 127.0.0.1:$x_port
learned y2 $G
grep -q -x "$f_port" "$T/y2.book" && \
    fail "x named f to y2 once f changed its nick"

# Z is refused by F, and leaves it out of its answers for a while.
ini z
start_node z -l 127.0.0.1:0 -c 127.0.0.1:$f_port -c 127.0.0.1:$g1_port \
    -c 127.0.0.1:$g2_port -c 127.0.0.1:$g3_port -c 127.0.0.1:$g4_port
i=0
while [ "$(stat z refused_received)" -lt 1 ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "f never refused z"
	sleep 0.1
done
[ "$(stat f refused_sent)" -ge 1 ] || fail "f did not count its refusal"
for n in g1 g2 g3 g4; do
	wait_for z "\"id\":\"$(getvar ${n}_id)\".*\"state\":\"online\""
done
ini w
start_node w -l 127.0.0.1:0 -c 127.0.0.1:$z_port
learned w $G
grep -q -x "$f_port" "$T/w.book" && \
    fail "z named f, which refused it, to w"
pass
