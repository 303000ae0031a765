#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""itrace: where the instructions of one operation go.

Boots an image under QEMU's gdbstub, stops at the N-th call of a function
in one domain, single-steps every instruction (kernel and every domain)
until that function returns, and prints the instructions per function in
the order they ran. It is how docs/benchmarks.md says "where the
instructions go": the counts are the same instructions that rdinstret
counts, one by one (QEMU's gdb single-step masks interrupts, so no timer
interrupt lands inside the traced call).

    python3 test/qemu/itrace.py --build build --image apps/bankbench.image \\
        --domain bankbench --func buy_sell --skip 150

Domains are linked at the same addresses, so a user pc is named with the
program whose code is at that address in the current address space (satp):
the first time a satp is seen, the bytes at pc pick the program among the
image's programs.
"""
import argparse
import collections
import os
import re
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

GDB_SCRIPT = r'''
import gdb, json
gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set architecture riscv:rv64")
gdb.execute("target remote 127.0.0.1:%(port)d")
expected = bytes.fromhex("%(expected)s")
inf = gdb.selected_inferior()
gdb.execute("break *%(addr)d")
hits = 0
while True:
    gdb.execute("continue", to_string=True)
    pc = int(gdb.parse_and_eval("$pc")) & 0xffffffffffffffff
    if bytes(inf.read_memory(pc, len(expected))) == expected:
        hits += 1
        if hits > %(skip)d:
            break
gdb.execute("delete")
# QEMU's single-step runs an exception's handler without stopping in it
# (an ecall steps straight to the instruction after it): a breakpoint on
# the trap vector stops the step there.
gdb.execute("break *%(trap_entry)d")
# Stepping is slow in real time and QEMU's clock moves on while it steps:
# with sie cleared no timer or device interrupt lands inside the traced
# call (the run is killed after it, so they are never needed again).
gdb.execute("set $sie = 0")
ra = int(gdb.parse_and_eval("$ra")) & 0xffffffffffffffff
satp0 = int(gdb.parse_and_eval("$satp")) & 0xffffffffffffffff
out = open("%(out)s", "w")
seen = {}
n = 0
pc0 = int(gdb.parse_and_eval("$pc")) & 0xffffffffffffffff
SRET, ECALL = 0x10200073, 0x00000073
while n < %(limit)d:
    # QEMU 7.2's single-step does not stop after an instruction that
    # changes privilege: it runs on until the next breakpoint. So sret gets
    # a breakpoint where it goes (sepc), and an ecall from the kernel (to
    # the SBI) one after it; the domains' ecalls stop at trap_entry.
    insn = int.from_bytes(bytes(inf.read_memory(pc0, 4)), "little")
    if insn == SRET:
        gdb.execute("tbreak *%%d" %% (int(gdb.parse_and_eval("$sepc")) & 0xffffffffffffffff),
                    to_string=True)
        gdb.execute("continue", to_string=True)
    elif insn == ECALL and pc0 >= (1 << 63):
        gdb.execute("tbreak *%%d" %% (pc0 + 4), to_string=True)
        gdb.execute("continue", to_string=True)
    else:
        gdb.execute("stepi", to_string=True)
    pc = int(gdb.parse_and_eval("$pc")) & 0xffffffffffffffff
    satp = int(gdb.parse_and_eval("$satp")) & 0xffffffffffffffff
    if pc < (1 << 63) and satp not in seen:
        seen[satp] = bytes(inf.read_memory(pc, 16)).hex()
        out.write("S %%x %%x %%s\n" %% (satp, pc, seen[satp]))
    out.write("%%x %%x\n" %% (pc, satp))
    n += 1
    pc0 = pc
    if pc == ra and satp == satp0:
        break
out.close()
gdb.execute("kill")
'''


class Symbols:
    """Function names for the addresses of one ELF (nm -n)."""

    def __init__(self, elf):
        self.elf = elf
        self.addrs, self.names = [], []
        nm = subprocess.run(["riscv64-unknown-elf-nm", "-n", elf], check=True,
                            capture_output=True, text=True).stdout
        for line in nm.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                self.addrs.append(int(parts[0], 16))
                self.names.append(parts[2])

    def name(self, pc):
        import bisect
        i = bisect.bisect_right(self.addrs, pc) - 1
        return self.names[i] if i >= 0 else "?"

    def text_at(self, pc, n):
        """The n bytes of the ELF's image at virtual address pc, or None."""
        out = subprocess.run(["riscv64-unknown-elf-objdump", "-s", "--start-address=%#x" % pc,
                              "--stop-address=%#x" % (pc + n), self.elf],
                             check=True, capture_output=True, text=True).stdout
        data = ""
        for line in out.splitlines():
            m = re.match(r"^ ([0-9a-f]+) ((?:[0-9a-f]+ )+)", line)
            if m:
                data += m.group(2).replace(" ", "")
        return bytes.fromhex(data[:2 * n]) if len(data) >= 2 * n else None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def image_programs(image):
    progs = {}
    with open(image) as f:
        for line in f:
            m = re.match(r"^\s*program\s+(\S+)\s+(\S+)", line)
            if m:
                progs[m.group(1)] = m.group(2)
    return progs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--image", required=True, help="image source, e.g. apps/bankbench.image")
    ap.add_argument("--domain", required=True, help="program whose function is traced")
    ap.add_argument("--func", required=True)
    ap.add_argument("--skip", type=int, default=100, help="calls to let pass first")
    ap.add_argument("--limit", type=int, default=200000, help="most instructions traced")
    ap.add_argument("--size", default="256M")
    ap.add_argument("--mem", default="128M")
    ap.add_argument("--flat", action="store_true", help="totals per function, not in order")
    ap.add_argument("--save", help="keep the raw trace in this file")
    ap.add_argument("--load", help="report on a raw trace saved before (no boot)")
    ap.add_argument("--qemu-arg", action="append", default=[],
                    help="one more QEMU argument (repeat it), e.g. a -netdev and a -device")
    args = ap.parse_args()

    build = os.path.abspath(args.build)
    progs = image_programs(os.path.join(ROOT, args.image))
    elf_dir = os.path.join(build, "apps")
    kernel = Symbols(os.path.join(build, "kern", "cairn.elf"))
    domains = {name: Symbols(os.path.join(elf_dir, elf)) for name, elf in progs.items()}
    target = domains[args.domain]
    addr = target.addrs[target.names.index(args.func)]
    expected = target.text_at(addr, 16)

    if args.load:
        lines = open(args.load).read().splitlines()
    else:
        lines = run_trace(args, build, target, addr, expected, kernel)
    report(args, lines, kernel, domains)


def run_trace(args, build, target, addr, expected, kernel):
    """Boot, trace, and return the raw lines ("S satp pc bytes", "pc satp")."""
    with tempfile.TemporaryDirectory() as tmp:
        vol = os.path.join(tmp, "vol.img")
        img_name = os.path.splitext(os.path.basename(args.image))[0] + ".image"
        subprocess.run([os.path.join(build, "disk-format", "cairn-format"), "--size", args.size,
                        "--image", os.path.join(build, "apps", img_name), vol], check=True,
                       stdout=subprocess.DEVNULL)
        port = free_port()
        qemu = subprocess.Popen([os.path.join(ROOT, "scripts", "cairn-qemu"), "--build", build,
                                 "--mem", args.mem, "--icount", vol, "--", "-S", "-gdb",
                                 "tcp:127.0.0.1:%d" % port] + args.qemu_arg,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        trace = os.path.join(tmp, "trace")
        script = os.path.join(tmp, "trace.py")
        with open(script, "w") as f:
            f.write(GDB_SCRIPT % {"port": port, "expected": expected.hex(), "addr": addr,
                                  "skip": args.skip, "trap_entry": kernel.addrs[kernel.names.index("trap_entry")], "limit": args.limit, "out": trace})
        try:
            subprocess.run(["gdb-multiarch", "-q", "-batch", "-nx", "-x", script], check=True,
                           timeout=1200, stdout=subprocess.DEVNULL)
        finally:
            qemu.kill()
            qemu.wait()
        lines = open(trace).read().splitlines()
        if args.save:
            with open(args.save, "w") as f:
                f.write("\n".join(lines) + "\n")
    return lines


def report(args, lines, kernel, domains):
    owner = {}
    runs = []  # [name, count] in the order they ran
    total = 0
    for line in lines:
        if line.startswith("S "):
            _, satp, pc, hexbytes = line.split()
            pc, want = int(pc, 16), bytes.fromhex(hexbytes)
            for name, syms in domains.items():
                if syms.text_at(pc, len(want)) == want:
                    owner[satp] = name
                    break
            else:
                owner[satp] = "satp=" + satp
            continue
        pc_s, satp = line.split()
        pc = int(pc_s, 16)
        if pc >= 1 << 63:
            where = "kernel:" + kernel.name(pc)
        else:
            name = owner.get(satp, "?")
            where = name + ":" + (domains[name].name(pc) if name in domains else "?")
        total += 1
        if runs and runs[-1][0] == where:
            runs[-1][1] += 1
        else:
            runs.append([where, 1])

    if args.flat:
        per = collections.Counter()
        for where, n in runs:
            per[where] += n
        for where, n in per.most_common():
            print("%7d  %s" % (n, where))
    else:
        for where, n in runs:
            print("%7d  %s" % (n, where))
    print("%7d  total" % total)


if __name__ == "__main__":
    sys.exit(main())
