#!/bin/sh
# ui-reach: the status bar shows the reach words, and a peer that cannot
# be reached is said once on the screen. alice dials bob; bob's dial-back
# makes alice "public 127.0.0.1:PORT". bob quits: alice's redials are
# refused and bob has no relay, so one line says bob cannot be reached,
# however often alice dials again.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

UI_INI='[log]
level = info
'
screen_with_bob
wait_screen alice '^ alice [0-9a-f]{8} \| 1/1 online \| public 127\.0\.0\.1:'"$alice_port"' \|'
keys alice M-1
stop_node bob
wait_screen alice 'bob \([0-9a-f]{8}\) cannot be reached: no relay'
capture alice | grep -A1 'cannot be reached' | tr -s ' \n│' ' ' | \
    grep -q "no relay (127\.0\.0\.1:$bob_port: refused)" || \
    fail "no reason on the screen: $(capture alice | grep -A1 'cannot be')"
i=0
until [ "$(grep -c "node_dial_failed: 127.0.0.1:$bob_port: Connection refused" \
    "$T/alice/p2pchat.log")" -ge 3 ]; do
	i=$((i + 1))
	[ $i -gt 300 ] && fail "alice did not dial bob again"
	sleep 0.05
done
[ "$(capture alice | grep -c 'cannot be reached')" -eq 1 ] || \
    fail "said more than once: $(capture alice | grep 'cannot be reached')"
stop_screen alice
pass
