#!/bin/sh
# dialback.sh: the rules of DIALBACK, on 127.0.0.1. Two nodes dial each
# other back and say "public"; a peer that asks for a dial-back to an
# address not its own is refused, one that asks too often is told busy,
# malformed records end the session, and the node serves on.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"

start_pair alice bob
wait_for bob "\"id\":\"$alice_id\".*\"state\":\"online\""
grep -q '"event":"ready".*"reach":"unknown"' "$T/alice.out" || \
    fail "the ready event has no reach key"
wait_for alice "\"event\":\"reach\",\"reach\":\"public 127.0.0.1:$alice_port\""
wait_for bob "\"event\":\"reach\",\"reach\":\"public 127.0.0.1:$bob_port\""

for mode in dialback-other dialback-many dialback-port0 proof-first; do
	out=$("$EVIL" $mode 127.0.0.1 "$alice_port" 2>&1)
	rc=$?
	echo "$mode: $out (exit $rc)"
	[ $rc -eq 0 ] || fail "$mode: $out"
done

send bob "/msg alice still here"
wait_for alice '"event":"message".*"text":"still here"'
wait_stat alice '"dialback_refused":1'
pass
