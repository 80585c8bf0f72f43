#!/bin/sh
# hostile.sh: a hostile peer can close its own connection and nothing more.
# Each bad input goes on its own connection to alice while a good session
# with bob stays up; after each, bob's message to alice is still delivered.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"

start_pair alice bob
wait_for bob "\"id\":\"$alice_id\".*\"state\":\"online\""

n=0
# still_served: bob's message reaches alice and is delivered.
still_served() {
	n=$((n + 1))
	send bob "/msg alice check $n after $1"
	wait_for alice "\"event\":\"message\".*\"text\":\"check $n after $1\""
	wait_for bob '"event":"delivered"' 20 $n
}

# These are only dropped at the 10 s handshake deadline: run them at once.
for mode in garbage-1 garbage-31 garbage-48 silence; do
	"$EVIL" $mode 127.0.0.1 "$alice_port" > "$T/$mode.txt" 2>&1 &
	setvar "pid_$(echo $mode | tr - _)" $!
done
for mode in garbage-1 garbage-31 garbage-48 silence; do
	wait "$(getvar "pid_$(echo $mode | tr - _)")"
	rc=$?
	echo "$mode: $(cat "$T/$mode.txt") (exit $rc)"
	[ $rc -eq 0 ] || fail "$mode: $(cat "$T/$mode.txt")"
	still_served "$mode"
done

for mode in zero-frame garbage-65535 wrong-prologue bad-signature payload-95 first-not-hello \
    unknown-first overrun bad-nick chat-nul observed-bad replay flip zero-ephemeral \
    observed good; do
	out=$("$EVIL" $mode 127.0.0.1 "$alice_port" 2>&1)
	rc=$?
	echo "$mode: $out (exit $rc)"
	[ $rc -eq 0 ] || fail "$mode: $out"
	kill -0 "$alice_pid" || fail "alice died after $mode"
	still_served "$mode"
done

# The OBSERVED record the good peer sent was counted.
wait_stat alice '"observed_reports":[1-9]'

# 300 junk connections at once, while bob keeps chatting.
"$EVIL" flood-300 127.0.0.1 "$alice_port" > "$T/flood.txt" 2>&1 &
flood=$!
still_served flood-during
wait $flood || fail "flood tool failed: $(cat "$T/flood.txt")"
cat "$T/flood.txt"
still_served flood-after
kill -0 "$alice_pid" || fail "alice died after the flood"

# Alice shuts down cleanly (under ASan this also checks for leaks).
stop_node alice
stop_node bob
pass
