#!/bin/sh
# SPDX-License-Identifier: MIT
# gdb.sh BUILD VOLUME MEM: boot Cairn halted under QEMU's gdbstub (tcp::1234)
# in the background and attach gdb-multiarch with the kernel's symbols.
# Quitting gdb kills QEMU.
set -eu
build=$1; volume=$2; mem=$3
gdb=$(command -v gdb-multiarch || command -v riscv64-unknown-elf-gdb || command -v gdb)
./scripts/cairn-qemu --build "$build" --mem "$mem" --gdb "$volume" </dev/null >"$build/qemu-gdb.log" 2>&1 &
qemu=$!
trap 'kill -9 $qemu 2>/dev/null || true' EXIT
echo "QEMU (pid $qemu) is waiting for gdb on tcp::1234; its console goes to $build/qemu-gdb.log"
"$gdb" -q "$build/kern/cairn.elf" \
    -ex 'set architecture riscv:rv64' \
    -ex 'target remote localhost:1234'
