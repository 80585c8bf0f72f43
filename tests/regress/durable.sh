#!/bin/sh
# durable.sh: no acknowledged message is lost and none is shown twice,
# whatever is killed with SIGKILL.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

start_pair alice bob
a_port=$alice_port
b_port=$bob_port

# burst_kill FROM TO N WORD PORT: FROM sends N messages "WORD i" to TO;
# once all are ACKed TO is killed with SIGKILL and started again on PORT;
# all N must be in its history.
burst_kill() {
	msg_lines "$2" "$4" 0 $(($3 - 1)) > "$T/burst"
	cat "$T/burst" > "$T/$1.in"
	wait_for "$1" '"event":"delivered"' 60 "$3"
	kill_node "$2"
	start_node "$2" -l "127.0.0.1:$5"
	send "$2" "/history $1 1000"
	wait_for "$2" '"event":"done","command":"history"'
	n=$(grep '"event":"history"' "$T/$2.out" | grep -c "\"text\":\"$4 ")
	[ "$n" -eq "$3" ] ||
	    fail "after SIGKILL $2 has $n of $3 acknowledged ($4)"
}

# 1. Bob is killed right after ACKing 500 messages: all 500 survive.
burst_kill alice bob 500 ack-test "$b_port"

# 2. Alice is killed while messages to an offline bob are pending.
stop_node bob
msg_lines bob pending 0 49 > "$T/burst"
cat "$T/burst" > "$T/alice.in"
wait_for alice '"text":"pending 49","state":"pending"'
kill_node alice
start_node bob -l "127.0.0.1:$b_port"
start_node alice -l "127.0.0.1:$a_port"
wait_for bob '"text":"pending 49"' 30
wait_for alice '"event":"delivered"' 30 550

# 3. Alice is killed in the middle of a stream to an online bob.
msg_lines bob stream 0 1999 > "$T/burst"
cat "$T/burst" > "$T/alice.in"
wait_for bob '"text":"stream 100"' 30
kill_node alice
start_node alice -l "127.0.0.1:$a_port"
wait_for bob '"text":"stream 1999"' 60
# Everything alice stored is delivered exactly once. A line alice read but
# had not yet stored when killed was never accepted, so it may be absent.
send alice "/history bob 5000"
wait_for alice '"event":"done","command":"history"' 30
# The barrier: a message alice sends after all of them goes on the same
# session behind any copy still in flight.
send alice "/msg bob after the stream"
wait_for bob '"event":"message".*"text":"after the stream"' 30
stored=$(grep '"event":"history"' "$T/alice.out" | grep -c '"text":"stream')
got=$(grep '"event":"message"' "$T/bob.out" | grep -c '"text":"stream')
uniq=$(grep '"event":"message"' "$T/bob.out" | grep '"text":"stream' | \
    json_get_all id | sort -u | wc -l)
[ "$got" -eq "$uniq" ] || fail "bob was shown $got stream messages, $uniq distinct"
[ "$got" -eq "$stored" ] || fail "alice stored $stored, bob got $got"
echo "stream: alice stored $stored of 2000 lines before and after SIGKILL, bob got each once"
n=$(grep '"event":"message"' "$T/bob.out" | grep '"text":"pending' | \
    json_get_all id | sort | uniq -d | wc -l)
[ "$n" -eq 0 ] || fail "$n pending messages shown twice"
n=$(grep '"event":"message"' "$T/bob.out" | grep -c '"text":"pending')
[ "$n" -eq 50 ] || fail "bob got $n of 50 pending messages"
stop_node alice
stop_node bob

# 4. With [store] sync = normal (no fsync) a SIGKILL loses nothing either.
for n in carol dave; do
	mkdir -m 700 "$T/$n"
	printf '[node]\nlan_discovery = no\n[store]\nsync = normal\n' \
	    > "$T/$n/p2pchat.ini"
done
start_pair carol dave
burst_kill carol dave 300 normal "$dave_port"
stop_node carol
stop_node dave
pass
