#!/bin/sh
# room-lazy.sh: a room post another member wrote is not flushed to the
# disk on its own (every member keeps it; catch-up gives it back), so a
# stream of posts costs the receiver no fdatasync each; our own posts
# still are, and what was received survives a SIGKILL.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

command -v strace >/dev/null 2>&1 || skip "no strace (tests/deps.sh)"
strace -f -qq -e trace=fdatasync -o /dev/null true 2>/dev/null ||
    skip "strace cannot trace here"

# syncs: the fdatasync calls bob made so far.
syncs() {
	grep -c 'fdatasync(' "$T/bob.strace" 2>/dev/null || echo 0
}

start_node alice -l 127.0.0.1:0
saved_wrapper=$P2PCHAT_WRAPPER
P2PCHAT_WRAPPER="strace -f -qq -e trace=fdatasync -o $T/bob.strace \
$P2PCHAT_WRAPPER"
start_node bob -l 127.0.0.1:0 -c "127.0.0.1:$alice_port"
P2PCHAT_WRAPPER=$saved_wrapper
b_port=$bob_port
start_node carol -l 127.0.0.1:0 -c "127.0.0.1:$alice_port" \
    -c "127.0.0.1:$bob_port"
wait_for alice "\"id\":\"$bob_id\".*\"state\":\"online\""
wait_for alice "\"id\":\"$carol_id\".*\"state\":\"online\""
wait_for bob "\"id\":\"$carol_id\".*\"state\":\"online\""
for n in alice bob carol; do
	send $n "/join #lazy"
	wait_for $n '"event":"joined","room":"#lazy"'
done
send alice "/msg #lazy warm"
wait_for bob '"event":"message".*"text":"warm"'
wait_for carol '"event":"message".*"text":"warm"'

# 1. Twenty posts, each received before the next is written: old code
# flushed bob's log once a post.
s0=$(syncs)
i=1
while [ $i -le 20 ]; do
	send alice "/msg #lazy post $i"
	wait_for bob "\"event\":\"message\".*\"text\":\"post $i\""
	i=$((i + 1))
done
s1=$(syncs)
echo "bob: $((s1 - s0)) fdatasync for 20 posts received"
[ $((s1 - s0)) -le 4 ] ||
    fail "bob flushed $((s1 - s0)) times for 20 posts of others"

# 2. Bob's own post is flushed (only bob can give it again).
send bob "/msg #lazy mine"
wait_for alice '"event":"message".*"text":"mine"'
wait_for bob '"event":"outgoing".*"text":"mine"'
i=0
while [ "$(syncs)" -le "$s1" ]; do
	i=$((i + 1))
	[ $i -gt 200 ] && fail "bob's own post was not flushed"
	sleep 0.05
done

# 3. What bob received and committed survives a SIGKILL of bob.
real=$(ps -o pid= --ppid "$bob_pid" | tr -d ' ')
[ -n "$real" ] || fail "no node under strace"
kill -9 "$real"
wait "$bob_pid" 2>/dev/null
kill "$bob_holder" 2>/dev/null
start_node bob -l "127.0.0.1:$b_port"
send bob "/history #lazy 100"
wait_for bob '"event":"done","command":"history"'
n=$(grep '"event":"history"' "$T/bob.out" | grep -c '"text":"post ')
[ "$n" -eq 20 ] || fail "after SIGKILL bob has $n of 20 posts"
pass
