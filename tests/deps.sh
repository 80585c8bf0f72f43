#!/bin/sh
# tests/deps.sh: install the Debian packages that building and testing
# p2pchat need, only those that are missing. Runs apt-get directly as root
# and through sudo otherwise. Exits non-zero when apt-get fails.
#
#   sh tests/deps.sh

PACKAGES="build-essential autoconf automake pkg-config libsodium-dev
libevent-dev libsqlite3-dev libinih-dev libncurses-dev libbsd-dev tmux mandoc
sqlite3 jq python3 clang libclang-rt-dev iproute2 libmd-dev libnatpmp-dev
libminiupnpc-dev nftables miniupnpd-nftables python3-libtorrent
python3-cryptography faketime strace"
# faketime gives room-catchup.sh authors whose clocks are hours off.
# strace counts the syncs a receiver makes in room-lazy.sh.
# python3-libtorrent is the rest of the Mainline DHT in tests/regress/dht.sh
# (python3-cryptography makes the Ed25519 key it puts an item under);
# nftables and miniupnpd build the NAT lab of the nat-*.sh and portmap.sh.
# clang and libclang-rt-dev (its sanitizer and libFuzzer runtimes, only a
# recommendation of clang) are for ./configure CC=clang --enable-fuzzing.

if ! command -v dpkg >/dev/null 2>&1 ||
    ! command -v apt-get >/dev/null 2>&1; then
	echo "deps.sh: this is not a Debian system (no dpkg or apt-get);" \
	    "install the packages named in README by hand" >&2
	exit 1
fi

# Is a package installed (not only known, or removed with its config)?
installed() {
	dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed'
}

missing=""
for p in $PACKAGES; do
	installed "$p" || missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps.sh: every package is installed"
	exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
	as_root=""
elif command -v sudo >/dev/null 2>&1; then
	as_root="sudo"
else
	echo "deps.sh: not root and no sudo; as root run:" >&2
	echo "  apt-get update && apt-get install -y$missing" >&2
	exit 1
fi

echo "deps.sh: installing:$missing"
$as_root apt-get update || {
	echo "deps.sh: apt-get update failed" >&2
	exit 1
}
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y $missing || {
	echo "deps.sh: apt-get install failed" >&2
	exit 1
}
echo "deps.sh: done"
