#!/bin/sh
# room-catchup.sh: a member offline while two others post 2,000 messages
# comes back and gets all 2,000, once, each author's in its order, with no
# clock involved: one author's clock is 5 hours ahead, the other's 3 hours
# behind (libfaketime). The returning member sends its high-water marks
# and is sent exactly the posts above them.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

M=1000
if [ "$P2PCHAT_SCALE" = small ]; then
	M=200
	echo "P2PCHAT_SCALE=small: $M messages an author"
fi
printf '[node]\npeers_target = 0\nlan_discovery = no\n' > "$T/fixed.ini"

ahead="" behind=""
export FAKETIME_DONT_FAKE_MONOTONIC=1
if command -v faketime >/dev/null 2>&1 &&
    faketime -f +5h "$P2PCHAT" --version >/dev/null 2>&1; then
	ahead="faketime -f +5h"
	behind="faketime -f -3h"
else
	echo "faketime missing or refused here: the clocks are not offset" >&2
fi

P2PCHAT_WRAPPER=$ahead start_node a -l 127.0.0.1:0 -f "$T/fixed.ini"
P2PCHAT_WRAPPER=$behind start_node b -l 127.0.0.1:0 -f "$T/fixed.ini" \
    -c "127.0.0.1:$a_port"
start_node c -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$a_port"
wait_for a '"state":"online"' 20 2
for n in a b c; do
	send $n "/join #cu"
	wait_for $n '"event":"joined","room":"#cu"'
done
send a "/msg #cu before"
wait_for c '"text":"before"'
stop_node c

msg_lines "#cu" "from-a" 1 $M > "$T/a.in" &
msg_lines "#cu" "from-b" 1 $M > "$T/b.in" &
wait_for a "\"text\":\"from-b $M\"" 60
wait_for b "\"text\":\"from-a $M\"" 60

start_node c -l 127.0.0.1:0 -f "$T/fixed.ini" -c "127.0.0.1:$a_port"
wait_for c '"event":"message".*"text":"from-' 60 $((2 * M))
# Anything sent twice would be in by the time a message sent now arrives.
send b "/msg #cu after"
wait_for c '"text":"after"'
for w in a b; do
	k=$(grep '"event":"message"' "$T/c.out" | grep -c "\"text\":\"from-$w ")
	[ "$k" -eq $M ] || fail "c shows $k messages from $w, not $M"
	grep '"event":"message"' "$T/c.out" | grep "\"text\":\"from-$w " | \
	    sed 's/.*"text":"from-[ab] \([0-9]*\)".*/\1/' > "$T/order.$w"
	sort -n -c "$T/order.$w" || fail "c got $w's messages out of order"
done
send c "/rooms"
wait_for c '"event":"done","command":"rooms"'
grep -q '"event":"room","room":"#cu".*"missing":0' "$T/c.out" ||
    fail "c still misses some: $(grep '"event":"room"' "$T/c.out")"
send c /stats
wait_for c '"event":"stats"'
grep '"event":"stats"' "$T/c.out" | sed 's/.*\("room_received[^}]*\),"relay.*/\1/'
for n in a b c; do
	stop_node $n
done
pass
