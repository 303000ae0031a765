#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The checkpoint benchmarks (issue: checkpoint and recovery), run by
`make bench` after the object-model figures; docs/benchmarks.md has the
results and how to read them.

1. Demarcation pause: apps/ckptbench{1,16,64}.image dirty 1, 16 and 64 MiB
   of pages and force a checkpoint, four rounds; under -icount shift=0 the
   kernel's `demarcated ... instret=` line is exact: from the top of
   ckpt_demarcate() to the next return to a domain. Reported: the median
   over rounds 2..4 (steady state), and instructions per dirty block.
2. Stabilization rate: ckptbench64 without icount (real time), the kernel
   first measures the raw sequential write rate (blkbench=64: 64 MiB in
   the same 32-block requests the log writer uses, then a FLUSH; five
   times), then each checkpoint prints its bytes and time from demarcation
   to commit. The log area is written over once before the boot, so both
   overwrite allocated blocks of the image file. Reported: median
   checkpoint rate / median raw rate.
3. Restart cost: the default image on a 64 MiB and on a 4 GiB volume, run
   until three checkpoints committed, killed, booted again under icount:
   `first domain runs after instret=` from kernel entry. Reported: both
   figures and their ratio.
4. Checkpoint overhead, under icount, checkpoints every 10 ms against
   off: ping's timed instructions per round trip (apps/pingpong.image,
   ping and pong alone), and the flat-out ledger's transfers per virtual
   second (apps/ledgerload.image). Reported: the slowdown of each.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cairnvm import CairnVM, cairn_format, image  # noqa: E402


def demarcation_stall(build, tmp):
    rows = []
    for mib in (1, 16, 64):
        img = os.path.join(tmp, "stall%d.img" % mib)
        cairn_format(build, img, "--size", "1G" if mib < 64 else "2G", "-l", "320M", "-c", "0",
                     "--image", image(build, "ckptbench%d" % mib))
        with CairnVM(build, img, mem="512M", icount=True, append="ckpt=verbose") as vm:
            vm.wait_for(r"^ckptbench: done$", 900)
            lines = [l for l in vm.output().splitlines() if " demarcated " in l]
        stalls = []
        blocks = []
        for l in lines[1:4]:
            m = re.search(r"blocks=(\d+) threads=\d+ instret=(\d+)", l)
            blocks.append(int(m.group(1)))
            stalls.append(int(m.group(2)))
        med = statistics.median(stalls)
        b = statistics.median(blocks)
        rows.append((mib, int(b), int(med), med / b))
        print("demarcation stall, %2d MiB dirty: %d blocks, %d instructions (%.1f per block)"
              % (mib, b, med, med / b), flush=True)
    return rows


def fill_log(build, img):
    """Write zeros over the volume's (all-zero) log area, so that the raw
    runs and the checkpoints both overwrite allocated blocks of the image
    file: the steady state of a log that has gone round. Without this the
    first write to each block of the sparse file pays for its allocation
    on the host, and whichever run comes first looks slower."""
    out = subprocess.run([os.path.join(build, "disk-format", "cairn-format"), "--inspect", img],
                         check=True, capture_output=True, text=True).stdout
    m = re.search(r"^log\s+(\d+) bytes \((\d+) blocks\) at block (\d+)$", out, re.M)
    size, start = int(m.group(1)), int(m.group(3)) * 4096
    chunk = bytes(1 << 20)
    with open(img, "r+b") as f:
        f.seek(start)
        for _ in range(size // len(chunk)):
            f.write(chunk)
        f.flush()
        os.fsync(f.fileno())


def stabilization_rate(build, tmp):
    img = os.path.join(tmp, "rate.img")
    cairn_format(build, img, "--size", "2G", "-l", "320M", "-c", "0",
                 "--image", image(build, "ckptbench64"))
    fill_log(build, img)
    with CairnVM(build, img, mem="512M", append="ckpt=verbose blkbench=64") as vm:
        vm.wait_for(r"^ckptbench: done$", 900)
        out = vm.output()
    raw_rate = statistics.median(int(b) / int(u) for b, u in
                                 re.findall(r"blkbench wrote bytes=(\d+) us=(\d+)", out))
    rates = [int(b) / int(u) for b, u in re.findall(r"stabilized bytes=(\d+) us=(\d+)", out)]
    med = statistics.median(rates)
    print("stabilization: raw %.0f MB/s (median of 5), log writer %.0f MB/s (median of %d), "
          "ratio %.2f" % (raw_rate, med, len(rates), med / raw_rate), flush=True)
    return raw_rate, med, med / raw_rate


def restart_cost(build, tmp):
    res = {}
    for size in ("64M", "4G"):
        img = os.path.join(tmp, "restart%s.img" % size)
        cairn_format(build, img, "--size", size, "--image", image(build, "default"))
        with CairnVM(build, img) as vm:
            vm.wait_for(r"^cairn: checkpoint 3 committed", 60)
            vm.kill()
        with CairnVM(build, img, icount=True, append="ckpt=verbose") as vm:
            vm.wait_for(r"^cairn: resumed from checkpoint", 60)
            m, _ = vm.wait_for(r"^cairn: first domain runs after instret=(\d+)", 60)
            res[size] = int(m.group(1))
        print("restart cost, %s volume: %d instructions from kernel entry to the first domain"
              % (size, res[size]), flush=True)
    ratio = res["4G"] / res["64M"]
    print("restart cost ratio 4G/64M: %.3f" % ratio, flush=True)
    return res, ratio


def pingpong_cost(build, tmp, interval):
    img = os.path.join(tmp, "pp%d.img" % interval)
    cairn_format(build, img, "--size", "64M", "-c", str(interval), "--image",
                 image(build, "pingpong"))
    with CairnVM(build, img, icount=True) as vm:
        m, _ = vm.wait_for(r"^pingpong: (\d+) round trips, (\d+) instructions per round trip$", 300)
        commits = vm.count(r" committed ")
    return int(m.group(2)), commits


def ledger_rate(build, tmp, interval):
    img = os.path.join(tmp, "lg%d.img" % interval)
    cairn_format(build, img, "--size", "64M", "-c", str(interval), "--image",
                 image(build, "ledgerload"))
    with CairnVM(build, img, icount=True) as vm:
        # One line per virtual second: transfers between the 2nd and 5th.
        a, i = vm.wait_for(r"^ledger: total=3000000 transfers=(\d+)$", 300)
        a, i = vm.wait_for(r"^ledger: total=3000000 transfers=(\d+)$", 300, i + 1)
        b, j = vm.wait_for(r"^ledger: total=3000000 transfers=(\d+)$", 300, i + 1)
        b, j = vm.wait_for(r"^ledger: total=3000000 transfers=(\d+)$", 300, j + 1)
        b, j = vm.wait_for(r"^ledger: total=3000000 transfers=(\d+)$", 300, j + 1)
        commits = sum(1 for l in vm.output().splitlines()[i:j] if " committed " in l)
    return (int(b.group(1)) - int(a.group(1))) / 3, commits


def overhead(build, tmp):
    pp_on, c1 = pingpong_cost(build, tmp, 10)
    pp_off, _ = pingpong_cost(build, tmp, 0)
    lg_on, c2 = ledger_rate(build, tmp, 10)
    lg_off, _ = ledger_rate(build, tmp, 0)
    pslow = pp_on / pp_off - 1
    lslow = 1 - lg_on / lg_off
    print("pingpong, instructions per round trip: %d with checkpoints every 10 ms (%d commits), "
          "%d off: slowdown %.1f%%" % (pp_on, c1, pp_off, 100 * pslow), flush=True)
    print("ledger, transfers per virtual second: %.0f with checkpoints every 10 ms (%d commits "
          "in 3 s), %.0f off: slowdown %.1f%%" % (lg_on, c2, lg_off, 100 * lslow), flush=True)
    return pslow, lslow


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", choices=["stall", "rate", "restart", "overhead"])
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    with tempfile.TemporaryDirectory(prefix="cairn-bench-ckpt-") as tmp:
        if args.only in (None, "stall"):
            demarcation_stall(build, tmp)
        if args.only in (None, "rate"):
            stabilization_rate(build, tmp)
        if args.only in (None, "restart"):
            restart_cost(build, tmp)
        if args.only in (None, "overhead"):
            overhead(build, tmp)


if __name__ == "__main__":
    main()
