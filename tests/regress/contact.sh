#!/bin/sh
# contact.sh: strangers ask first (issue 15). With the default [node]
# accept = contacts, a message from a peer that is not a contact (never
# dialled, accepted, written to or verified) is stored, acknowledged and
# held: a "request" event, never a "message" event, until /accept, which
# shows it; /decline blocks the peer and deletes what it sent. A request's
# key is not handed on in peer exchange. Requests are bounded: 4 from one
# address, 32 at once (the 33rd drops the oldest).

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"

for n in alice bob carol dave; do
	mkdir -m 700 "$T/$n"
	printf '[node]\nlan_discovery = no\n' > "$T/$n/p2pchat.ini"
done

# bob dials alice: alice is bob's contact; bob is a stranger to alice.
start_pair alice bob
line=$(peer_line alice "$bob_id")
echo "$line" | grep -q '"contact":"stranger"' || fail "bob: $line"
line=$(peer_line bob "$alice_id")
echo "$line" | grep -q '"contact":"contact"' || fail "alice: $line"

# 1. bob writes: alice holds it (request event, no message event), and
# it is acknowledged (bob sees it delivered).
send bob "/msg alice hello from bob"
wait_for alice '"event":"request".*"text":"hello from bob"'
wait_for bob '"event":"delivered"'
[ "$(count alice '"event":"message"')" -eq 0 ] || \
    fail "a stranger's message was shown"
grep '"event":"request"' "$T/alice.out" | grep -q \
    "\"peer\":\"$bob_id\",\"nick\":\"bob\",\"id\":\"[0-9a-f]*\",\"ts\":[0-9]*," ||
    fail "the request event lacks the keys of a message event"
line=$(peer_line alice "$bob_id")
echo "$line" | grep -q '"contact":"request"' || fail "bob: $line"

# /requests lists it with its first message, then done.
send bob "/msg alice second"
wait_for alice '"event":"request".*"text":"second"'
: > "$T/alice.out"
send alice "/requests"
wait_for alice '"event":"done","command":"requests"'
[ "$(count alice '"event":"request"')" -eq 1 ] || fail "not one request"
grep '"event":"request"' "$T/alice.out" | grep -q "hello from bob" || \
    fail "the request does not show the first message"

# 2. carol, a contact of alice (alice dials her), connects; dave connects
# to alice and asks for peers: carol is handed on, bob (a request) is not.
start_node carol -l 127.0.0.1:0
send alice "/connect 127.0.0.1:$carol_port"
wait_for alice "\"id\":\"$carol_id\".*\"state\":\"online\""
start_node dave -l 127.0.0.1:0 -c "127.0.0.1:$alice_port"
wait_for alice "\"id\":\"$dave_id\".*\"state\":\"online\""
wait_for dave "\"id\":\"$carol_id\".*\"state\":\"online\"" 30
send dave "/addresses"
wait_for dave '"event":"done","command":"addresses"'
grep '"event":"address"' "$T/dave.out" | grep -q "$carol_id" || \
    fail "carol was not handed on"
if grep '"event":"address"' "$T/dave.out" | grep -q "$bob_id"; then
	fail "bob's key (a request) was handed on in peer exchange"
fi

# 3. /accept shows the held messages as message events; then bob writes
# straight through.
send alice "/accept ${bob_id%"${bob_id#????????}"}"
wait_for alice '"event":"message".*"text":"hello from bob"'
wait_for alice '"event":"message".*"text":"second"'
send bob "/msg alice after accept"
wait_for alice '"event":"message".*"text":"after accept"'
line=$(peer_line alice "$bob_id")
echo "$line" | grep -q '"contact":"contact"' || fail "bob: $line"

# 4. /decline: dave writes, alice declines: dave is blocked, its session
# closed, what it sent deleted.
send dave "/msg alice buy now"
wait_for alice '"event":"request".*"text":"buy now"'
send alice "/decline $dave_id"
wait_for alice "\"id\":\"$dave_id\".*\"trust\":\"blocked\""
wait_for dave "\"id\":\"$alice_id\".*\"state\":\"offline\""
send alice "/history $dave_id"
wait_for alice '"event":"done","command":"history"'
if grep '"event":"history"' "$T/alice.out" | grep -q "buy now"; then
	fail "a declined request's message was kept"
fi
send alice "/blocked"
wait_for alice '"event":"done","command":"blocked"'
grep '"event":"peer"' "$T/alice.out" | tail -n 2 | grep -q "$dave_id" || \
    fail "/blocked does not list dave"

# 5. Bounds. From one address, the fifth request is refused (not
# acknowledged: the sender keeps it).
out=$("$EVIL" ask-5 127.0.0.1 "$alice_port" 2>&1) || \
    fail "ask-5: $out"
echo "$out"
echo "$out" | grep -q '^acked 4 refused 1$' || \
    fail "not 4 requests taken and the fifth refused"
stop_node alice

# With room for more from one address, 33 requests keep 32: the oldest
# (asker1 of the first run) is dropped with its message.
printf '[node]\nlan_discovery = no\n[limits]\nrequests_per_address = 64\n%s\n' \
    'requests_per_hour = 100' > "$T/alice/p2pchat.ini"
start_node alice -l 127.0.0.1:0
: > "$T/alice.out"
send alice "/requests"
wait_for alice '"event":"done","command":"requests"'
[ "$(count alice '"event":"request"')" -eq 4 ] || \
    fail "the 4 requests did not outlive a restart"
out=$("$EVIL" ask-28 127.0.0.1 "$alice_port" 2>&1) || fail "ask-28: $out"
echo "$out" | grep -q '^acked 28 refused 0$' || fail "ask-28: $out"
: > "$T/alice.out"
send alice "/requests"
wait_for alice '"event":"done","command":"requests"'
[ "$(count alice '"event":"request"')" -eq 32 ] || \
    fail "$(count alice '"event":"request"') requests, not 32"
out=$("$EVIL" ask-1 127.0.0.1 "$alice_port" 2>&1) || fail "ask-1: $out"
echo "$out" | grep -q '^acked 1 refused 0$' || fail "ask-1: $out"
: > "$T/alice.out"
send alice "/requests"
wait_for alice '"event":"done","command":"requests"'
[ "$(count alice '"event":"request"')" -eq 32 ] || \
    fail "$(count alice '"event":"request"') requests after the 33rd"
# The oldest (the first "ask 1", from asker1 of ask-5) is gone; the
# newest is there.
[ "$(grep -c '"text":"ask 1"' "$T/alice.out")" -eq 2 ] || \
    fail "the oldest request was not the one dropped"
send alice "/stats"
wait_for alice '"event":"stats".*"requests_dropped":1'

stop_node alice
stop_node bob
stop_node carol
stop_node dave
pass
