#!/bin/sh
# tests/bench/sessions.sh: issue 3 benchmarks: records over one loopback
# session (encrypted and plain), Noise handshakes per second against a
# real node, and memory per idle authenticated connection.
#
# Sizes: BENCH_RECORDS, BENCH_HS_SECONDS, BENCH_HS_CONCURRENCY,
# BENCH_CONNECTIONS, BENCH_IDLE_WINDOW (see each program).

: "${P2PCHAT:=./p2pchat}"
: "${BENCH_DIR:=./tests/bench}"
export P2PCHAT
TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_DIR/lib.sh"

: "${BENCH_CONNECTIONS:=10000}"
export BENCH_CONNECTIONS

# Limits high enough for the handshake and idle benchmarks.
cat > "$T/bench.ini" <<EOF
[node]
max_peers = 20000
max_handshakes = 10000
max_per_address = 10000
lan_discovery = no
peers_target = 0
[log]
level = warn
EOF

"$BENCH_DIR/bench-records" || exit 1

start_node hs -l 127.0.0.1:0 -f "$T/bench.ini"
echo "node: pid $hs_pid, 127.0.0.1:$hs_port"
"$BENCH_DIR/bench-handshake" "127.0.0.1:$hs_port" "$hs_pid"
stop_node hs

# Both the node and the bench need a descriptor per connection.
_need=$((BENCH_CONNECTIONS + 256))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$_need" ]; then
	ulimit -n "$_need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
fi
echo "open file limit: $(ulimit -n)"
start_node idle -l 127.0.0.1:0 -f "$T/bench.ini"
"$BENCH_DIR/bench-idle" "127.0.0.1:$idle_port" "$idle_pid"
echo "node peer events (online): $(grep -c '"state":"online"' "$T/idle.out")"
stop_node idle
