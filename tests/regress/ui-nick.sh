#!/bin/sh
# ui-nick: a nick change is a line in the peer's window ("bob is now known
# as robert"), and the lines it wrote before keep the nick they were
# written under, also after a restart reads them back from the store. A
# nick with a space, sent in HELLO, is shown escaped (issue 15).

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"

screen_with_bob
alice_id=$(grep '"event":"peer"' "$T/bob.out" | head -n 1 | json_get id)
send bob "/msg $alice_id one, as bob"
wait_screen alice '│[0-9:]+ +bob one, as bob'
send bob "/nick robert"
wait_screen alice 'bob is now known as robert'
send bob "/msg $alice_id two, as robert"
wait_screen alice '│[0-9:]+ +robert two, as robert'
wait_screen alice '│[0-9:]+ +bob one, as bob'

# After a restart the lines come from the store, with their nicks.
stop_screen alice
$TM kill-session -t alice
start_screen alice
wait_screen alice '^ +2 \* robert '
keys alice M-2
wait_screen alice '│[0-9:]+ +robert two, as robert'
wait_screen alice '│[0-9:]+ +bob one, as bob'

# A peer whose HELLO nick holds a space: shown escaped, never as two words.
"$EVIL" "listen:bad nick" 127.0.0.1 "$alice_port" > "$T/evil.out" 2>&1 &
evil=$!
wait_screen alice '^ +3 \* bad\\x20'
kill "$evil" 2>/dev/null
wait "$evil" 2>/dev/null

stop_node bob
stop_screen alice
pass
