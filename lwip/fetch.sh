#!/bin/sh
# SPDX-License-Identifier: MIT
# fetch.sh OUTDIR FILE...: fetch lwIP 2.1.3 from Debian's `lwip` source
# package and put its FILEs (paths under the tarball's src/, e.g.
# core/ipv4/etharp.c) into OUTDIR, flattened to their base names, with the
# whole of src/include/ as OUTDIR/include and the stamp OUTDIR/lwip_fetched.h
# written last.
#
# The machine's apt configuration is left alone: a deb-src list is derived
# from its own sources (same URIs, /etc/apt/sources.list.d/*.sources with
# "Types: deb" made "Types: deb-src", and one-line "deb " entries of
# sources.list and *.list made "deb-src "), written into OUTDIR/apt, and
# apt-get update and apt-get source run against it with their lists and
# caches there too. apt checks the downloaded files against the signed
# index (secure apt), so nothing else is verified here. The pristine
# upstream tarball (lwip_2.1.3+dfsg1.orig.tar.xz) is used: Debian's patches
# touch only the sockets API, tcpip thread, PPP and its CMake files, none of
# which Cairn builds.
set -eu
mkdir -p "$1"
outdir=$(cd "$1" && pwd); shift
orig=lwip_2.1.3+dfsg1.orig.tar.xz
work=$outdir/apt
rm -rf "$work"
mkdir -p "$work/sources.list.d" "$work/lists/partial" "$work/cache/archives/partial" "$work/src"
log=$work/log

fail() {
    echo "lwip/fetch.sh: $1 (log: $log)" >&2
    exit 1
}

# deb822 files: every "Types:" line naming deb names deb-src instead.
for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    sed -e '/^Types:/{/[[:space:]]deb\([[:space:]]\|$\)/s/^Types:.*/Types: deb-src/}' "$f" \
        >"$work/sources.list.d/src-$(basename "$f")"
done
# one-line files: "deb [options] uri suite components" -> "deb-src ...".
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -n -e 's/^[[:space:]]*deb[[:space:]]/deb-src /p' "$f" \
        >"$work/sources.list.d/src-$(basename "$f" .list)-$(echo "$f" | cksum | cut -d' ' -f1).list"
done

apt_get() {
    apt-get -q -o Dir::Etc::sourcelist=/dev/null \
        -o Dir::Etc::sourceparts="$work/sources.list.d" \
        -o Dir::State::Lists="$work/lists" \
        -o Dir::Cache="$work/cache" \
        "$@" >>"$log" 2>&1
}
apt_get update || fail "apt-get update against the machine's sources as deb-src failed"
(cd "$work/src" && apt_get source --download-only lwip) ||
    fail "could not download Debian's lwip source package (apt-get source --download-only lwip)"
[ -f "$work/src/$orig" ] || fail "apt-get source lwip did not bring $orig (another lwIP version?)"

tree=$work/tree
mkdir -p "$tree"
tar -xJf "$work/src/$orig" -C "$tree" lwip-2.1.3/src || fail "could not unpack $orig"
src=$tree/lwip-2.1.3/src
rm -rf "$outdir/include"
cp -R "$src/include" "$outdir/include"
for f in "$@"; do
    cp "$src/$f" "$outdir/$(basename "$f")"
done
echo "/* lwIP 2.1.3 fetched from Debian's lwip source package by lwip/fetch.sh */" \
    >"$outdir/lwip_fetched.h"
