#!/bin/sh
# SPDX-License-Identifier: MIT
# Format the tracked C sources and headers with clang-format and the
# repository's .clang-format (`make fmt`, `make fmt-check`).
#
#   usage: scripts/format.sh [--check] [PATH...]
#
# Without --check every tracked *.c and *.h file (under PATH..., default:
# the whole repository) is rewritten in place. With --check nothing is written:
# the files that clang-format would change are listed and the exit status
# is 1 if there is one. Only files git tracks are touched (git ls-files),
# so build directories and the libfdt sources extracted into them never
# are. CLANG_FORMAT names the binary (default clang-format); the style is
# tuned for clang-format 14, and another version may format differently.
set -eu
check=false
if [ "${1:-}" = "--check" ]; then
    check=true
    shift
fi
cf=${CLANG_FORMAT:-clang-format}
if ! command -v "$cf" >/dev/null 2>&1; then
    echo "format.sh: $cf not found (scripts/setup.sh fmt installs it)" >&2
    exit 2
fi
case "$("$cf" --version)" in
    *" version 14."*) ;;
    *) echo "format.sh: warning: .clang-format is tuned for clang-format 14, not $("$cf" --version)" >&2 ;;
esac
[ $# -gt 0 ] || set -- ':/'      # the whole repository, from any directory
if ! $check; then
    git ls-files -z -- "$@" | grep -z '\.[ch]$' | xargs -0 -r "$cf" -i --style=file
    exit 0
fi
# One clang-format per 40 files (--dry-run names each file it would
# change), two at a time: a process per file took 30 s on a loaded machine.
unformatted=$(git ls-files -z -- "$@" | grep -z '\.[ch]$' | xargs -0 -r -n 40 -P 2 sh -c '
    "$0" --dry-run --style=file "$@" 2>&1 |
        sed -n "s/^\(.*\):[0-9]*:[0-9]*: warning: code should be clang-formatted.*/\1/p"' "$cf" |
    sort -u)
[ -z "$unformatted" ] && exit 0
echo "format.sh: not formatted (scripts/format.sh fixes them):" >&2
echo "$unformatted"
exit 1
