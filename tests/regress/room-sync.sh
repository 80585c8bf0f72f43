#!/bin/sh
# room-sync.sh: a ROOM_MARKS is answered only to a member, paced by the
# session, with each post once. A member that asks twice and does not
# read, in a room whose log is 1100 messages of 16000 bytes, does not
# bring the node down; a stranger who asks with the room id (and a made-up
# tag) gets nothing.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"

printf '[node]\npeers_target = 0\nlan_discovery = no\n' > "$T/fixed.ini"
start_pair alice bob
send alice "/join #big"
wait_for alice '"event":"joined","room":"#big"'

# 1100 messages of 16000 bytes in the room's log.
awk 'BEGIN { x = "xxxxxxxxxx"; while (length(x) < 16000) x = x x;
    x = substr(x, 1, 15995);
    for (i = 1; i <= 1100; i++) printf "/msg #big %05d%s\n", i, x }' \
    > "$T/alice.in"
send alice "/msg #big the last one"
wait_for alice '"room":"#big".*"text":"the last one"' 60

# A stranger gets nothing, whether it names the room or guesses a tag.
out=$("$EVIL" "room-marks-stranger:#big" 127.0.0.1 "$alice_port" 2>&1) ||
    fail "stranger: $out"
echo "$out"

# A member that asks twice and stops reading: the node stays up.
"$EVIL" "room-marks-stall:#big" 127.0.0.1 "$alice_port" > "$T/stall.txt" 2>&1 &
stall=$!
send bob "/msg alice during the stall"
wait_for alice '"event":"message".*"text":"during the stall"'
wait "$stall" || fail "stall: $(cat "$T/stall.txt")"
cat "$T/stall.txt"
kill -0 "$alice_pid" || fail "alice died"

# A member with empty marks gets the whole log (the join line and 1101
# posts) once.
out=$("$EVIL" "room-marks-count:#big" 127.0.0.1 "$alice_port" 2>&1) ||
    fail "count: $out"
echo "$out"
case "$out" in
"answers: 1102 records"*) ;;
*) fail "not the whole log once: $out" ;;
esac

wait_stat alice '"room_records_unproven":[1-9]'
send bob "/msg alice after"
wait_for alice '"event":"message".*"text":"after"'
stop_node alice
stop_node bob
pass
