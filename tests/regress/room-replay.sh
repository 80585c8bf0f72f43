#!/bin/sh
# room-replay.sh: a member's post replayed into another room, or under
# another sequence number, fails its signature and is dropped; a good post
# from a node that never proved itself a member is dropped unread; a good
# post from a member is shown.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"

printf '[node]\npeers_target = 0\nlan_discovery = no\n' > "$T/fixed.ini"
start_node alice -l 127.0.0.1:0 -f "$T/fixed.ini"
start_node bob -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$alice_port"
wait_for alice '"state":"online"'
for n in alice bob; do
	send $n "/join #a"
	wait_for $n '"event":"joined","room":"#a"'
done
send alice "/join #b"
wait_for alice '"event":"joined","room":"#b"'
send bob "/msg #a bob says hi"
wait_for alice '"room":"#a".*"text":"bob says hi"'

out=$("$EVIL" "room-replay:#a:#b" 127.0.0.1 "$alice_port" 2>&1) ||
    fail "replayer: $out"
echo "$out"
wait_for alice '"room":"#a".*"text":"member text"'
send alice /stats
wait_for alice '"event":"stats"'
grep '"event":"stats"' "$T/alice.out" | grep -q '"room_bad_signatures":2,' ||
    fail "not two bad signatures: $(grep stats "$T/alice.out")"
grep '"event":"stats"' "$T/alice.out" |
    grep -q '"room_records_unproven":[1-9]' ||
    fail "the non-member's post was not counted: $(grep stats "$T/alice.out")"
grep -q '"text":"non-member text"' "$T/alice.out" &&
    fail "a non-member's post was shown"
k=$(grep '"event":"message"' "$T/alice.out" | grep -c '"text":"bob says hi"')
[ "$k" -eq 1 ] || fail "bob's post shown $k times"
grep '"room":"#b"' "$T/alice.out" | grep -q '"event":"message"' &&
    fail "a post was replayed into #b"
# The node still carries the room.
send bob "/msg #a still fine"
wait_for alice '"text":"still fine"'
stop_node alice
stop_node bob
pass
