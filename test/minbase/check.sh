#!/bin/sh
# SPDX-License-Identifier: MIT
# Check that the README's two commands work on a fresh Debian 12 with only
# make and git: build a debootstrap minbase chroot (once), install make and
# git in it, clone this repository's committed HEAD into it, and run, as
# root inside the chroot, `make test` then `make run` twice (first boot,
# then resume). This is how scripts/packages.txt was checked to be complete.
#
#   usage: test/minbase/check.sh [ROOT]      (as root on a Debian 12 host)
#
# ROOT defaults to /var/tmp/cairn-minbase and is kept afterwards, so a
# second run skips debootstrap and reuses the clone (fetch + reset) and its
# build directory; delete ROOT to start from nothing. MIRROR overrides the
# Debian mirror (default http://deb.debian.org/debian).
#
# Not part of `make test`. Time on a 2-core machine without KVM, from
# nothing: 4.5 minutes (debootstrap 0.5, make and git 0.1, then `make
# test` 3.3 with setup.sh's apt-get, the build and the 31 tests, and 0.6
# for the two boots); about 3 minutes when ROOT is kept. Everything runs
# under `nice -n 19`.
set -eu

ROOT=${1:-/var/tmp/cairn-minbase}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BRANCH=$(git -C "$SRC" rev-parse --abbrev-ref HEAD)

[ "$(id -u)" -eq 0 ] || { echo "check.sh: run as root (debootstrap, chroot, mount)" >&2; exit 1; }

say() { echo "minbase: $*"; }

# 1. The minbase system, with only make and git added.
if [ ! -e "$ROOT/etc/debian_version" ]; then
    command -v debootstrap >/dev/null || apt-get install -y --no-install-recommends debootstrap
    say "debootstrap --variant=minbase bookworm $ROOT"
    nice -n 19 debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR"
fi

mounted=""
cleanup() {
    for m in $mounted; do umount "$ROOT/$m" || umount -l "$ROOT/$m" || true; done
}
trap cleanup EXIT INT TERM
mnt() {   # mnt DIR ARGS...: mount ARGS on ROOT/DIR unless mounted already
    d=$1; shift
    mountpoint -q "$ROOT/$d" && return 0
    mount "$@" "$ROOT/$d"
    mounted="$d $mounted"     # unmount in reverse order
}
mnt proc -t proc proc
mnt sys -t sysfs sysfs
mnt dev --bind /dev
mnt dev/pts --bind /dev/pts
mnt dev/shm -t tmpfs tmpfs
cp /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true

in_root() { chroot "$ROOT" /usr/bin/env -i HOME=/root TERM=dumb \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }

if ! in_root sh -c 'command -v make && command -v git' >/dev/null; then
    say "installing make and git"
    in_root apt-get update
    in_root apt-get install -y --no-install-recommends make git
fi

# 2. A clone of the committed HEAD (uncommitted changes are not checked).
if [ -d "$ROOT/root/cairn/.git" ]; then
    git -C "$ROOT/root/cairn" fetch -q "$SRC" "$BRANCH"
    git -C "$ROOT/root/cairn" reset -q --hard FETCH_HEAD
else
    git clone -q --branch "$BRANCH" "$SRC" "$ROOT/root/cairn"
fi
say "testing $(git -C "$ROOT/root/cairn" log --oneline -1)"

t0=$(date +%s)
in_root sh -c 'cd /root/cairn && nice -n 19 make test'
t1=$(date +%s)
say "make test passed in $((t1 - t0)) s"

# 3. make run: a first boot on a fresh volume, then a resume.
out=$ROOT/root/cairn/build/minbase-run
rm -f "$ROOT/root/cairn/cairn.img"
in_root sh -c 'cd /root/cairn && timeout 20 nice -n 19 make run </dev/null' >"$out.1" 2>&1 || true
in_root sh -c 'cd /root/cairn && timeout 15 nice -n 19 make run </dev/null' >"$out.2" 2>&1 || true
ok=1
for check in "1:cairn: first boot" "1:hello: hello from a domain" "2:cairn: resumed from checkpoint"; do
    n=${check%%:*}; want=${check#*:}
    if grep -q "$want" "$out.$n"; then
        say "run $n shows '$want'"
    else
        say "run $n does not show '$want' (log: $out.$n)"; ok=0
    fi
done
[ $ok -eq 1 ] || exit 1
say "all passed"
