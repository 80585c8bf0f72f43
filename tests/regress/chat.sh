#!/bin/sh
# chat.sh: two nodes chat both ways: ids, timestamps and texts match on both
# sides; UTF-8 round-trips; history, search, typing, long and empty texts.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

start_pair alice bob
wait_for bob "\"id\":\"$alice_id\".*\"state\":\"online\""

# check_msg FROM TO TEXT: FROM sends TEXT, TO stores it with the same id
# and timestamp, FROM sees it delivered.
check_msg() {
	k=$(count "$1" '"event":"outgoing"')
	send "$1" "/msg $2 $3"
	wait_for "$1" '"event":"outgoing"' 20 $((k + 1))
	line=$(grep '"event":"outgoing"' "$T/$1.out" | tail -n 1)
	id=$(echo "$line" | json_get id)
	ts=$(echo "$line" | sed 's/.*"ts":\([0-9]*\).*/\1/')
	wait_for "$2" "\"event\":\"message\",\"peer\":\"$(getvar ${1}_id)\",\"id\":\"$id\",\"ts\":$ts,"
	wait_for "$1" "\"event\":\"delivered\",\"peer\":\"$(getvar ${2}_id)\",\"id\":\"$id\""
	if command -v jq > /dev/null; then
		got=$(grep "\"id\":\"$id\"" "$T/$2.out" | grep '"event":"message"' \
		    | jq -r .text)
		[ "$got" = "$3" ] || fail "text changed: sent [$3] got [$got]"
	fi
}

check_msg alice bob "hello bob"
check_msg bob alice "hello alice"
check_msg alice bob "日本語のテキスト 中文 한국어"
check_msg bob alice "emoji 😀👍🏽 flags 🇫🇷 zwj 👩‍👩‍👧"
check_msg alice bob "combining: e\314\201 a\314\212 n\314\203 and Zalgo z\315\221\315\222"
check_msg bob alice "quotes \" back\\slash tab	end"
check_msg alice bob "$(printf 'x%.0s' $(seq 1 300))"

# Messages arrive in the order sent.
i=0
while [ $i -lt 20 ]; do
	send alice "/msg bob order $i"
	i=$((i + 1))
done
wait_for bob '"text":"order 19"'
grep -o '"text":"order [0-9]*"' "$T/bob.out" | sed 's/[^0-9]//g' > "$T/order"
seq 0 19 | cmp -s - "$T/order" || fail "messages out of order"

# History on both sides lists the same messages, oldest first.
send bob "/history alice 5"
wait_for bob '"event":"done","command":"history"'
grep '"event":"history"' "$T/bob.out" | tail -n 5 | \
    grep -o '"text":"order [0-9]*"' | sed 's/[^0-9]//g' > "$T/hist"
seq 15 19 | cmp -s - "$T/hist" || fail "history is not the last 5, oldest first"
grep '"event":"history"' "$T/bob.out" | tail -n 1 | \
    grep -q "\"from\":\"$alice_id\".*\"state\":\"received\"" || \
    fail "history line lacks from/state"
# Bob shows order 19 and ACKs it in the same turn, so alice may hear of
# the ACK only after bob's message event: wait for her delivered event.
wait_for alice "\"event\":\"delivered\",\"peer\":\"$bob_id\",\"id\":\"$(last_outgoing_id alice)\""
send alice "/history bob 3"
wait_for alice '"event":"done","command":"history"'
grep '"event":"history"' "$T/alice.out" | tail -n 1 | \
    grep -q '"text":"order 19","state":"delivered"' || \
    fail "sender history does not show delivered"

# Full-text search across conversations.
send bob "/msg alice the quick zebrafish"
wait_for alice 'zebrafish'
send alice "/search zebrafish"
wait_for alice '"event":"done","command":"search"'
grep '"event":"history"' "$T/alice.out" | grep -q 'quick zebrafish' || \
    fail "search did not find the message"
send alice "/search nosuchwordanywhere"
wait_for alice '"event":"done","command":"search"' 20 2

# Typing notifications.
send alice "/typing bob on"
wait_for bob "\"event\":\"typing\",\"peer\":\"$alice_id\",\"state\":\"typing\""
send alice "/typing bob off"
wait_for bob "\"event\":\"typing\",\"peer\":\"$alice_id\",\"state\":\"stopped\""

# Empty messages are refused; a text over 16384 bytes is split in order.
send alice "/msg bob    "
wait_for alice '"event":"error","message":"usage: /msg|empty message'
long=$(head -c 20000 /dev/zero | tr '\0' 'y')
send alice "/msg bob ${long}END"
wait_for bob 'yEND"'
n=$(grep '"event":"message"' "$T/bob.out" | grep -c '"text":"yyyy')
[ "$n" -eq 2 ] || fail "long text arrived as $n messages, expected 2"
first=$(grep '"event":"message"' "$T/bob.out" | grep '"text":"yyyy' | \
    head -n 1 | json_get text)
[ ${#first} -eq 16384 ] || fail "first part is ${#first} bytes, not 16384"

# Bob never searched: his messages reach the full-text index by themselves,
# once storing pauses (a second after the last one).
if command -v sqlite3 > /dev/null; then
	i=0
	until [ "$(sqlite3 "$T/bob/p2pchat.db" "SELECT (SELECT indexed FROM
	    fts_state) = (SELECT max(id) FROM messages)")" = 1 ]; do
		i=$((i + 1))
		[ $i -le 100 ] || fail "bob's messages not indexed after 10 s"
		sleep 0.1
	done
else
	echo "sqlite3 CLI missing: background indexing not checked" >&2
fi

stop_node bob
stop_node alice
pass
