# nat-lib.sh: a NAT lab of network namespaces for the tests, sourced after
# lib.sh. An "internet" namespace holds a bridge on 198.51.100.0/24
# (documentation addresses); public hosts sit on it; a router has an
# address there and a private LAN (10.N.0.0/24) behind, with nft
# masquerade on its public side and a forward policy of drop except
# established and related. Everything the lab makes is named after the
# test's pid and removed at exit. Needs root, ip(8) and nft(8): the test
# is skipped with the reason otherwise.
#
#   lab_init                      the internet bridge
#   lab_public NAME LAST          host NAME at 198.51.100.LAST
#   lab_router NAME LAST N [random]
#                                 router NAME at 198.51.100.LAST, LAN
#                                 10.N.0.1/24; random: symmetric NAT
#   lab_stealth ROUTER            ROUTER drops, rather than refuses with a
#                                 reset, what comes to it unasked (as most
#                                 home routers do)
#   lab_router_behind NAME UP LAST N [random]
#                                 router NAME at 10.M.0.LAST on the LAN
#                                 of router UP (10.M.0.0/24, M as UP was
#                                 made with), LAN 10.N.0.1/24: double NAT
#   lab_host NAME ROUTER N LAST   host NAME at 10.N.0.LAST behind ROUTER
#   lab_node NS NAME ARGS...      a headless p2pchat NAME in namespace NS
#                                 (as start_node; profile $T/NAME)
#   lab_two_nats random|stealth   the common case: relay P public at
#                                 198.51.100.2:7300, A at 10.1.0.2:7301
#                                 behind RA (198.51.100.11), B at
#                                 10.2.0.2:7302 behind RB (198.51.100.12);
#                                 both routers symmetric (random) or cone
#                                 and dropping (stealth); A reserves on P;
#                                 returns once P has both and A its
#                                 reservation

[ "$(id -u)" -eq 0 ] || skip "needs root to make network namespaces"
command -v ip > /dev/null || skip "needs ip(8) from iproute2"
command -v nft > /dev/null || skip "needs nft(8) (Debian: nftables)"

lab=l$$
lab_ns=""

lab_cleanup() {
	for _p in $_pids; do kill -9 "$_p" 2> /dev/null; done
	wait 2> /dev/null
	for _n in $lab_ns; do ip netns del "$_n" 2> /dev/null; done
	rm -rf "$T"
}
trap lab_cleanup EXIT

# lab_netns NAME: make namespace $lab$NAME.
lab_netns() {
	ip netns add "$lab$1" 2> /dev/null || skip "cannot make a network namespace"
	lab_ns="$lab_ns $lab$1"
	ip -n "$lab$1" link set lo up
}

# lab_veth NS1 IF1 NS2 IF2: a link between two of the lab's namespaces.
lab_veth() {
	ip link add "${lab}x" type veth peer name "${lab}y" || fail "veth"
	ip link set "${lab}x" netns "$lab$1"
	ip link set "${lab}y" netns "$lab$3"
	ip -n "$lab$1" link set "${lab}x" name "$2"
	ip -n "$lab$3" link set "${lab}y" name "$4"
	ip -n "$lab$1" link set "$2" up
	ip -n "$lab$3" link set "$4" up
}

lab_init() {
	lab_netns inet
	ip -n "${lab}inet" link add br0 type bridge || fail "no bridge"
	ip -n "${lab}inet" link set br0 up
	lab_nports=0
}

# lab_attach NAME IF: plug NAME's interface IF into the internet bridge.
lab_attach() {
	lab_nports=$((lab_nports + 1))
	lab_veth "$1" "$2" inet "p$lab_nports"
	ip -n "${lab}inet" link set "p$lab_nports" master br0
}

lab_public() {
	lab_netns "$1"
	lab_attach "$1" eth0
	ip -n "$lab$1" addr add "198.51.100.$2/24" dev eth0
}

# lab_nat NAME [random]: forwarding, masquerade out of wan, and a forward
# policy of drop except established and related.
lab_nat() {
	ip netns exec "$lab$1" sysctl -qw net.ipv4.ip_forward=1
	_how=masquerade
	[ "${2:-}" = random ] && _how="masquerade random"
	printf '%s\n' 'table ip nat {' 'chain post {' \
	    'type nat hook postrouting priority 100;' \
	    "oifname \"wan\" $_how" '}' '}' \
	    'table ip filter {' 'chain through {' \
	    'type filter hook forward priority 0; policy drop;' \
	    'ct state established,related accept' \
	    'iifname "lan" accept' '}' '}' |
	    ip netns exec "$lab$1" nft -f - || fail "nft on $1"
}

lab_router() {
	lab_netns "$1"
	lab_attach "$1" wan
	ip -n "$lab$1" addr add "198.51.100.$2/24" dev wan
	lab_nat "$1" "${4:-}"
	setvar "lab_lan_$1" "$3"
}

# The lab's links have no delay (and netem may be missing), so a SYN that
# reaches a router before that router's own host has dialled out would win
# every race; a refusing router answers it with a reset, which ends the
# dial of the other side too.
lab_stealth() {
	printf '%s\n' 'table ip stealth {' 'chain in {' \
	    'type filter hook input priority 0; policy accept;' \
	    'iifname "wan" ct state established,related accept' \
	    'iifname "wan" drop' '}' '}' |
	    ip netns exec "$lab$1" nft -f - || fail "nft on $1"
}

lab_router_behind() {
	_up=$(getvar "lab_lan_$2")
	[ -n "$_up" ] || fail "lab_router_behind: $2 is not a router"
	ip -n "$lab$2" link show lan > /dev/null 2>&1 && \
	    fail "lab_router_behind: one host per router"
	lab_netns "$1"
	lab_veth "$2" lan "$1" wan
	ip -n "$lab$2" addr add "10.$_up.0.1/24" dev lan
	ip -n "$lab$1" addr add "10.$_up.0.$3/24" dev wan
	ip -n "$lab$1" route add default via "10.$_up.0.1"
	lab_nat "$1" "${5:-}"
	setvar "lab_lan_$1" "$4"
}

lab_host() {
	lab_netns "$1"
	if ! ip -n "$lab$2" link show lan > /dev/null 2>&1; then
		lab_veth "$2" lan "$1" eth0
		ip -n "$lab$2" addr add "10.$3.0.1/24" dev lan
	else
		fail "lab_host: one host per router"
	fi
	ip -n "$lab$1" addr add "10.$3.0.$4/24" dev eth0
	ip -n "$lab$1" route add default via "10.$3.0.1"
}

lab_node() {
	_ns=$1
	shift
	_wrapper=${P2PCHAT_WRAPPER:-}
	P2PCHAT_WRAPPER="ip netns exec $lab$_ns $_wrapper"
	start_node "$@"
	P2PCHAT_WRAPPER=$_wrapper
}

lab_two_nats() {
	lab_init
	lab_public p 2
	if [ "$1" = random ]; then
		lab_router ra 11 1 random
		lab_router rb 12 2 random
	else
		lab_router ra 11 1
		lab_router rb 12 2
		lab_stealth ra
		lab_stealth rb
	fi
	lab_host a ra 1 2
	lab_host b rb 2 2
	_base='[node]\npeers_target = 0\nlan_discovery = no\naccept = anyone\n'
	mkdir -m 700 "$T/p" "$T/a" "$T/b"
	printf "${_base}relay = yes\n" > "$T/p/p2pchat.ini"
	printf "${_base}relays = 198.51.100.2:7300\n" > "$T/a/p2pchat.ini"
	printf "$_base" > "$T/b/p2pchat.ini"
	lab_node p p -l 198.51.100.2:7300
	lab_node a a -l 10.1.0.2:7301 -c 198.51.100.2:7300
	lab_node b b -l 10.2.0.2:7302 -c 198.51.100.2:7300
	wait_for p '"nick":"a","state":"online","addr":"198.51.100.11:'
	wait_for p '"nick":"b","state":"online","addr":"198.51.100.12:'
	wait_reserved a p
}
