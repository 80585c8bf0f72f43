#!/bin/sh
# ui-chat-attached: ui-chat.sh with its screens attached to background nodes
# (p2pchat with no options), not running their nodes in-process.

UI_ATTACH=yes
. "$TESTS_DIR/regress/ui-chat.sh"
