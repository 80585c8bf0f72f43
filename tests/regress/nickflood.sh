#!/bin/sh
# nickflood.sh: a peer that says HELLO 5,000 times, each with a new nick,
# changes its nick at most 4 times a minute (issue 14: 50,000 such HELLOs
# grew the log by 391 MB); the rest are ignored. The node stays up, its
# database and log stay small, and a good peer is still served.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"
allowed=4		# PEER_NICK_CHANGES in p2pchat.h

start_pair alice bob
wait_for bob "\"id\":\"$alice_id\".*\"state\":\"online\""

# The PONG after the last HELLO says alice read them all.
out=$("$EVIL" nick-flood-5000 127.0.0.1 "$alice_port" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 0 ] || fail "nick-flood: $out (exit $rc)"
evil_id=$(echo "$out" | sed -n 's/^id //p')
[ -n "$evil_id" ] || fail "no id from the evil peer"
kill -0 "$alice_pid" || fail "alice died in the flood"

# The nicks alice showed for it, in its peer events (not in listings):
# the first and at most $allowed changes.
nicks=$(grep '"event":"peer"' "$T/alice.out" | grep -v '"n":' |
    grep "\"id\":\"$evil_id\"" | json_get_all nick | sort -u | wc -l)
echo "nicks shown: $nicks"
[ "$nicks" -ge 2 ] || fail "no nick change was shown"
[ "$nicks" -le $((allowed + 1)) ] || \
    fail "$nicks nicks shown, at most $((allowed + 1)) allowed"

# /peers shows the last change taken.
before=$(count alice '"event":"done","command":"peers"')
send alice /peers
wait_for alice '"event":"done","command":"peers"' 20 $((before + 1))
grep '"event":"peer","n":' "$T/alice.out" | grep "\"id\":\"$evil_id\"" |
    tail -n 1 | grep -q "\"nick\":\"flood$allowed\"" ||
    fail "/peers does not show flood$allowed for the evil peer"

# The database and its log stayed small.
size=0
for f in "$T/alice/p2pchat.db" "$T/alice/p2pchat.db-wal"; do
	[ -f "$f" ] && size=$((size + $(wc -c < "$f")))
done
echo "database and log: $size bytes"
[ "$size" -lt 4194304 ] || fail "database and log grew to $size bytes"

# A good peer is still served.
send bob "/msg alice after the flood"
wait_for alice '"event":"message".*"text":"after the flood"'
wait_for bob '"event":"delivered"'

stop_node alice
stop_node bob
pass
