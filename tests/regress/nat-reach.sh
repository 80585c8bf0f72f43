#!/bin/sh
# nat-reach.sh: observed addresses and dial-back through a NAT (issue 16).
# In a lab of network namespaces (nat-lib.sh): P is public at
# 198.51.100.2; A sits behind router R (198.51.100.11, masquerade, inbound
# dropped). A connects to P. P's dial-back to A's observed address (R's)
# fails, so A says "behind NAT"; A's dial-back of P succeeds, so P says
# "public 198.51.100.2:PORT". P hands A's listen port, never reached, to
# nobody; A still chats with P.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"
. "${TESTS_DIR:-$(dirname "$0")/..}/regress/nat-lib.sh"

lab_init
lab_public p 2
lab_router r 11 1
lab_host a r 1 2

lab_node p p -l 198.51.100.2:0
lab_node a a -l 10.1.0.2:0 -c "198.51.100.2:$p_port"
wait_for p '"nick":"a","state":"online","addr":"198.51.100.11:'
wait_for a '"event":"reach","reach":"behind NAT"' 30
wait_for p "\"event\":\"reach\",\"reach\":\"public 198.51.100.2:$p_port\"" 30
send a "/id"
wait_for a '"event":"id".*"reach":"behind NAT"'
send a "/msg p through the NAT"
wait_for p '"event":"message".*"text":"through the NAT"'
stop_node a
stop_node p
pass
