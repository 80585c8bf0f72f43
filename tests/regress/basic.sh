#!/bin/sh
# basic.sh: options, first start and restart, the profile lock, the headless
# contract (ready with port 0, errors, listings, JSON escaping).

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

# --help and --version.
"$P2PCHAT" --help > "$T/help" || fail "--help exit status"
grep -q -- "--headless" "$T/help" || fail "--help does not list --headless"
"$P2PCHAT" --version > "$T/version" || fail "--version exit status"
grep -Eq '^p2pchat [0-9]+\.[0-9]+\.[0-9]+$' "$T/version" || \
    fail "--version printed: $(cat "$T/version")"

# A usage error: one line, a hint, exit 2.
"$P2PCHAT" --no-such-option > "$T/usage.out" 2> "$T/usage.err"
[ $? -eq 2 ] || fail "unknown option did not exit 2"
[ "$(wc -l < "$T/usage.err")" -eq 1 ] || fail "usage error is not one line"
grep -q -- "--no-such-option.*--help" "$T/usage.err" || \
    fail "usage error does not name the option and the hint"
"$P2PCHAT" --listen > /dev/null 2> "$T/usage.err"
[ $? -eq 2 ] || fail "missing argument did not exit 2"
"$P2PCHAT" stray > /dev/null 2> "$T/usage.err"
[ $? -eq 2 ] || fail "stray argument did not exit 2"

# First start: ready with a real port, a new identity, private files.
start_node alice -l 127.0.0.1:0
[ -n "$alice_port" ] && [ "$alice_port" -gt 0 ] || \
    fail "ready event has no real port: $alice_port"
echo "$alice_id" | grep -Eq '^[0-9a-f]{64}$' || fail "bad id $alice_id"
[ "$(stat -c %a "$T/alice")" = 700 ] || fail "profile directory not 0700"
[ "$(stat -c %a "$T/alice/p2pchat.db")" = 600 ] || fail "database not 0600"

# A second p2pchat on the same profile is refused, and says why.
"$P2PCHAT" --headless -d "$T/alice" -l 127.0.0.1:0 < /dev/null \
    > "$T/second.out" 2> "$T/second.err"
[ $? -eq 1 ] || fail "second instance on one profile did not exit 1"
grep -q "in use by another p2pchat" "$T/second.err" || \
    fail "second instance error: $(cat "$T/second.err")"
grep -q ready "$T/second.out" && fail "second instance became ready"

# Errors for bad commands; listings end with done.
send alice "/nosuchcommand"
wait_for alice '"event":"error","message":"unknown command /nosuchcommand'
send alice "/msg"
wait_for alice '"event":"error","message":"usage: /msg'
send alice "/msg nobody hello"
wait_for alice '"event":"error","message":"no peer \\"nobody\\"'
send alice "hello without a slash"
wait_for alice '"event":"error","message":"not a command'
send alice "/peers"
wait_for alice '"event":"done","command":"peers"'
send alice "/help"
wait_for alice '"event":"done","command":"help"'
[ "$(count alice '"event":"help"')" -ge 10 ] || fail "/help lists too little"
send alice "/id"
wait_for alice "\"event\":\"id\",\"id\":\"$alice_id\""

# Restart keeps the identity.
id1=$alice_id
stop_node alice
start_node alice -l 127.0.0.1:0
[ "$alice_id" = "$id1" ] || fail "identity changed on restart"

# JSON escaping of control and non-ASCII characters, through a real chat.
start_node bob -l 127.0.0.1:0 -c "127.0.0.1:$alice_port"
wait_for alice '"event":"peer".*"nick":"bob","state":"online"'
text=$(printf 'q"b\\s\tt\001x\033e \303\251 \342\230\203 \360\237\230\200 end')
send bob "/msg alice $text"
wait_for alice '"event":"message"'
line=$(grep '"event":"message"' "$T/alice.out" | tail -n 1)
want='"text":"q\"b\\s\tt\u0001x\u001be \u00e9 \u2603 \ud83d\ude00 end"'
case "$line" in
*"$want"*) ;;
*) fail "escaping: got $line" ;;
esac
# Every output line is pure ASCII JSON.
LC_ALL=C grep -n '[^ -~]' "$T/alice.out" && fail "non-ASCII byte in output"
if command -v jq > /dev/null; then
	jq -e . "$T/alice.out" > /dev/null || fail "output is not JSON Lines"
	got=$(grep '"event":"message"' "$T/alice.out" | tail -n 1 | \
	    jq -r .text)
	[ "$got" = "$text" ] || fail "text did not round-trip through JSON"
fi

# SIGHUP opens the log again: a rotated log gets new lines.
mv "$T/alice/p2pchat.log" "$T/alice/p2pchat.log.1"
kill -HUP "$alice_pid"
i=0
while ! grep -q "opened again" "$T/alice/p2pchat.log" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "no new log after SIGHUP"
	sleep 0.05
done
kill -0 "$alice_pid" || fail "SIGHUP stopped the node"
stop_node bob
stop_node alice
pass
