#!/bin/sh
# ui-scroll-attached: ui-scroll.sh with its screens attached to background nodes
# (p2pchat with no options), not running their nodes in-process.

UI_ATTACH=yes
. "$TESTS_DIR/regress/ui-scroll.sh"
