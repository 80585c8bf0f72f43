#!/bin/sh
# net-connect.sh: two and five nodes connect and see each other online; a
# node killed and restarted on the same port is redialled by the others;
# dialling yourself is a clear error; simultaneous dials end in one session;
# a LAN announcement's peer id goes into the log as hex, never raw.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

# Two nodes.
start_node n1 -l 127.0.0.1:0
start_node n2 -l 127.0.0.1:0 -c "127.0.0.1:$n1_port"
wait_for n1 "\"event\":\"peer\",\"id\":\"$n2_id\",\"nick\":\"n2\",\"state\":\"online\""
wait_for n2 "\"event\":\"peer\",\"id\":\"$n1_id\",\"nick\":\"n1\",\"state\":\"online\",\"addr\":\"127.0.0.1:$n1_port\""
send n1 /peers
wait_for n1 '"event":"done","command":"peers"'
grep '"event":"peer","n":1' "$T/n1.out" | grep -q "\"id\":\"$n2_id\".*online" \
    || fail "/peers does not list n2 online"

# Dialling our own address is refused.
send n1 "/connect 127.0.0.1:$n1_port"
wait_for n1 '"event":"error","message":"127.0.0.1:[0-9]*: is this node.s own address|own address'

# Five nodes: each dials all the earlier ones.
start_node n3 -l 127.0.0.1:0 -c "127.0.0.1:$n1_port" -c "127.0.0.1:$n2_port"
start_node n4 -l 127.0.0.1:0 -c "127.0.0.1:$n1_port" -c "127.0.0.1:$n2_port" \
    -c "127.0.0.1:$n3_port"
start_node n5 -l 127.0.0.1:0 -c "127.0.0.1:$n1_port" -c "127.0.0.1:$n2_port" \
    -c "127.0.0.1:$n3_port" -c "127.0.0.1:$n4_port"
for n in n1 n2 n3 n4 n5; do
	for m in n1 n2 n3 n4 n5; do
		[ $n = $m ] && continue
		wait_for $n "\"event\":\"peer\",\"id\":\"$(getvar ${m}_id)\".*\"state\":\"online\""
	done
done

# Kill n1 and restart it on the same port: everyone reconnects to it.
port1=$n1_port
kill_node n1
for n in n2 n3 n4 n5; do
	wait_for $n "\"event\":\"peer\",\"id\":\"$n1_id\".*\"state\":\"offline\""
done
before=""
for n in n2 n3 n4 n5; do
	before="$before $(count $n "\"id\":\"$n1_id\".*\"state\":\"online\"")"
done
start_node n1 -l "127.0.0.1:$port1"
i=0
for n in n2 n3 n4 n5; do
	i=$((i + 1))
	b=$(echo $before | cut -d' ' -f$i)
	wait_for $n "\"event\":\"peer\",\"id\":\"$n1_id\".*\"state\":\"online\"" \
	    30 $((b + 1))
done
# n1 sees all four again (it also redials their stored addresses).
for m in n2 n3 n4 n5; do
	wait_for n1 "\"event\":\"peer\",\"id\":\"$(getvar ${m}_id)\".*\"state\":\"online\"" 30 2
done
# One session a pair: /peers on n1 lists each peer once, online. The
# barrier first: a message from n1 delivered to each of them, so every
# pair has a session that carried traffic both ways.
d=$(count n1 '"event":"delivered"')
for m in n2 n3 n4 n5; do
	send n1 "/msg $(getvar ${m}_id) barrier to $m"
	wait_for $m "\"event\":\"message\".*\"text\":\"barrier to $m\""
done
wait_for n1 '"event":"delivered"' 10 $((d + 4))
send n1 /peers
wait_for n1 '"event":"done","command":"peers"' 10 2
for m in n2 n3 n4 n5; do
	c=$(grep '"event":"peer","n":' "$T/n1.out" | tail -n 4 | \
	    grep -c "\"id\":\"$(getvar ${m}_id)\".*online")
	[ "$c" -eq 1 ] || fail "n1 lists $m $c times online"
done
# A message still flows both ways after all that.
send n2 "/msg $n1_id after restart"
wait_for n1 '"event":"message".*"text":"after restart"'
wait_for n2 '"event":"delivered"'
for n in n1 n2 n3 n4 n5; do
	stop_node $n
done

# A LAN announcement (from 127.0.0.1, which a node also listens to) whose
# peer id is terminal escapes and a newline: the log shows it as hex.
if command -v python3 > /dev/null; then
	lan_port=$(python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
	mkdir -m 700 "$T/n6"
	printf '[node]\nlan_discovery = yes\nlan_port = %s\n[log]\nlevel = debug\n' \
	    "$lan_port" > "$T/n6/p2pchat.ini"
	start_node n6 -l 127.0.0.1:0
	i=0
	while ! grep -q 'lan_read_cb: ' "$T/n6/p2pchat.log"; do
		python3 -c 'import socket, sys
id = b"\x1b]0;owned\x07\n" + b"\xff" * 21
pkt = b"P2PCHAT1" + id + (9).to_bytes(2, "big") + b"\0"
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(pkt, ("127.0.0.1", int(sys.argv[1])))' "$lan_port"
		i=$((i + 1))
		[ $i -gt 100 ] && fail "n6 did not log the LAN announcement"
		sleep 0.1
	done
	grep -q 'lan_read_cb: 1b5d303b6f776e65 at 127\.0\.0\.1:9$' \
	    "$T/n6/p2pchat.log" || fail "the LAN peer id is not logged as hex"
	grep -q "$(printf '\033')" "$T/n6/p2pchat.log" && \
	    fail "raw bytes from the LAN announcement in the log"
	stop_node n6
else
	echo "no python3: LAN announcement log case not run" >&2
fi
pass
