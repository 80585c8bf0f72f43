#!/bin/sh
# ui-status: the status bar. "N/M online" counts peers (online of known),
# not windows: a room adds a window and no peer. When the bar is narrow
# the address goes before the list of windows with unread lines. The
# address is the reach words: "public ADDR:PORT" once a dial-back reached
# the node, the listen address and "unknown" before.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

start_peer bob
start_peer carol
start_screen alice -c "127.0.0.1:$bob_port" -c "127.0.0.1:$carol_port"
wait_screen alice '^ +[0-9] \* bob '
wait_screen alice '^ +[0-9] \* carol '
type_line alice "/join #side"
wait_screen alice '^ +4 # #side'
keys alice M-1
wait_screen alice 'console -- /help'
# Two peers, both online; three windows besides the console.
wait_screen alice '^ alice [0-9a-f]{8} \| 2/2 online \| (public )?127\.0\.0\.1:[0-9]+ \|'

send bob "/msg alice one from bob"
send carol "/msg alice one from carol"
wait_screen alice '\[[23]:bob\] \[[23]:carol\]|\[[23]:carol\] \[[23]:bob\]'
capture alice | tail -n 2 | head -n 1 | grep -q '127\.0\.0\.1' || \
    fail "no address at 80 columns"

$TM resize-window -t alice -x 60 -y 24
wait_screen alice '^ alice [0-9a-f]{8} \| 2/2 online \| \[[23]:[a-z]+\] \[[23]:[a-z]+\] *$'
capture alice | tail -n 2 | head -n 1 | grep -q '127\.0\.0\.1' && \
    fail "the address is still there at 60 columns"

$TM resize-window -t alice -x 40 -y 24
wait_screen alice '^ alice [0-9a-f]{8} \| 2/2 online \| \[[23]:[a-z]+\]'
capture alice | tail -n 2 | head -n 1 | grep -q '127\.0\.0\.1' && \
    fail "the address is still there at 40 columns"

# Wide again: the address comes back.
$TM resize-window -t alice -x 80 -y 24
wait_screen alice '^ alice [0-9a-f]{8} \| 2/2 online \| (public )?127\.0\.0\.1:[0-9]+ (\| unknown )?\| \['

stop_screen alice
pass
