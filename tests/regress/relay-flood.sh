#!/bin/sh
# relay-flood.sh: a hostile peer tries to fill carol's relay store, with
# 20,500 RELAY_ACKs each signed by a fresh key, then with 80 fresh keys in
# turn each sending 256 RELAYs to made-up recipients and to its other keys;
# afterwards alice's sealed message to bob, offline, is still held by
# carol and reaches bob. Carol holds at most one author's worth (256) for
# the attacker's address. Prints the bytes carol stored per byte received.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"
# The attacker comes from its own /24, apart from the good peers.
EVIL_FROM=127.0.5.1
export EVIL_FROM

printf '[node]\npeers_target = 0\nlan_discovery = no\naccept = anyone\n' \
    > "$T/fixed.ini"

# Ask carol for /stats until relay_held reads $1 (a marker each time).
carol_held() {
	_j=0
	while :; do
		_n=$(count carol '"event":"stats"')
		send carol /stats
		while [ "$(count carol '"event":"stats"')" -le "$_n" ]; do
			sleep 0.05
		done
		held=$(grep '"event":"stats"' "$T/carol.out" | tail -n 1 | \
		    sed -n 's/.*"relay_held":\([0-9]*\).*/\1/p')
		[ -z "$1" ] || [ "$held" = "$1" ] && return 0
		_j=$((_j + 1))
		[ $_j -lt 100 ] || fail "carol holds $held, not $1"
		sleep 0.1
	done
}

# The bytes of carol's database and its log.
carol_disk() {
	cat "$T/carol/p2pchat.db" "$T/carol/p2pchat.db-wal" 2>/dev/null | wc -c
}

# Bob has talked to carol, and is away.
start_node carol -l 127.0.0.1:0 -f "$T/fixed.ini"
start_node bob -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$carol_port"
wait_for carol "\"id\":\"$bob_id\".*\"state\":\"online\""
stop_node bob
wait_for carol "\"id\":\"$bob_id\".*\"state\":\"offline\""

disk0=$(carol_disk)
"$EVIL" relay-acks-20500 127.0.0.1 "$carol_port" > "$T/acks.txt" 2>&1 || \
    fail "relay-acks: $(cat "$T/acks.txt")"
"$EVIL" relay-spam-80-256 127.0.0.1 "$carol_port" > "$T/spam.txt" 2>&1 || \
    fail "relay-spam: $(cat "$T/spam.txt")"
carol_held
[ "$held" -le 256 ] || fail "carol holds $held records from one address"
attack=$held
disk1=$(carol_disk)
got=$(cat "$T/acks.txt" "$T/spam.txt" | \
    awk '/^records/ { r += $2; b += $4 } END { print r, b }')
set -- $got
echo "carol got $1 records, $2 bytes; relay_held $held;" \
    "$((disk1 - disk0)) bytes more on disk (database and log)," \
    "$(awk "BEGIN { printf \"%.4f\", ($disk1 - $disk0) / $2 }")" \
    "per byte received"
if command -v sqlite3 > /dev/null; then
	# ACKs are not counted as held: count the rows, ACKs and all.
	set -- $(sqlite3 -separator ' ' "$T/carol/p2pchat.db" \
	    "SELECT count(*), coalesce(sum(length(record)), 0) FROM relay") $2
	echo "carol's relay table: $1 records, $2 bytes," \
	    "$(awk "BEGIN { printf \"%.4f\", $2 / $3 }") per byte received"
	[ "$1" -le 256 ] || fail "carol's relay table has $1 rows"
fi

# Alice writes to bob through carol, and leaves.
start_node alice -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$carol_port"
wait_for alice "\"id\":\"$carol_id\".*\"state\":\"online\""
text='"text":"sealed despite the flood"'
send alice "/msg $bob_id sealed despite the flood"
wait_for alice "\"event\":\"outgoing\".*$text"
id=$(last_outgoing_id alice)
carol_held $((attack + 1))
stop_node alice

# Bob gets it from carol; alice, back, sees it delivered.
start_node bob -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$carol_port"
wait_for bob \
    "\"event\":\"message\",\"peer\":\"$alice_id\",\"id\":\"$id\",.*$text" 30
start_node alice -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$carol_port"
wait_for alice "\"event\":\"delivered\",\"peer\":\"$bob_id\",\"id\":\"$id\"" 30
for n in alice bob carol; do
	stop_node $n
done
pass
