#!/bin/sh
# autogen.sh: make configure and Makefile.in from a git checkout.
set -e
cd "$(dirname "$0")"
mkdir -p etc/m4
exec autoreconf -fi
