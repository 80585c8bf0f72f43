#!/bin/sh
# ui-nocolor: colours degrade. The screen draws with colour escapes by
# default, and with none (bold and reverse only) when NO_COLOR is set or
# the config says colours = no.

. "$TESTS_DIR/lib.sh"
. "$TESTS_DIR/regress/ui-lib.sh"

# SGR parameters that set a colour (39 and 49 reset it to the default):
# 30-38, 40-48, 90-97, 100-107.
colours() {
	$TM capture-pane -p -e -t "$1" | \
	    grep -Ec '\[([0-9;]*;)?(3[0-8]|4[0-8]|9[0-7]|10[0-7])(;[0-9;]*)?m'
}

start_screen plain
start_screen mono -c "127.0.0.1:$plain_port"
wait_screen plain '^ +2 \* mono '
[ "$(colours plain)" -gt 0 ] || fail "no colours by default"

UI_ENV="NO_COLOR=1" start_screen nocolor -c "127.0.0.1:$plain_port"
wait_screen nocolor '^ +2 \* plain '
keys nocolor M-2
type_line nocolor "in black and white"
wait_screen nocolor 'in black and white +ok$'
[ "$(colours nocolor)" -eq 0 ] || fail "NO_COLOR=1 but colours drawn"
# Monochrome still marks the bars: reverse video.
$TM capture-pane -p -e -t nocolor | grep -q '\[7m\|\[[0-9;]*;7m\|\[7;' \
    || fail "no reverse video in monochrome"

UI_INI="[ui]
colours = no
" start_screen nocfg -c "127.0.0.1:$plain_port"
wait_screen nocfg '^ +2 \* plain '
[ "$(colours nocfg)" -eq 0 ] || fail "colours = no but colours drawn"
pass
