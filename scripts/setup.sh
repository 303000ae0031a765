#!/bin/sh
# SPDX-License-Identifier: MIT
# Install the Debian packages listed in scripts/packages.txt that are not
# installed yet. Idempotent and quiet when nothing is missing, so `make run`
# and `make test` can call it every time.
#
#   usage: scripts/setup.sh [TARGET...]
#
# A package listed with a make target after it (`clang-format fmt`) is
# needed by that target only: it is installed when the target is named
# here (`make fmt` runs `scripts/setup.sh fmt`), never for `make test`.
set -eu
here=$(dirname "$0")
missing=""
while read -r pkg target; do
    case "$pkg" in '' | '#'*) continue ;; esac
    if [ -n "$target" ]; then
        case " $* " in *" $target "*) ;; *) continue ;; esac
    fi
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    case "$status" in
        *"install ok installed"*) ;;
        *) missing="$missing $pkg" ;;
    esac
done < "$here/packages.txt"
[ -z "$missing" ] && exit 0
echo "setup: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
# Try without refreshing the package lists first; refresh only if that fails.
if ! $SUDO apt-get install -y --no-install-recommends $missing; then
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends $missing
fi
