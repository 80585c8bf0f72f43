# tests/lib.sh: helpers for the regress tests, sourced by each test.
#
# Each test gets a private temporary directory (profiles, fifos, outputs)
# that is removed on exit, and every node it started is stopped.
#
#   start_node NAME [ARGS...]   start a headless node with profile
#                               $T/NAME, wait for its ready event; sets
#                               NAME_port, NAME_id, NAME_pid
#   start_pair A B              A, then B dialling A; wait for B online
#   start_mesh N INI            m1..mN, each dialling m1
#   send NAME COMMAND           write one command line to its stdin
#   msg_lines TO TEXT FIRST LAST [AFTER]  numbered /msg lines
#   wait_for NAME REGEX [SECS]  wait until a line of its output matches
#   count NAME REGEX            how many output lines match
#   stop_node NAME              /quit and wait for it to exit
#   kill_node NAME              SIGKILL it
#   pass / fail MSG / skip MSG  end the test

: "${P2PCHAT:?P2PCHAT must name the p2pchat binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/p2pchat-test.XXXXXX")
TEST_NAME=$(basename "$0" .sh)
_pids=""

cleanup() {
	for _p in $_pids; do
		kill -9 "$_p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "$KEEP_TEST_DIR" ]; then
		echo "kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() {
	echo "PASS: $TEST_NAME"
	exit 0
}

fail() {
	echo "FAIL: $TEST_NAME: $*" >&2
	for _f in "$T"/*.out; do
		[ -f "$_f" ] || continue
		echo "--- $_f (last 15 lines)" >&2
		tail -n 15 "$_f" >&2
	done
	for _f in "$T"/*.err; do
		[ -s "$_f" ] || continue
		echo "--- $_f (first 30 lines)" >&2
		head -n 30 "$_f" >&2
	done
	for _f in "$T"/*/p2pchat.log; do
		[ -f "$_f" ] || continue
		echo "--- $_f (last 10 lines)" >&2
		tail -n 10 "$_f" >&2
	done
	exit 1
}

skip() {
	echo "SKIP: $TEST_NAME: $*" >&2
	exit 77
}

# Set variable $1 to the value $2.
setvar() {
	eval "$1=\$2"
}

# The value of variable $1.
getvar() {
	eval "printf '%s' \"\$$1\""
}

# Extract a string member from one JSON line: json_get KEY < line
json_get() {
	json_get_all "$1" | head -n 1
}

# Extract a string member from each JSON line.
json_get_all() {
	sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"
}

# Start a headless node; extra arguments go to p2pchat.
# launch_node NAME ARGS...: start node NAME (profile $T/NAME, commands
# through the fifo $T/NAME.in, events in $T/NAME.out) without waiting for
# it to be ready, for tests that start many at once.
launch_node() {
	_n=$1
	shift
	# Tests never announce on a LAN unless they ask to. They take
	# messages from anyone unless they test contact requests (contact.sh
	# and the tests that write their own p2pchat.ini).
	if [ ! -e "$T/$_n" ]; then
		mkdir -m 700 "$T/$_n"
		printf '[node]\nlan_discovery = no\naccept = anyone\n' \
		    > "$T/$_n/p2pchat.ini"
	fi
	[ -p "$T/$_n.in" ] || mkfifo "$T/$_n.in"
	# A sleeping writer keeps the fifo open, so the node never sees EOF.
	sleep 100000 > "$T/$_n.in" &
	_pids="$_pids $!"
	setvar "${_n}_holder" $!
	$P2PCHAT_WRAPPER "$P2PCHAT" --headless -d "$T/$_n" -n "$_n" "$@" \
	    < "$T/$_n.in" >> "$T/$_n.out" 2>> "$T/$_n.err" &
	setvar "${_n}_pid" $!
	_pids="$_pids $!"
}

start_node() {
	_before=$(count "$1" '"event":"ready"')
	launch_node "$@"
	_i=0
	while [ "$(count "$_n" '"event":"ready"')" -le "$_before" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ] || ! kill -0 "$(getvar "${_n}_pid")" \
		    2>/dev/null; then
			cat "$T/$_n.err" >&2
			fail "$_n did not become ready"
		fi
		sleep 0.05
	done
	_line=$(grep '"event":"ready"' "$T/$_n.out" | tail -n 1)
	setvar "${_n}_id" "$(echo "$_line" | json_get id)"
	setvar "${_n}_port" "$(echo "$_line" | json_get listen | \
	    sed 's/.*://')"
}

send() {
	printf '%s\n' "$2" > "$T/$1.in"
}

count() {
	if [ -f "$T/$1.out" ]; then
		grep -c -E -- "$2" "$T/$1.out"
	else
		echo 0
	fi
}

# wait_stat NAME PATTERN [SECS]: ask node NAME for /stats until a stats
# line matches PATTERN (a counter that rises when something arrives; one
# /stats alone could be answered before it did), for SECS (20) at most.
wait_stat() {
	_end=$(( $(date +%s) + ${3:-20} ))
	while :; do
		_n=$(count "$1" '"event":"stats"')
		send "$1" /stats
		wait_for "$1" '"event":"stats"' 20 $((_n + 1))
		grep -E -- '"event":"stats"' "$T/$1.out" | tail -n 1 |
		    grep -q -E -- "$2" && return 0
		[ "$(date +%s)" -lt "$_end" ] ||
		    fail "$1: no /stats matched /$2/ in ${3:-20} s"
		sleep 0.1
	done
}

# wait_reserved NAME RELAY: wait until node NAME holds a circuit
# reservation on the relay it calls RELAY (its log says so).
wait_reserved() {
	_i=0
	until grep -q "reachable via $2" "$T/$1/p2pchat.log" 2> /dev/null; do
		_i=$((_i + 1))
		[ $_i -gt 200 ] && fail "$1 got no reservation on $2"
		sleep 0.05
	done
}

# Wait until the output of node $1 has at least ${4:-1} lines matching $2.
wait_for() {
	_secs=${3:-20}
	_want=${4:-1}
	_i=0
	while [ "$(count "$1" "$2")" -lt "$_want" ]; do
		_i=$((_i + 1))
		[ $_i -gt $((_secs * 20)) ] && \
		    fail "$1: timed out waiting for $_want x /$2/"
		sleep 0.05
	done
}

# Stop a node with /quit and wait for it to exit.
stop_node() {
	_pid=$(getvar "${1}_pid")
	send "$1" /quit
	_i=0
	while kill -0 "$_pid" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt 400 ] && fail "$1 did not exit after /quit"
		sleep 0.05
	done
	wait "$_pid"
	_rc=$?
	kill "$(getvar "${1}_holder")" 2>/dev/null
	[ $_rc -eq 0 ] || fail "$1 exited with status $_rc after /quit"
	if grep -q "Sanitizer" "$T/$1.err" 2>/dev/null; then
		fail "$1: sanitizer report: $(head -n 30 "$T/$1.err")"
	fi
	return 0
}

# Kill a node with SIGKILL.
kill_node() {
	_pid=$(getvar "${1}_pid")
	kill -9 "$_pid" 2>/dev/null
	wait "$_pid" 2>/dev/null
	kill "$(getvar "${1}_holder")" 2>/dev/null
	return 0
}

# start_pair A B: node A, node B dialling it; wait until A has B online.
start_pair() {
	start_node "$1" -l 127.0.0.1:0
	start_node "$2" -l 127.0.0.1:0 -c "127.0.0.1:$(getvar "${1}_port")"
	wait_for "$1" "\"id\":\"$(getvar "${2}_id")\".*\"state\":\"online\""
}

# start_mesh N INI: nodes m1 to mN with config INI, m2 to mN given only
# m1's address (peer exchange does the rest).
start_mesh() {
	start_node m1 -l 127.0.0.1:0 -f "$2"
	_m=2
	while [ $_m -le "$1" ]; do
		start_node m$_m -l 127.0.0.1:0 -f "$2" -c "127.0.0.1:$m1_port"
		_m=$((_m + 1))
	done
}

# msg_lines TO TEXT FIRST LAST [AFTER]: the commands "/msg TO TEXT iAFTER"
# for i from FIRST to LAST, one a line.
msg_lines() {
	_i=$3
	while [ "$_i" -le "$4" ]; do
		echo "/msg $1 $2 $_i$5"
		_i=$((_i + 1))
	done
}

# peer_line NODE ID: NODE's last /peers line for the peer ID.
peer_line() {
	_before=$(count "$1" '"event":"done","command":"peers"')
	send "$1" "/peers"
	wait_for "$1" '"event":"done","command":"peers"' 20 $((_before + 1))
	grep "\"event\":\"peer\",\"n\":[0-9]*,\"id\":\"$2\"" "$T/$1.out" |
	    tail -n 1
}

# The id of the last outgoing message of node $1.
last_outgoing_id() {
	grep '"event":"outgoing"' "$T/$1.out" | tail -n 1 | json_get id
}
