#!/bin/sh
# config.sh: the INI file: each error names file, line and key and nothing
# starts; a good file and command-line overrides work.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

# check_error NAME CONTENT PATTERN: the file is refused with PATTERN.
check_error() {
	printf '%s\n' "$2" > "$T/$1.ini"
	"$P2PCHAT" --headless -d "$T/prof" -f "$T/$1.ini" -l 127.0.0.1:0 \
	    < /dev/null > "$T/$1.stdout" 2> "$T/$1.stderr"
	rc=$?
	[ $rc -eq 1 ] || fail "$1: exit status $rc, expected 1"
	grep -q ready "$T/$1.stdout" && fail "$1: node started anyway"
	grep -q -- "$3" "$T/$1.stderr" || \
	    fail "$1: error \"$(cat "$T/$1.stderr")\" does not match \"$3\""
}

check_error unknown-key "[node]
nick = alice
colour = blue" "$T/unknown-key.ini:3: colour: unknown key in \[node\]"
check_error unknown-section "[nodes]
nick = alice" "unknown-section.ini:1: \[nodes\]: unknown section"
check_error unknown-empty-section "[node]
nick = alice
[colour]" "unknown-empty-section.ini:3: \[colour\]: unknown section"
# inih (INI_ALLOW_MULTILINE) would take an indented line after KEY = VALUE
# as more of that value: refused, even after a blank line or a comment.
check_error indented "[node]
nick = alice
  bob" "indented.ini:3: indented line: it would be read as more of the value of nick (line 2)"
check_error indented-later "[node]
max_peers = 5

; a comment
	lan_discovery = no" "indented-later.ini:5: indented line: .* max_peers (line 2)"
check_error no-section "nick = alice" "no-section.ini:1: nick: key outside"
check_error bad-number "[node]
max_peers = lots" "bad-number.ini:2: max_peers: \"lots\" is not a number"
check_error too-large "; comment
[node]
max_peers = 99999999" "too-large.ini:3: max_peers: \"99999999\" is too large"
check_error too-small "[node]
peers_target = -1" "too-small.ini:2: peers_target: \"-1\" is too small"
check_error bad-flag "[ui]
bell = maybe" "bad-flag.ini:2: bell: \"maybe\" is not yes or no"
check_error bad-choice "[ui]
notify = osc42" "bad-choice.ini:2: notify: \"osc42\" is not one of"
check_error bad-address "[node]
bootstrap = nowhere" "bad-address.ini:2: bootstrap: \"nowhere\" is not"
check_error bad-port "[node]
listen = 127.0.0.1:70000" "bad-port.ini:2: listen: bad port"
check_error long-nick "[node]
nick = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "long-nick.ini:2: nick: longer than 64 bytes"
# A nick from the file follows the rules of /nick.
check_error spaced-nick "[node]
nick = bob smith" "\[node\] nick: a nick cannot hold a space"
check_error syntax "[node]
this line has no equals sign" "syntax.ini:2: syntax error"
check_error first-error-wins "[node]
max_peers = 5
bell = yes
[ui]
bell = what" "first-error-wins.ini:3: bell: unknown key in \[node\]"

# [keys]: an unknown action, a key that cannot be read, a character that
# would type itself, a key bound to two actions, each named with its line.
check_error keys-action "[keys]
next-window = C-o
next-windw = C-o" "keys-action.ini:3: next-windw: unknown action"
check_error keys-name "[keys]
next-window = C-o Ctrl-o" "keys-name.ini:2: next-window: \"Ctrl-o\": unknown key name"
check_error keys-char "[keys]
next-window = o" "keys-char.ini:2: next-window: \"o\": a character alone types itself"
check_error keys-clash "[keys]
next-window = C-p" "keys-clash.ini:2: next-window: C-p is bound to previous-window already"
check_error keys-clash2 "[keys]
next-window = C-o
scroll-up = PageUp
scroll-down = C-o" "keys-clash2.ini:4: scroll-down: C-o is bound to next-window already"
check_error keys-empty "[keys]
next-window =" "keys-empty.ini:2: next-window: no key given"
# The same errors stop --list-keys, and a good [keys] shows in it.
printf '[keys]\nnext-window = C-p\n' > "$T/clash.ini"
"$P2PCHAT" -f "$T/clash.ini" --list-keys > /dev/null 2> "$T/clash.err" &&
    fail "--list-keys took a key bound twice"
grep -q "clash.ini:2: next-window: C-p" "$T/clash.err" ||
    fail "--list-keys: $(cat "$T/clash.err")"
printf '[keys]\nnext-window = M-C-n C-Right\nredraw = none\n' > "$T/rebind.ini"
"$P2PCHAT" -f "$T/rebind.ini" --list-keys > "$T/rebind.keys" ||
    fail "--list-keys with [keys] failed"
[ "$(grep '	next-window	' "$T/rebind.keys" | cut -f 1 | tr '\n' ' ')" = \
    "M-C-n C-Right " ] || fail "next-window: $(grep next-window "$T/rebind.keys")"
grep -q '	redraw	' "$T/rebind.keys" && fail "redraw = none left it bound"

# A file that is not a regular file is refused at once, naming it: a link
# to /dev/zero would be read for ever, a FIFO would block the open.
# timeout(1) makes a hang a failure.
if command -v timeout > /dev/null 2>&1; then
	TIMEOUT="timeout 60"
else
	TIMEOUT=""
fi
# check_refused NAME FILE PATTERN: FILE is refused with PATTERN, quickly.
check_refused() {
	$TIMEOUT "$P2PCHAT" --headless -d "$T/prof" -f "$2" \
	    -l 127.0.0.1:0 < /dev/null > "$T/$1.stdout" 2> "$T/$1.stderr"
	rc=$?
	[ $rc -eq 124 ] && fail "$1: still reading after 60 seconds"
	[ $rc -eq 1 ] || fail "$1: exit status $rc, expected 1"
	grep -q ready "$T/$1.stdout" && fail "$1: node started anyway"
	grep -q -- "$3" "$T/$1.stderr" || \
	    fail "$1: error \"$(cat "$T/$1.stderr")\" does not match \"$3\""
}
ln -s /dev/zero "$T/zero.ini"
check_refused zero "$T/zero.ini" "$T/zero.ini: not a regular file"
mkfifo "$T/fifo.ini"
check_refused fifo "$T/fifo.ini" "$T/fifo.ini: not a regular file"
check_refused dir "$T" "$T: not a regular file"
# /dev/null is the one device taken, as an empty file: no configuration.
# (A bad --listen, checked after the file is read, stops it there: with
# every default it would announce itself on the LAN.)
$TIMEOUT "$P2PCHAT" --headless -d "$T/devnull" -f /dev/null -l nowhere \
    < /dev/null > /dev/null 2> "$T/devnull.stderr"
rc=$?
[ $rc -eq 2 ] && grep -q -- "--listen:" "$T/devnull.stderr" || \
    fail "-f /dev/null: exit status $rc: $(cat "$T/devnull.stderr")"

# 100,000 lines (3 MB) are more than a configuration file may have.
{
	echo '[node]'
	seq 1 100000 | sed 's/.*/bootstrap = 198.51.100.7:7300/'
} > "$T/huge.ini"
check_refused huge "$T/huge.ini" \
    "huge.ini: [0-9]* bytes, larger than the 1048576"

# A repeatable key has a bound too, named with its line: 256 addresses
# are taken, the 257th is refused (loopback addresses: nothing leaves
# the machine).
{
	echo '[node]'
	echo 'lan_discovery = no'
	seq 1 257 | awk '{ printf "bootstrap = 127.1.%d.%d:9\n", \
	    int($1 / 256), $1 % 256 }'
} > "$T/many.ini"
check_refused many "$T/many.ini" \
    "many.ini:259: bootstrap: more than 256 values"
head -n 258 "$T/many.ini" > "$T/p256.ini"
echo /quit | $TIMEOUT "$P2PCHAT" --headless -d "$T/p256" \
    -f "$T/p256.ini" -l 127.0.0.1:0 -n p256 > "$T/p256.stdout" \
    2> "$T/p256.stderr" || fail "256 addresses: $(cat "$T/p256.stderr")"
grep -q '"event":"ready"' "$T/p256.stdout" || fail "256 addresses: no ready"

# 100,000 lines within the size bound load, and quickly enough that the
# timeout does not end them.
{
	echo '[node]'
	echo 'lan_discovery = no'
	seq 1 100000 | sed 's/.*/nick = n/'
} > "$T/long.ini"
echo /quit | $TIMEOUT "$P2PCHAT" --headless -d "$T/long" \
    -f "$T/long.ini" -l 127.0.0.1:0 > "$T/long.stdout" 2> "$T/long.stderr"
rc=$?
[ $rc -eq 0 ] || \
    fail "100,000 short lines: exit status $rc: $(cat "$T/long.stderr")"
grep -q '"event":"ready".*"nick":"n"' "$T/long.stdout" || \
    fail "100,000 short lines: not ready with nick n"

# A named file that is missing is an error; a missing default file is not.
"$P2PCHAT" --headless -d "$T/prof" -f "$T/missing.ini" < /dev/null \
    > /dev/null 2> "$T/missing.err"
[ $? -eq 1 ] || fail "missing named config did not exit 1"
grep -q "missing.ini: No such file" "$T/missing.err" || \
    fail "missing file error: $(cat "$T/missing.err")"

# A good file in the profile directory is read by default; flags win.
mkdir -p "$T/good"
cat > "$T/good/p2pchat.ini" <<'INI'
# p2pchat settings
[node]
nick = carol
listen = 127.0.0.1:0
max_peers = 10
lan_discovery = no
[log]
level = debug
[ui]
notify = osc777
INI
start_node good
send good /id
wait_for good '"event":"id".*"nick":"good"'
stop_node good
grep -q debug "$T/good/p2pchat.log" || fail "log level from the file unused"
pass
