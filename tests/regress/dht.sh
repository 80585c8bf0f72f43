#!/bin/sh
# dht.sh: the Mainline DHT against an independent implementation. A swarm
# of libtorrent sessions on 127.0.0.1 is the rest of the network. alice
# puts her peer record; libtorrent reads it back with a good signature and
# her address; libtorrent puts an item under a key of its own and bob
# finds it; bob, who knows only a libtorrent node, finds alice by peer id
# with /lookup and /connect and they chat. Nothing leaves 127.0.0.1.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

SWARM="$(dirname "$0")/dht-swarm.py"
[ -f "$SWARM" ] || SWARM="${TESTS_DIR:-$(dirname "$0")/..}/regress/dht-swarm.py"
py=""
for _p in /usr/bin/python3 python3; do
	if "$_p" -c 'import libtorrent' 2>/dev/null; then
		py=$_p
		break
	fi
done
[ -n "$py" ] || skip "no python3 with libtorrent (python3-libtorrent)"

# Three libtorrent sessions on free UDP and TCP ports.

mkfifo "$T/swarm.in"
sleep 100000 > "$T/swarm.in" &
_pids="$_pids $!"
"$py" "$SWARM" -n 3 < "$T/swarm.in" > "$T/swarm.out" \
    2> "$T/swarm.err" &
_pids="$_pids $!"
wait_for swarm '"event": "started"' 100
grep -q '"event": "skip"' "$T/swarm.out" && \
    skip "libtorrent: $(cat "$T/swarm.out")"
# The rest of the DHT must be up before our nodes join it: every
# libtorrent session knows the other two.
grep '"event": "started"' "$T/swarm.out" |
    grep -q '"nodes": \[[2-9], [2-9], [2-9]\]' ||
    fail "the libtorrent sessions did not find each other: $(cat "$T/swarm.out")"
ports=$(sed -n 's/.*"ports": \[\([0-9, ]*\)\].*/\1/p' "$T/swarm.out" | tr -d ' ')
first=${ports%%,*}
last=${ports##*,}

# dht_ini NAME BOOTSTRAP [MORE]: a profile whose DHT joins at BOOTSTRAP.
dht_ini() {
	mkdir -m 700 "$T/$1"
	printf "[node]\nlan_discovery = no\naccept = anyone\n[dht]\n%s\n%s\n" \
	    "bootstrap = $2" "${3:-}" > "$T/$1/p2pchat.ini"
}

# alice publishes her record through the first libtorrent node.
dht_ini alice "127.0.0.1:$first" "read_only = no"
start_node alice -l 127.0.0.1:0
# Once on all three libtorrent nodes (a young table puts on fewer first).
wait_for alice '"event":"dht_published".*"nodes":[3-9]' 60

# libtorrent reads it back: libtorrent checks the signature itself.
printf 'get %s p2pchat/1\n' "$alice_id" > "$T/swarm.in"
wait_for swarm "\"event\": \"got\"" 60
got=$(grep '"event": "got"' "$T/swarm.out" | tail -n 1)
echo "$got" | grep -q '"found": 1' || fail "libtorrent did not find alice: $got"
want=$(printf '7f000001%04x' "$alice_port")
echo "$got" | grep -q "$want" || fail "alice's address not in $got"

# bob knows only the last libtorrent node.
dht_ini bob "127.0.0.1:$last"
start_node bob -l 127.0.0.1:0
wait_for bob '"event":"dht_published"' 30
send bob "/lookup $alice_id"
wait_for bob '"event":"lookup"' 30
line=$(grep '"event":"lookup"' "$T/bob.out" | tail -n 1)
echo "$line" | grep -q '"found":1' || fail "bob did not find alice: $line"
echo "$line" | grep -q "\"addresses\":\"127.0.0.1:$alice_port\"" || \
    fail "bob found the wrong addresses: $line"
echo "$line" | grep -Eq '"hops":[1-9]' || fail "no hops in $line"

# An item libtorrent puts under a key of its own is found by bob: a peer
# record of 127.0.0.1:4242 signed by libtorrent (its own Ed25519 code).
keys=$("$py" -c '
import os
from cryptography.hazmat.primitives.asymmetric.ed25519 import \
    Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization as s
seed = os.urandom(32)
pk = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(
    s.Encoding.Raw, s.PublicFormat.Raw)
print(seed.hex(), pk.hex())
' 2>/dev/null) || skip "python3 has no cryptography module"
lt_pk=${keys#* }
# d1:al6:<127.0.0.1:4242>e1:vi1ee
rec=$(printf '64313a616c363a7f000001%04x65313a7669316565' 4242)
printf 'put %s p2pchat/1 %s\n' "$keys" "$rec" > "$T/swarm.in"
wait_for swarm '"event": "put"' 60
grep '"event": "put"' "$T/swarm.out" | grep -q '"nodes": [1-9]' ||
    fail "libtorrent stored its item nowhere: $(cat "$T/swarm.out")"
send bob "/lookup $lt_pk"
wait_for bob "\"event\":\"lookup\".*$lt_pk" 30
line=$(grep "\"event\":\"lookup\".*$lt_pk" "$T/bob.out" | tail -n 1)
echo "$line" | grep -q '"found":1' ||
    fail "bob did not find libtorrent's item: $line"
echo "$line" | grep -q '"addresses":"127.0.0.1:4242"' ||
    fail "libtorrent's item has the wrong addresses: $line"

# /connect PEERID dials what the lookup found; they chat.
send bob "/connect $alice_id"
wait_for bob "\"id\":\"$alice_id\".*\"state\":\"online\"" 30
send bob "/msg $alice_id hello through the dht"
wait_for alice '"event":"message".*hello through the dht' 20

stop_node bob
stop_node alice
pass
