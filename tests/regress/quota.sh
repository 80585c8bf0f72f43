#!/bin/sh
# quota.sh: what one peer may have stored is bounded an hour (issue 14:
# one peer sent 1.86 GB of CHAT in 60 s and every byte was stored). With
# [limits] stranger_messages_per_hour = 50, a stranger that sends 60 CHATs
# has 50 stored and ACKed, the user sees an error, and the session is
# closed with BYE 3; the 10 over it are not ACKed (the sender keeps them).
# Connecting again does not reset the count. A contact (a peer we wrote
# to) has the larger messages_per_hour, and a good peer still chats.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"

mkdir -m 700 "$T/alice"
printf '[node]\nlan_discovery = no\naccept = anyone\n[limits]\n%s\n%s\n' \
    'messages_per_hour = 80' 'stranger_messages_per_hour = 50' \
    > "$T/alice/p2pchat.ini"

# history_count NODE PEER TEXT: messages of NODE's history with PEER whose
# text starts with TEXT and a space.
history_count() {
	_before=$(count "$1" '"event":"done","command":"history"')
	_lines=$(wc -l < "$T/$1.out")
	send "$1" "/history $2 10000"
	wait_for "$1" '"event":"done","command":"history"' 20 $((_before + 1))
	tail -n +$((_lines + 1)) "$T/$1.out" | grep '"event":"history"' |
	    grep -c "\"text\":\"$3 " || true
}

start_pair alice bob
wait_for bob "\"id\":\"$alice_id\".*\"state\":\"online\""

# 1. A stranger sends 60: 50 stored and ACKed, then BYE 3; again with
# the same key, one more: BYE 3 and no ACK.
out=$("$EVIL" quota-60 127.0.0.1 "$alice_port" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 0 ] || fail "quota-60: $out (exit $rc)"
echo "$out" | grep -q '^acked 50 bye 3$' || fail "not 50 ACKs then BYE 3"
evil_id=$(echo "$out" | sed -n 's/^id //p')
kill -0 "$alice_pid" || fail "alice died"
n=$(history_count alice "$evil_id" spam)
[ "$n" -eq 50 ] || fail "alice stored $n messages of the stranger, not 50"
over='sent more than 50 messages this hour; session closed'
wait_for alice "\"event\":\"error\".*\"message\":\"[^\"]* $over\""
n=$(count alice '"event":"error".*sent more than')
[ "$n" -eq 1 ] || fail "$n quota errors shown, not 1"

# 2. A contact (alice wrote to bob) has the larger quota: 60 stored.
send alice "/msg bob hello"
wait_for alice '"event":"delivered"'
msg_lines alice contact 1 60 > "$T/bob.in"
wait_for bob '"event":"delivered"' 30 60
n=$(history_count alice "$bob_id" contact)
[ "$n" -eq 60 ] || fail "alice stored $n messages of bob, not 60"
n=$(count alice '"event":"error".*sent more than')
[ "$n" -eq 1 ] || fail "the contact was refused"

stop_node alice
stop_node bob
pass
