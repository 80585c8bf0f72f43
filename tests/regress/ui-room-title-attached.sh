#!/bin/sh
# ui-room-title-attached: ui-room-title.sh with its screen attached to a
# background node: the counts come from the node (member and conv events),
# also when a member goes offline.

UI_ATTACH=yes
. "$TESTS_DIR/regress/ui-room-title.sh"
