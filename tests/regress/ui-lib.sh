# tests/regress/ui-lib.sh: helpers for the screen tests, sourced after
# tests/lib.sh. Each test runs its screens in a private tmux server.
#
#   start_peer NAME [ARGS...]   start_node on 127.0.0.1, no LAN discovery
#   start_screen NAME [ARGS...]  start p2pchat's screen in tmux session
#                                NAME (80x24) with profile $T/NAME (or
#                                $T/$UI_HOME); wait
#                                for the first screen; sets NAME_port
#   screen_with_bob              headless bob, alice's screen dialling him,
#                                bob's window open once he is online
#   capture NAME                 print the screen (capture-pane -p)
#   wait_screen NAME REGEX [S]   wait until a line of the screen matches
#   wait_no_screen NAME REGEX    wait until no line matches
#   wait_screen_is NAME FILE     wait until the masked screen is FILE
#   scribble NAME TEXT           clear the pane and write TEXT on it
#                                behind the program's back
#   keys NAME KEY...             tmux send-keys (key names: M-2, C-n...)
#   type_line NAME TEXT          type text literally, then Enter
#   stop_screen NAME             /quit, and wait for the program to exit
#   mask                         filter: hide ids, ports, times, dates
#   node_pid NAME                the pid of the background node of NAME
#
# Screens run their node in-process (--no-daemon) unless UI_ATTACH=yes:
# then p2pchat starts the node in the background and attaches the screen
# to it, as it does by default. ui_cleanup stops every background node a
# test started (--kill, then SIGKILL), so that none outlives the test.

command -v tmux > /dev/null 2>&1 || skip "tmux is not installed"
UI_LANG=
for _l in C.UTF-8 C.utf8 en_US.UTF-8 en_US.utf8; do
	if locale -a 2>/dev/null | grep -qix "$_l"; then
		UI_LANG=$_l
		break
	fi
done
[ -n "$UI_LANG" ] || skip "no UTF-8 locale"
TM="tmux -L p2pchat-test-$$ -f /dev/null"

UI_NODES=

# The pid of the node running on profile $1, from its hello.
node_pid() {
	$P2PCHAT -d "$T/$1" --headless --attach < /dev/null 2> /dev/null | \
	    sed -n 's/.*"event":"hello".*"pid":\([0-9]*\).*/\1/p' | head -n 1
}

# Remember the background node of profile $1 (ui_cleanup stops it).
ui_node_add() {
	_p=$(node_pid "$1")
	[ -n "$_p" ] && UI_NODES="$UI_NODES $_p"
}

ui_cleanup() {
	$TM kill-server > /dev/null 2>&1
	for _d in "$T"/*/; do
		[ -S "$_d/p2pchat.sock" ] || continue
		ui_node_add "$(basename "$_d")"
		timeout 15 $P2PCHAT -d "$_d" --kill > /dev/null 2>&1
	done
	# Not our children: once gone, their pids may already be another
	# program's. Only a process whose command line names this test's
	# profiles is killed.
	for _p in $UI_NODES; do
		tr '\0' ' ' < "/proc/$_p/cmdline" 2> /dev/null | \
		    grep -qF -- "$T/" && kill -9 "$_p" 2> /dev/null
	done
	cleanup
}
trap ui_cleanup EXIT

# A profile directory whose node stays off the LAN (no discovery) and
# takes messages from anyone (UI_ACCEPT=contacts for contact requests).
profile() {
	mkdir -p "$T/$1"
	[ -f "$T/$1/p2pchat.ini" ] || \
	    printf '[node]\nlan_discovery = no\naccept = %s\n%s' \
	    "${UI_ACCEPT:-anyone}" "$UI_INI" > "$T/$1/p2pchat.ini"
}

# Start a headless peer listening on a free port of 127.0.0.1.
start_peer() {
	profile "$1"
	start_node "$@" -l 127.0.0.1:0
}

# Start a screen; extra arguments go to p2pchat. UI_ENV adds variables,
# UI_INI lines to the profile's p2pchat.ini; UI_AFTER runs after it.
start_screen() {
	_n=$1
	shift
	_home=${UI_HOME:-$_n}
	profile "$_home"
	_mode=--no-daemon
	[ "${UI_ATTACH:-no}" = yes ] && _mode=
	# "[exited N]" starts a line even when a killed screen left the
	# terminal raw (no carriage return at a newline).
	$TM new-session -d -s "$_n" -x 80 -y 24 \
	    "env LANG=$UI_LANG LC_ALL=$UI_LANG TERM=screen $UI_ENV \
	    $P2PCHAT_WRAPPER $P2PCHAT $_mode -d $T/$_home -n $_n -l 127.0.0.1:0 \
	    $* \
	    2> $T/$_n.err; printf '\\r\\n[exited %s]\\n' \$?; \
	    ${UI_AFTER:-sleep 600}" \
	    || \
	    fail "tmux new-session failed"
	$TM set-option -t "$_n" -g remain-on-exit on > /dev/null 2>&1
	wait_screen "$_n" '127\.0\.0\.1:[0-9]+ \|' 10
	[ -z "$_mode" ] && ui_node_add "$_home"
	setvar "${_n}_port" "$(capture "$_n" | tail -n 2 | head -n 1 | \
	    sed -n 's/.*127\.0\.0\.1:\([0-9][0-9]*\) |.*/\1/p')"
}

# The usual start: a headless bob, alice's screen dialling him, and bob's
# window (2) open once he is online.
screen_with_bob() {
	start_peer bob
	start_screen alice -c "127.0.0.1:$bob_port"
	wait_screen alice '^ +2 \* bob '
	keys alice M-2
	wait_screen alice 'bob \([0-9a-f]{8}\) -- unverified -- online'
}

capture() {
	$TM capture-pane -p -t "$1"
}

# Wait until the screen of $1 has a line matching $2 (within $3 s).
wait_screen() {
	_i=0
	_max=$(( ${3:-15} * 10 ))
	while ! capture "$1" | grep -Eq -- "$2"; do
		_i=$((_i + 1))
		if [ $_i -gt $_max ]; then
			echo "--- screen $1" >&2
			capture "$1" >&2
			[ -s "$T/$1.err" ] && cat "$T/$1.err" >&2
			fail "$1: timed out waiting for /$2/ on the screen"
		fi
		sleep 0.1
	done
}

# Wait until no line of the screen of $1 matches $2.
wait_no_screen() {
	_i=0
	while capture "$1" | grep -Eq -- "$2"; do
		_i=$((_i + 1))
		if [ $_i -gt $(( ${3:-15} * 10 )) ]; then
			capture "$1" >&2
			fail "$1: timed out waiting for /$2/ to go"
		fi
		sleep 0.1
	done
}

# Wait until the screen of $1, masked, is the same as file $2.
wait_screen_is() {
	_i=0
	while ! capture "$1" | mask | cmp -s - "$2"; do
		_i=$((_i + 1))
		if [ $_i -gt $(( ${3:-15} * 10 )) ]; then
			capture "$1" | mask | diff "$2" - >&2
			fail "$1: timed out waiting for the screen in $2"
		fi
		sleep 0.1
	done
}

# Clear the terminal of screen $1 and write $2 on it, straight to the
# pane's tty: the program does not see it and its curses still believes
# the screen holds what it drew.
scribble() {
	_tty=$($TM display-message -p -t "$1" '#{pane_tty}')
	[ -c "$_tty" ] || fail "$1: no pane tty ($_tty)"
	printf '\033[H\033[2J%s' "$2" > "$_tty"
}

keys() {
	_n=$1
	shift
	$TM send-keys -t "$_n" "$@"
}

type_line() {
	$TM send-keys -t "$1" -l "$2"
	$TM send-keys -t "$1" Enter
}

# Quit a screen with /quit and wait for it to exit; it must exit 0 with
# no sanitizer report.
stop_screen() {
	keys "$1" C-e C-u
	type_line "$1" /quit
	if [ "${UI_ATTACH:-no}" = yes ]; then
		# [ui] quit = ask: s stops the node too.
		wait_screen "$1" 'Quit: s stops the node'
		keys "$1" s
	fi
	wait_screen "$1" '^\[exited [0-9]+\]' 15
	if grep -Eq 'Sanitizer|runtime error' "$T/$1.err" 2>/dev/null; then
		fail "$1: sanitizer report: $(head -n 30 "$T/$1.err")"
	fi
	capture "$1" | grep -q '^\[exited 0\]' || \
	    fail "$1: $(capture "$1" | grep '^\[exited')"
}

# Hide what changes from run to run.
mask() {
	sed -e 's/[0-9a-f]\{8\}/XXXXXXXX/g' \
	    -e 's/127\.0\.0\.1:[0-9]*/127.0.0.1:PORT/g' \
	    -e 's/[0-9][0-9]:[0-9][0-9]/HH:MM/g' \
	    -e 's/-- [A-Z][a-z]* [0-9][0-9] [A-Z][a-z]* [0-9]* --/-- DATE --/' \
	    -e 's/ *$//'
}
