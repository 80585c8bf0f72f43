#!/bin/sh
# accept-emfile.sh: a node out of file descriptors stops accepting for a
# second at a time instead of spinning on accept() and filling its log, and
# accepts a good peer again once the connections are gone.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"

printf '#!/bin/sh\nulimit -n 24 || exit 1\nexec "$@"\n' > "$T/lowfd"
saved_wrapper=$P2PCHAT_WRAPPER
P2PCHAT_WRAPPER="sh $T/lowfd $P2PCHAT_WRAPPER"
start_node alice -l 127.0.0.1:0
P2PCHAT_WRAPPER=$saved_wrapper

# 40 connections from 40 loopback addresses (so no per-address limit stops
# them first), held for three seconds: alice runs out of descriptors.
out=$("$EVIL" spread-40 127.0.0.1 "$alice_port" 2>&1) || \
    fail "evil spread-40: $out"
echo "$out"
grep -q 'accept: Too many open files' "$T/alice/p2pchat.log" || \
    fail "alice never ran out of descriptors"

# Once they are gone, a good peer gets in.
start_node bob -l 127.0.0.1:0 -c "127.0.0.1:$alice_port"
wait_for alice "\"id\":\"$bob_id\".*\"state\":\"online\"" 30
n=$(grep -c 'accept' "$T/alice/p2pchat.log")
size=$(wc -c < "$T/alice/p2pchat.log")
echo "alice's log: $n accept lines, $size bytes"
[ "$n" -le 5 ] || fail "$n accept lines in alice's log"
[ "$size" -le 20000 ] || fail "alice's log grew to $size bytes"
stop_node bob
stop_node alice
pass
