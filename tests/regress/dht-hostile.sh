#!/bin/sh
# dht-hostile.sh: hostile DHT input. A peer of plain UDP sockets
# (dht-evil.py) sends node b malformed bencode, answers to queries b never
# sent, bad tokens, wrong signatures, stale sequence numbers, huge values,
# more items than one address may store and floods of queries from one
# address and from many. Each is ignored or refused, within its bound;
# /stats counts them; b still answers a good query, and a newcomer finds
# a's record through b afterwards. Nothing leaves 127.0.0.x.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL="$(dirname "$0")/dht-evil.py"
[ -f "$EVIL" ] || EVIL="${TESTS_DIR:-$(dirname "$0")/..}/regress/dht-evil.py"
/usr/bin/python3 -c 'import cryptography' 2>/dev/null ||
    skip "no python3 with cryptography (python3-cryptography)"

# dht_ini NAME BOOTSTRAP: a profile whose DHT joins at BOOTSTRAP.
dht_ini() {
	mkdir -m 700 "$T/$1"
	printf "[node]\nlan_discovery = no\naccept = anyone\n[dht]\n%s\n" \
	    "bootstrap = $2" > "$T/$1/p2pchat.ini"
}

# b knows nobody (port 9 does not answer); a joins the DHT at b.
dht_ini b 127.0.0.1:9
start_node b -l 127.0.0.1:0
dht_ini a "127.0.0.1:$b_port"
start_node a -l 127.0.0.1:0
wait_for a '"event":"dht_published"' 30
wait_for b '"event":"dht_published"' 30

/usr/bin/python3 "$EVIL" "127.0.0.1:$b_port" > "$T/evil.out" 2> "$T/evil.err"
grep -q '"event": "done"' "$T/evil.out" || fail "dht-evil: $(cat "$T/evil.out")"
cat "$T/evil.out"

# stat NAME: the counter NAME of b's last /stats line.
stat() {
	grep '"event":"stats"' "$T/b.out" | tail -n 1 |
	    sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p"
}
send b /stats
wait_for b '"event":"stats"' 10
for c in dht_malformed:10 dht_too_big:3 dht_unmatched:50 dht_bad_tokens:2 \
    dht_bad_sigs:1 dht_stale_seqs:1 dht_refused_full:4 \
    dht_answers_dropped:1; do
	v=$(stat "${c%:*}")
	[ -n "$v" ] || fail "no ${c%:*} in /stats"
	[ "$v" -ge "${c#*:}" ] || fail "${c%:*} is $v, not at least ${c#*:}"
done
[ "$(stat dht_items)" -le 256 ] || fail "b holds $(stat dht_items) items"

# b is unharmed: c, who joins the DHT at b after the floods, finds a's
# record (which b holds) through b, and dials a.
dht_ini c "127.0.0.1:$b_port"
start_node c -l 127.0.0.1:0
send c "/lookup $a_id"
wait_for c '"event":"lookup"' 30
line=$(grep '"event":"lookup"' "$T/c.out" | tail -n 1)
echo "$line" | grep -q '"found":1' || fail "c did not find a: $line"
echo "$line" | grep -q "\"addresses\":\"127.0.0.1:$a_port\"" ||
    fail "c found the wrong addresses: $line"
send c "/connect $a_id"
wait_for c "\"id\":\"$a_id\".*\"state\":\"online\"" 30
kill -0 "$b_pid" || fail "b died"

stop_node c
stop_node a
stop_node b
pass
