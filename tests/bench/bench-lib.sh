# tests/bench/bench-lib.sh: helpers for the benchmark scripts, sourced.
#
#   bench_node NAME [ARGS...]   start a headless node with profile $B/NAME,
#                               wait for its ready event; sets NAME_port,
#                               NAME_pid, NAME_id
#   bench_stop NAME             /quit it and wait (SIGKILL after 10 s)
#
# P2PCHAT names the program and BENCH_DIR the directory of the benchmark
# programs; both default to the build directory the script is run from.

: "${P2PCHAT:=./p2pchat}"
: "${BENCH_DIR:=./tests/bench}"
B=$(mktemp -d "${TMPDIR:-/tmp}/p2pchat-bench.XXXXXX")
_bench_pids=""

bench_cleanup() {
	for _p in $_bench_pids; do
		kill -9 "$_p" 2>/dev/null
	done
	wait 2>/dev/null
	if [ -n "$KEEP_BENCH_DIR" ]; then
		echo "kept $B" >&2
	else
		rm -rf "$B"
	fi
}
trap bench_cleanup EXIT
trap 'exit 1' INT TERM

bench_setvar() {
	eval "$1=\$2"
}

bench_getvar() {
	eval "printf '%s' \"\$$1\""
}

# Start a headless node; extra arguments go to p2pchat.
bench_node() {
	_n=$1
	shift
	mkdir -p "$B/$_n"
	mkfifo "$B/$_n.in"
	# A sleeping writer keeps the fifo open: the node never sees EOF.
	sleep 100000 > "$B/$_n.in" &
	_bench_pids="$_bench_pids $!"
	bench_setvar "${_n}_holder" $!
	"$P2PCHAT" --headless -d "$B/$_n" -n "$_n" -l 127.0.0.1:0 "$@" \
	    < "$B/$_n.in" > "$B/$_n.out" 2> "$B/$_n.err" &
	bench_setvar "${_n}_pid" $!
	_bench_pids="$_bench_pids $!"
	_i=0
	while ! grep -q '"event":"ready"' "$B/$_n.out" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ] || ! kill -0 "$(bench_getvar "${_n}_pid")" \
		    2>/dev/null; then
			cat "$B/$_n.err" >&2
			echo "bench: $_n did not become ready" >&2
			exit 1
		fi
		sleep 0.05
	done
	_line=$(grep '"event":"ready"' "$B/$_n.out" | tail -n 1)
	bench_setvar "${_n}_port" "$(echo "$_line" | \
	    sed -n 's/.*"listen":"[^"]*:\([0-9]*\)".*/\1/p')"
	bench_setvar "${_n}_id" "$(echo "$_line" | \
	    sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p')"
}

# Stop a node with /quit; SIGKILL it if it takes more than 10 s.
bench_stop() {
	_pid=$(bench_getvar "${1}_pid")
	printf '/quit\n' > "$B/$1.in"
	_i=0
	while kill -0 "$_pid" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ]; then
			kill -9 "$_pid" 2>/dev/null
			break
		fi
		sleep 0.05
	done
	wait "$_pid" 2>/dev/null
	kill "$(bench_getvar "${1}_holder")" 2>/dev/null
	return 0
}
