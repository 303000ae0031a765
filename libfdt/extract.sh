#!/bin/sh
# SPDX-License-Identifier: MIT
# extract.sh TARBALL OUTDIR FILE...: copy libfdt's FILEs out of the Linux
# source tarball (scripts/dtc/libfdt/) into OUTDIR, flattened.
set -eu
tarball=$1; outdir=$2; shift 2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xJf "$tarball" -C "$tmp" --wildcards '*/scripts/dtc/libfdt/*'
for f in "$@"; do
    cp "$tmp"/*/scripts/dtc/libfdt/"$f" "$outdir/$f"
done
