#!/bin/sh
# ui-part-attached: ui-part.sh with its screens attached to background
# nodes: a room joined after the screen attached gets its window.

UI_ATTACH=yes
. "$TESTS_DIR/regress/ui-part.sh"
