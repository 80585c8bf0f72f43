#!/bin/sh
# portmap.sh: port mapping asks only a gateway on a private network, and
# says what became of it (issue 16). In network namespaces: a router R
# (LAN 10.9.0.0/24, WAN 198.51.100.1) runs miniupnpd (NAT-PMP and
# UPnP-IGD) for host A behind it; P is a host on the WAN. A asks R and
# reports the answer; with port_mapping = no it reports that; P, whose
# gateway is not on a private network, asks nobody. miniupnpd refuses to
# map on a reserved external address, and the lab may only use
# documentation and private addresses: so A's answer is a refusal, which
# must be reported with its reason while the node works on. Needs root,
# ip(8), nft(8) and miniupnpd; skipped otherwise.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

command -v miniupnpd > /dev/null ||
    skip "needs miniupnpd (Debian: miniupnpd-nftables)"
"$P2PCHAT" --list-config | grep -q '^node	port_mapping	' ||
    skip "p2pchat has no port mapping"
. "${TESTS_DIR:-$(dirname "$0")/..}/regress/nat-lib.sh"

lab_init
lab_public p 2
lab_router r 1 9
lab_host a r 9 2
ip -n "${lab}p" route add default via 198.51.100.1

cat > "$T/miniupnpd.conf" <<EOF
ext_ifname=wan
listening_ip=lan
enable_natpmp=yes
enable_upnp=yes
secure_mode=no
system_uptime=yes
uuid=3d3cec3a-8cf0-11e0-98ee-001a6bd2d07b
allow 1024-65535 10.9.0.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
EOF
ip netns exec "${lab}r" miniupnpd -f "$T/miniupnpd.conf" -d \
    > "$T/miniupnpd.log" 2>&1 &
_pids="$_pids $!"
i=0
until grep -q "Listening for NAT-PMP" "$T/miniupnpd.log"; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "miniupnpd did not start: $(cat "$T/miniupnpd.log")"
	sleep 0.05
done

# A asks R: by NAT-PMP first; R answers, refusing (no public address);
# then UPnP-IGD, which refuses too. The reason is reported, once.
mkdir -m 700 "$T/a" "$T/p" "$T/off"
printf '[node]\nlan_discovery = no\n' > "$T/a/p2pchat.ini"
cp "$T/a/p2pchat.ini" "$T/p/p2pchat.ini"
printf '[node]\nlan_discovery = no\nport_mapping = no\n' > "$T/off/p2pchat.ini"
lab_node p p -l 198.51.100.2:0
lab_node a a -l 10.9.0.2:0 -c "198.51.100.2:$p_port"
wait_for a '"event":"port_mapping","state":"failed"' 30
grep '"event":"port_mapping"' "$T/a.out" | grep -q \
    '"reason":"NAT-PMP: the gateway has no public address; UPnP-IGD: ' ||
    fail "no reason given: $(grep port_mapping "$T/a.out")"
grep -q "asking gateway 10.9.0.1 for TCP port $a_port" "$T/a/p2pchat.log" ||
    fail "A did not ask its gateway"
# A works on: it reached P through the NAT (P sees R's address), and
# writes (to P, a stranger's contact request).
wait_for p '"nick":"a","state":"online","addr":"198.51.100.1:'
send a "/msg p mapped or not"
wait_for p '"event":"request".*"text":"mapped or not"'
send a "/id"
wait_for a '"event":"id".*"port_mapping":"failed: '

# P's gateway (198.51.100.1) is not on a private network: P asks nobody.
send p "/id"
wait_for p '"event":"id".*"port_mapping":"off: the gateway is not on a private network'
[ "$(count p '"event":"port_mapping"')" -eq 0 ] || fail "P reported a mapping"

# port_mapping = no: nothing is asked.
lab_node a off -l 10.9.0.2:0 -f "$T/off/p2pchat.ini"
send off "/id"
wait_for off '"event":"id".*"port_mapping":"off: port_mapping = no"'
grep -q "asking gateway" "$T/off/p2pchat.log" && fail "off asked anyway"

stop_node off
stop_node a
stop_node p
echo "the mapping itself is not tested: miniupnpd refuses to map on a" \
    "reserved external address, and the lab uses only documentation and" \
    "private addresses"
pass
