#!/bin/sh
# diskerr.sh: a full disk or a read-only file system under the profile gives
# clear error events, loses nothing already stored, and the node recovers.
# Needs root for a private mount namespace with a small tmpfs.

if [ -z "$DISKERR_INSIDE" ]; then
	[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root to mount a tmpfs" >&2; exit 77; }
	command -v unshare > /dev/null || { echo "SKIP: no unshare(1)" >&2; exit 77; }
	unshare -m true 2> /dev/null || \
	    { echo "SKIP: cannot make a mount namespace here" >&2; exit 77; }
	DISKERR_INSIDE=1 exec unshare -m sh "$0" "$@"
fi

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

mkdir -p "$T/disk"
mount -t tmpfs -o size=1200k tmpfs "$T/disk" || skip "cannot mount a tmpfs"
# Unmount before lib.sh's cleanup removes the directory.
trap 'cleanup_nodes; umount "$T/alice-ro" 2>/dev/null; umount "$T/disk" 2>/dev/null; rm -rf "$T"' EXIT
cleanup_nodes() {
	for _p in $_pids; do kill -9 "$_p" 2>/dev/null; done
	wait 2>/dev/null
}

start_node bob -l 127.0.0.1:0
# Alice's profile lives on the small tmpfs.
mkdir -p "$T/disk/alice"
ln -s "$T/disk/alice" "$T/alice"
start_node alice -l 127.0.0.1:0 -c "127.0.0.1:$bob_port"
wait_for alice "\"id\":\"$bob_id\".*\"state\":\"online\""
for i in 1 2 3 4 5; do
	send alice "/msg bob before the disk filled $i"
done
wait_for alice '"event":"delivered"' 20 5

# Fill the disk, then keep sending until the store refuses.
dd if=/dev/zero of="$T/disk/filler" bs=4k 2> /dev/null
i=0
while [ "$(count alice '"event":"error","message":"database:')" -eq 0 ]; do
	i=$((i + 1))
	[ $i -gt 400 ] && fail "no database error with a full disk"
	send alice "/msg bob filling $i $(head -c 3000 /dev/zero | tr '\0' z)"
	sleep 0.02
done
grep '"event":"error","message":"database:' "$T/alice.out" | head -n 1
grep '"event":"error","message":"database:' "$T/alice.out" | head -n 1 | \
    grep -qi "full\|space" || fail "the error does not say the disk is full"
kill -0 "$alice_pid" || fail "alice died on a full disk"

# Room again: nothing stored before is lost, and sending works again.
rm -f "$T/disk/filler"
sleep 0.5
send alice "/msg bob after the disk emptied"
wait_for bob '"text":"after the disk emptied"' 20
send alice "/history bob 1000"
wait_for alice '"event":"done","command":"history"'
n=$(grep '"event":"history"' "$T/alice.out" | grep -c 'before the disk filled')
[ "$n" -eq 5 ] || fail "only $n of 5 earlier messages in history"

# A read-only profile directory: the node refuses to start, clearly, and
# the database in it is left as it was.
stop_node alice
mkdir -p "$T/alice-ro"
mount --bind "$T/disk/alice" "$T/alice-ro" && \
    mount -o remount,bind,ro "$T/alice-ro" || skip "no read-only bind mount"
sum1=$(cksum < "$T/disk/alice/p2pchat.db")
"$P2PCHAT" --headless -d "$T/alice-ro" -l 127.0.0.1:0 < /dev/null \
    > "$T/ro.out" 2> "$T/ro.err"
[ $? -eq 1 ] || fail "start on a read-only profile did not exit 1"
grep -q ready "$T/ro.out" && fail "started on a read-only profile"
grep -q "Read-only file system" "$T/ro.err" || fail "ro start: $(cat "$T/ro.err")"
cat "$T/ro.err"
umount "$T/alice-ro"
[ "$(cksum < "$T/disk/alice/p2pchat.db")" = "$sum1" ] || \
    fail "the database changed"
start_node alice -l 127.0.0.1:0
send alice "/history $bob_id 1000"
wait_for alice '"event":"done","command":"history"' 20 2
n=$(grep '"event":"history"' "$T/alice.out" | tail -n 100 | \
    grep -c 'before the disk filled\|after the disk emptied')
[ "$n" -ge 6 ] || fail "after restart only $n earlier messages in history"
stop_node alice
stop_node bob
pass
