#!/bin/sh
# ui-exit: the terminal is given back. After /quit and after SIGTERM the
# program exits 0, the alternate screen is gone and the tty is in its
# usual cooked mode again (echo, icanon).

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

UI_AFTER='stty -a | tr " " "\n" | grep -x -e -icanon -e icanon -e -echo -e echo | tr "\n" " "; echo; sleep 600'

for how in quit term; do
	start_screen "$how"
	[ "$($TM display -p -t "$how" '#{alternate_on}')" = 1 ] || \
	    fail "$how: no alternate screen"
	if [ $how = quit ]; then
		type_line "$how" /quit
	else
		kill -TERM "$(cat "$T/$how/p2pchat.lock")"
	fi
	wait_screen "$how" '^\[exited 0\]'
	wait_screen "$how" '^icanon echo *$'
	[ "$($TM display -p -t "$how" '#{alternate_on}')" = 0 ] || \
	    fail "$how: still on the alternate screen"
done
pass
