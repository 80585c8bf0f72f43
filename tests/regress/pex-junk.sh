#!/bin/sh
# pex-junk.sh: a peer floods peer exchange with addresses where nobody
# answers (the evil peer listens there itself and drops each connection).
# The node dials them a round at a time, ever more slowly, and forgets them:
# a few dozen dials while the attacker is connected, fewer after it left,
# not one dial per address per backoff for ever.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"

start_node alice -l 127.0.0.1:0
out=$("$EVIL" pex-junk 127.0.0.1 "$alice_port" 2>&1) || \
    fail "evil pex-junk: $out"
echo "$out"
set -- $(echo "$out" | \
    sed -n 's/^records \([0-9]*\) dials \([0-9]*\) after \([0-9]*\)$/\1 \2 \3/p')
[ $# -eq 3 ] || fail "evil pex-junk said: $out"
[ "$1" -ge 100 ] || fail "only $1 PEX records went out"
# peers_target is 8: rounds of at most 8 dials, 0, 1, 3 s into the attack
# (5 s), then 7 and 15 s (5 to 15 s): allow some slack.
[ "$2" -le 40 ] || fail "$2 dials in 5 s of PEX junk"
[ "$3" -le 24 ] || fail "$3 dials in the 10 s after the attacker left"
kill -0 "$alice_pid" || fail "alice died"
# A good peer is still dialled and answered.
start_node bob -l 127.0.0.1:0 -c "127.0.0.1:$alice_port"
wait_for alice "\"id\":\"$bob_id\".*\"state\":\"online\""
stop_node bob
stop_node alice
pass
