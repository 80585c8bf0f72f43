#!/bin/sh
# misdirect.sh: a stranger cannot take a peer's name in commands. An evil
# peer calls itself by the first eight hex digits of bob's id; a /msg to
# that prefix still goes to bob. Our own /nick refuses names that would be
# taken for an id prefix or a number, and invisible characters.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"

start_pair alice bob
prefix=$(printf '%.8s' "$bob_id")

"$EVIL" "listen:$prefix" 127.0.0.1 "$alice_port" > "$T/evil.txt" 2>&1 &
evil_pid=$!
_pids="$_pids $evil_pid"
i=0
until grep -q '^id ' "$T/evil.txt"; do
	i=$((i + 1))
	[ $i -gt 400 ] &&
	    fail "the evil peer did not connect: $(cat "$T/evil.txt")"
	sleep 0.05
done
evil_id=$(sed -n 's/^id //p' "$T/evil.txt")
online="\"event\":\"peer\",\"id\":\"$evil_id\",\"nick\":\"$prefix\""
wait_for alice "$online,\"state\":\"online\""

# The id prefix wins over the nick.
send alice "/msg $prefix meant for bob"
wait_for bob '"event":"message".*"text":"meant for bob"'
wait_for alice '"event":"delivered"'
# The evil peer is reached by its own id; it stops on "stop".
send alice "/msg $(printf '%.8s' "$evil_id") stop"
wait "$evil_pid" || fail "the evil peer failed: $(cat "$T/evil.txt")"
grep -q '^chat stop$' "$T/evil.txt" || fail "evil got no stop"
if grep -q 'meant for bob' "$T/evil.txt"; then
	fail "the message for bob went to the peer that took its prefix"
fi

# /nick refuses what would pass for an id prefix, a number, or hide.
zwsp=$(printf '\342\200\213')
rlo=$(printf '\342\200\256')
n=0
for bad in "$prefix" 12 cafe "DEADbeef01" "bob$zwsp" "al${rlo}ice"; do
	n=$((n + 1))
	send alice "/nick $bad"
	wait_for alice '"event":"error"' 20 $n
done
[ "$(count alice '"event":"error".*would be taken for a peer id')" -eq 4 ] ||
    fail "/nick accepted a name like an id prefix or a number"
[ "$(count alice '"event":"error".*U\+200B')" -eq 1 ] ||
    fail "/nick accepted a zero width space"
[ "$(count alice '"event":"error".*U\+202E')" -eq 1 ] ||
    fail "/nick accepted a direction override"
[ "$(count alice '"event":"nick"')" -eq 0 ] || fail "a bad nick was taken"
send alice "/nick carol7"
wait_for alice '"event":"nick","nick":"carol7"'

# A number from /peers still names a peer: 1 is bob.
send alice "/msg 1 by number"
wait_for bob '"event":"message".*"text":"by number"'

stop_node alice
stop_node bob
pass
