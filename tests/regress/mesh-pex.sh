#!/bin/sh
# mesh-pex.sh: 20 nodes, each given only the first node's address, find each
# other by peer exchange: every node reaches peers_target sessions and every
# address book comes to hold all 20 listening addresses.

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

N=${MESH_NODES:-20}
cat > "$T/mesh.ini" <<'INI'
[node]
peers_target = 8
pex_interval = 2
lan_discovery = no
INI
start_mesh $N "$T/mesh.ini"

# online_count NODE: how many peers its latest /peers lists online.
online_count() {
	_before=$(count "$1" '"event":"done","command":"peers"')
	send "$1" /peers
	wait_for "$1" '"event":"done","command":"peers"' 10 $((_before + 1))
	awk '/"event":"done","command":"peers"/ { last = n; n = 0; next }
	    /"event":"peer","n":/ && /"state":"online"/ { n++ }
	    END { print last + 0 }' "$T/$1.out"
}

# book_count NODE: how many of the mesh's listen ports its book holds.
book_count() {
	_before=$(count "$1" '"event":"done","command":"addresses"')
	send "$1" /addresses
	wait_for "$1" '"event":"done","command":"addresses"' 10 $((_before + 1))
	awk '/"event":"done","command":"addresses"/ { last = cur; cur = ""; next }
	    /"event":"address"/ { cur = cur $0 "\n" }
	    END { printf "%s", last }' "$T/$1.out" | \
	    sed -n 's/.*"addr":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' | sort -u \
	    > "$T/$1.book"
	grep -c -x -F -f "$T/ports" "$T/$1.book"
}

: > "$T/ports"
i=1
while [ $i -le $N ]; do
	getvar m${i}_port >> "$T/ports"
	echo >> "$T/ports"
	i=$((i + 1))
done

deadline=$(( $(date +%s) + 60 ))
while :; do
	short=""
	i=1
	while [ $i -le $N ]; do
		c=$(online_count m$i)
		b=$(book_count m$i)
		# A node's own port is in its book only if a peer told it.
		[ "$c" -ge 8 ] && [ "$b" -ge $((N - 1)) ] || \
		    short="$short m$i($c sessions, $b addresses)"
		i=$((i + 1))
	done
	[ -z "$short" ] && break
	[ "$(date +%s)" -gt "$deadline" ] && fail "not converged:$short"
	sleep 1
done
echo "all $N nodes have at least 8 sessions and know all $N addresses"
i=1
while [ $i -le $N ]; do
	stop_node m$i
	i=$((i + 1))
done
pass
