#!/bin/sh
# stranger-mail.sh: a node hands the mail it keeps for an offline contact
# (sealed, for relays to carry) to the sessions of its contacts only. A
# stranger who connects is sent the handshake, HELLO and the few records
# every session gets, not 64 sealed messages (19 KB for 232 bytes before).

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"

printf '[node]\npeers_target = 0\nlan_discovery = no\n' > "$T/fixed.ini"
# Carol holds mail only for a peer she knows: bob has met her.
start_node alice -l 127.0.0.1:0 -f "$T/fixed.ini"
start_node carol -l 127.0.0.1:0 -f "$T/fixed.ini"
start_node bob -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$alice_port" \
    -c "127.0.0.1:$carol_port"
wait_for alice '"state":"online"'
wait_for carol '"state":"online"'
stop_node bob
wait_for alice "\"id\":\"$bob_id\".*\"state\":\"offline\""
msg_lines bob "waiting for bob" 1 64 > "$T/alice.in"
wait_for alice '"event":"outgoing".*"waiting for bob 64"'

out=$("$EVIL" measure 127.0.0.1 "$alice_port" 2>&1) || fail "evil: $out"
echo "$out"
got=$(echo "$out" | sed -n 's/^measure session-open sent [0-9]* got \([0-9]*\).*/\1/p')
[ -n "$got" ] || fail "no figure from evil: $out"
[ "$got" -lt 2000 ] || fail "a stranger was sent $got bytes on a new session"

# A contact (carol, whom alice dials) is handed the mail for bob.
send alice "/connect 127.0.0.1:$carol_port"
wait_for alice "\"id\":\"$carol_id\".*\"state\":\"online\""
wait_stat carol '"relay_held":64'
stop_node alice
stop_node carol
pass
