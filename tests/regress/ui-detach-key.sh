#!/bin/sh
# ui-detach-key: [keys] rebinds the detach key. With detach = C-] the
# screen detaches on C-] and no longer on C-\ (--list-keys names the key
# as it is written); detach = C-\ M-q binds C-\ itself again, written
# as it is in the file (the backslash is no escape), and M-q besides.

UI_ATTACH=yes
. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

UI_INI='[keys]
detach = C-]
'
profile alice
"$P2PCHAT" -f "$T/alice/p2pchat.ini" --list-keys > "$T/keys" ||
    fail "--list-keys with detach = C-] failed"
grep -q '^C-]	detach	' "$T/keys" ||
    fail "--list-keys lacks C-]: $(grep detach "$T/keys")"
grep -q '^C-\\	' "$T/keys" && fail "C-\\ still bound"

start_screen alice
apid=$(node_pid alice)
[ -n "$apid" ] || fail "no node runs for alice's screen"
keys alice 'C-\'
keys alice -l "still attached"
wait_screen alice '^> .*still attached$'
keys alice C-c
keys alice 'C-]'
wait_screen alice '^\[detached: the node on .* runs on'
kill -0 "$apid" 2> /dev/null || fail "the node stopped when the screen detached"
$TM kill-session -t alice

# C-\ itself, as written in the file, and a second key.
printf '[node]\nlan_discovery = no\naccept = anyone\n[keys]\n%s\n' \
    'detach = C-\ M-q' > "$T/alice/p2pchat.ini"
grep -qx 'detach = C-\\ M-q' "$T/alice/p2pchat.ini" || fail "bad test file"
"$P2PCHAT" -f "$T/alice/p2pchat.ini" --list-keys > "$T/keys" ||
    fail "--list-keys with detach = C-\\ failed"
grep -q '^C-\\	detach	' "$T/keys" || fail "--list-keys lacks C-\\"
grep -q '^M-q	detach	' "$T/keys" || fail "--list-keys lacks M-q"
start_screen alice
[ "$(node_pid alice)" = "$apid" ] || fail "a second node was started"
keys alice 'C-\'
wait_screen alice '^\[detached: the node on .* runs on'
$TM kill-session -t alice
start_screen alice
keys alice M-q
wait_screen alice '^\[detached: the node on .* runs on'
kill -0 "$apid" 2> /dev/null || fail "the node stopped when the screen detached"
pass
