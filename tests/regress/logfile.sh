#!/bin/sh
# logfile.sh: what a peer says cannot forge a log line, and the log is
# rotated at [log] max_size. An evil peer leaves again and again with BYE
# reason 200 and a text holding a newline, a forged line and ESC [2J.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

EVIL=${EVIL:-$(dirname "$P2PCHAT")/tests/regress/evil}
[ -x "$EVIL" ] || skip "the evil peer ($EVIL) was not built"

mkdir -m 700 "$T/alice"
printf '[node]\nlan_discovery = no\n[log]\nlevel = debug\nmax_size = 4096\n' \
    > "$T/alice/p2pchat.ini"
start_node alice -l 127.0.0.1:0
LOG=$T/alice/p2pchat.log
esc=$(printf '\033')

# forge: one evil session that says BYE. The node logs the BYE before it
# closes the connection, and evil returns once it is closed.
forged=0
forge() {
	forged=$((forged + 1))
	out=$("$EVIL" bye-forge 127.0.0.1 "$alice_port" 2>&1) ||
	    fail "bye-forge: $out"
}

forge
grep -F 'said bye, unknown (200): \n2026-01-01 forged line\x1b[2J' "$LOG" \
    >/dev/null || fail "the BYE text is not escaped in the log"

# Until the log is rotated once, then once more (p2pchat.log.1 replaced).
while [ ! -f "$LOG.1" ]; do
	[ $forged -gt 200 ] && fail "the log was never rotated"
	forge
done
first=$(head -n 1 "$LOG.1")
while [ "$(head -n 1 "$LOG.1")" = "$first" ]; do
	[ $forged -gt 400 ] && fail "the log was not rotated a second time"
	forge
done
grep -q 'log_rotate: the last [0-9]* bytes are in .*p2pchat.log.1' "$LOG" ||
    fail "the new log does not say where the old one went"

for f in "$LOG" "$LOG.1"; do
	size=$(wc -c < "$f")
	# At most one line past the bound.
	[ "$size" -le 6144 ] || fail "$f is $size bytes, over 4096 and a line"
	if grep -q "$esc" "$f"; then
		fail "$f holds a raw ESC"
	fi
	if grep -q '^2026-01-01 forged line' "$f"; then
		fail "$f holds a forged line"
	fi
done
[ ! -e "$LOG.2" ] || fail "a second old log was kept"
echo "rotated after $forged sessions"

stop_node alice
pass
