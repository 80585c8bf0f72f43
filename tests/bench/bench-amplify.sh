#!/bin/sh
# tests/bench/bench-amplify.sh: bytes a node sends per byte a peer sends,
# for every request a peer can make of it, printed as a table. The peer is
# tests/regress/evil against a real node that has something to give: a
# room whose log is 200 messages of 16000 bytes, 64 messages waiting for
# an offline contact (handed to relays), and an address book.
#
#   sh tests/bench/bench-amplify.sh     (from the build directory)
#
# Then the latency of a good peer while a hostile one floods CHAT is in
# bench-e2e (BENCH_E2E_FLOOD=tests/regress/evil).

: "${P2PCHAT:=./p2pchat}"
export P2PCHAT
TESTS_DIR=${TESTS_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$TESTS_DIR/lib.sh"
EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || { echo "bench-amplify: no $EVIL (make check builds it)"; exit 1; }

printf '[node]\npeers_target = 0\nlan_discovery = no\n[log]\nlevel = warn\n' \
    > "$T/bench.ini"
start_node alice -l 127.0.0.1:0 -f "$T/bench.ini"
start_node bob -l 127.0.0.1:0 -f "$T/bench.ini" -c "127.0.0.1:$alice_port"
wait_for alice '"state":"online"'
send alice "/join #big"
wait_for alice '"event":"joined","room":"#big"'
awk 'BEGIN { x = "xxxxxxxxxx"; while (length(x) < 16000) x = x x;
    x = substr(x, 1, 15995);
    for (i = 1; i <= 200; i++) printf "/msg #big %05d%s\n", i, x }' \
    > "$T/alice.in"
send alice "/msg #big last"
wait_for alice '"room":"#big".*"text":"last"' 60
# Mail for bob, who goes offline: alice hands it to the relays she meets.
stop_node bob
msg_lines bob "waiting for bob" 1 64 > "$T/alice.in"
wait_for alice '"event":"outgoing".*"waiting for bob 64"'

printf '%-40s %10s %10s %10s\n' request "bytes in" "bytes out" "out/in"
row() {
	printf '%-40s %10s %10s %10s\n' "$1" "$2" "$3" "$4"
}
"$EVIL" measure 127.0.0.1 "$alice_port" > "$T/measure.txt" 2>&1
while read -r _m what _s sent _g got _r ratio; do
	case "$what" in
	session-open) row "new session (handshake, HELLO; all sent to it)" \
	    "$sent" "$got" "$ratio" ;;
	pex-request) row "64 x PEX_REQUEST" "$sent" "$got" "$ratio" ;;
	esac
done < "$T/measure.txt"
out=$("$EVIL" "room-sync-stranger:#big" 127.0.0.1 "$alice_port" 2>&1)
row "ROOM_SYNC from a stranger (room id)" 118 \
    "$(echo "$out" | sed -n 's/stranger got \([0-9]*\).*/\1/p') records" "-"
out=$("$EVIL" "room-sync-count:#big" 127.0.0.1 "$alice_port" 2>&1)
# "answers: A + B + 0 = N records, BYTES bytes for K asks of 59 bytes (R ...)"
bytes=$(echo "$out" | sed -n 's/.* records, \([0-9]*\) bytes.*/\1/p')
asks=$(echo "$out" | sed -n 's/.* for \([0-9]*\) asks.*/\1/p')
ratio=$(echo "$out" | sed -n 's/.*(\([0-9]*\) out per byte in).*/\1/p')
row "ROOM_SYNC from a member, until nothing" "$((asks * 59))" "$bytes" \
    "$ratio"
row "  (the whole log once a session: $(echo "$out" | sed -n 's/.*= \([0-9]*\) records.*/\1/p') records)" "" "" ""
stop_node alice
