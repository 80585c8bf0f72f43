#!/bin/sh
# quota-total.sh: what a stranger may have stored is bounded in all, not
# only an hour, and the count survives a restart (it is read from the
# store). With [limits] stranger_messages_total = 20, carol, whom alice
# never wrote to, sends 25: 20 are stored and delivered, the user sees one
# error, the rest stay pending at carol. After alice restarts, carol's
# next message is still refused. Once alice writes to carol (a contact),
# what carol sends is stored again.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

mkdir -m 700 "$T/alice"
printf '[node]\nlan_discovery = no\naccept = anyone\n[limits]\n%s\n' \
    'stranger_messages_total = 20' > "$T/alice/p2pchat.ini"

start_node alice -l 127.0.0.1:0
start_node carol -l 127.0.0.1:0 -c "127.0.0.1:$alice_port"
wait_for carol "\"id\":\"$alice_id\".*\"state\":\"online\""
msg_lines alice spam 1 25 > "$T/carol.in"
wait_for alice '"event":"error".*not a contact, has 20 messages stored'
wait_for carol '"event":"delivered"' 20 20
n=$(count alice '"event":"message".*"text":"spam ')
[ "$n" -eq 20 ] || fail "alice stored $n of carol's messages, not 20"

# A restart does not reset the count: carol's next one is refused too.
stop_node alice
start_node alice -l "127.0.0.1:$alice_port"
wait_for alice '"event":"error".*not a contact, has 20 messages stored' 30 2
n=$(count alice '"event":"message".*"text":"spam ')
[ "$n" -eq 20 ] || fail "after a restart alice has $n, not 20"

# Alice writes to carol: a contact now, whose messages are stored.
send alice "/msg $carol_id hello carol"
wait_for carol '"event":"message".*"text":"hello carol"' 30
wait_for alice '"event":"message".*"text":"spam 25"' 60
stop_node alice
stop_node carol
pass
