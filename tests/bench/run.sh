#!/bin/sh
# tests/bench/run.sh: run every benchmark and print its figures, each as
# "name: value unit (target ...)". Run from the build directory (or set
# P2PCHAT and BENCH_DIR); `make bench` builds the programs first.
#
# Sizes (smaller for a quick run):
#   BENCH_RECORDS, BENCH_RUNS             records per run, runs per mode
#   BENCH_HS_SECONDS, BENCH_HS_CONCURRENCY handshake run
#   BENCH_CONNECTIONS, BENCH_IDLE_WINDOW  idle connections
#   BENCH_MESSAGES, BENCH_TX              history size, per transaction
#   BENCH_E2E_MESSAGES, BENCH_E2E_IDLE, BENCH_E2E_SECONDS  end to end
# BENCH_FORMATION_SIZES mesh sizes ("50 150 300"); BENCH_FORMATION=no skips.
#   ATTACH_MESSAGES, FLOOD, ATTACH_RUNS   attached screens (bench-attach)
# BENCH_SHM=no skips the end-to-end run on /dev/shm (no fsync cost);
# BENCH_DHT=no the DHT lookups (sizes: BENCH_DHT_SIZES, bench-dht.sh).

: "${P2PCHAT:=./p2pchat}"
: "${BENCH_DIR:=./tests/bench}"
export P2PCHAT BENCH_DIR
here=$(dirname "$0")
tmp=${TMPDIR:-/tmp}

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[^:]*: //p' \
    /proc/cpuinfo | head -n 1), $(uname -sr)"
echo "temporary directory: $tmp ($(df -T "$tmp" | awk 'NR == 2 { print $2 }'))"
echo "started: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"

sh "$here/sessions.sh"
[ "${BENCH_DHT:-yes}" = no ] || sh "$here/bench-dht.sh"

"$BENCH_DIR/bench-history" "$tmp"

d=$(mktemp -d "$tmp/p2pchat-e2e.XXXXXX")
echo "profiles in $d"
"$BENCH_DIR/bench-e2e" "$P2PCHAT" "$d"
rm -rf "$d"
if [ "${BENCH_SHM:-yes}" != no ] && [ -d /dev/shm ]; then
	d=$(mktemp -d /dev/shm/p2pchat-e2e.XXXXXX)
	echo "again with the profiles on tmpfs ($d): no fsync cost"
	"$BENCH_DIR/bench-e2e" "$P2PCHAT" "$d"
	rm -rf "$d"
fi
if [ "$(id -u)" -eq 0 ]; then
	sh "$here/bench-nat.sh"
else
	echo "bench-nat: skipped (needs root for the NAT lab)"
fi
# Mesh formation from one bootstrap address (BENCH_FORMATION=no skips it).
if [ "${BENCH_FORMATION:-yes}" != no ]; then
	sh "$here/bench-formation.sh"
fi
# Bounded: a hang there must not hold up the others' figures.
timeout 900 sh "$here/bench-attach.sh" || \
    echo "bench-attach: failed or timed out"
echo "finished: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
