#!/bin/sh
# slowout.sh: a headless node whose standard output nobody reads for 10
# seconds still serves its peers: alice and bob handshake with it and chat
# with it meanwhile. It has more to say than the 16 MiB it keeps, so once
# the output is read again one error event counts the events it dropped.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

start_node alice -l 127.0.0.1:0
start_node bob -l 127.0.0.1:0

# slow's output is a fifo that a reader opens, then leaves for 10 s.
mkdir -m 700 "$T/slow"
printf '[node]\nlan_discovery = no\n' > "$T/slow/p2pchat.ini"
mkfifo "$T/slow.pipe" "$T/slow.in"
(
	exec 3< "$T/slow.pipe"
	sleep 10
	: > "$T/reading"
	exec cat <&3 > "$T/slow.out"
) &
_pids="$_pids $!"
sleep 100000 > "$T/slow.in" &
slow_holder=$!
_pids="$_pids $!"
"$P2PCHAT" --headless -d "$T/slow" -n slow -l 127.0.0.1:0 \
    < "$T/slow.in" > "$T/slow.pipe" 2> "$T/slow.err" &
slow_pid=$!
_pids="$_pids $!"

# About 18 MB of events (20 a /help), more than a pipe and the 16 MiB
# bound hold; then slow dials alice and bob.
i=0
while [ $i -lt 8000 ]; do
	echo /help
	i=$((i + 1))
done > "$T/slow.in"
send slow "/connect 127.0.0.1:$alice_port"
send slow "/connect 127.0.0.1:$bob_port"

# All of this happens while nobody reads slow's output.
wait_for alice '"nick":"slow","state":"online"' 9
wait_for bob '"nick":"slow","state":"online"' 9
send alice "/msg slow from alice"
send bob "/msg slow from bob"
wait_for alice '"event":"delivered"' 9
wait_for bob '"event":"delivered"' 9
send slow "/msg alice from slow"
wait_for alice '"event":"message".*"text":"from slow"' 9
[ ! -e "$T/reading" ] ||
    fail "the checks passed only once slow's output was read"

# Read again: what was kept, one error for the dropped events, then the
# events from then on.
i=0
until [ -e "$T/reading" ]; do
	i=$((i + 1))
	[ $i -gt 400 ] && fail "the reader never started"
	sleep 0.05
done
dropped='"event":"error","message":"[0-9]+ events dropped: standard output'
wait_for slow "$dropped was not read\"" 20
send slow /id
wait_for slow '"event":"id"' 20
[ "$(count slow '"event":"error".*events dropped')" -eq 1 ] ||
    fail "more than one error for the dropped events"
# What was kept is whole lines, at most 16 MiB of them.
size=$(wc -c < "$T/slow.out")
echo "slow wrote $size bytes"
[ "$(grep -c -v '^{"event":.*}$' "$T/slow.out")" -eq 0 ] ||
    fail "a line of slow's output is not a whole event"

stop_node slow
stop_node alice
stop_node bob
pass
