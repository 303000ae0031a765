#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Checkpoints and restart on a small volume and on a 1 TiB one (issue 14,
"Scale"): run by `make bench` after bench_ckpt.py; docs/benchmarks.md
"Checkpoints at scale" has the results and how to read them.

1. Checkpoint cost against the dirty set: apps/ckptbench{1,16,64}.image
   (1, 16 or 64 MiB of pages dirtied, then a forced checkpoint; four
   rounds) on a small volume (1 GiB, 2 GiB for 64 MiB dirty: it must hold
   the pages) and on a 1 TiB one, both with a 320 MiB log, booted under
   -icount shift=0 with ckpt=verbose. Per size and volume: the median over
   rounds 2..4 of the demarcation stall (the kernel's `demarcated ...
   instret=` line, however bench_ckpt.py defines it) and of the time from
   demarcation to commit (`stabilized ... us=`, virtual microseconds:
   under icount one instruction is a virtual nanosecond, and the disk's
   time counts too).
2. Restart cost: the default image on a 64 MiB and on a 1 TiB volume, run
   until checkpoint 3 committed, killed, booted again under icount:
   `first domain runs after instret=` from kernel entry. The ratio must
   stay under 1.2 (--check).

--only table|restart runs one part; --check fails (exit 1) when the
restart ratio is 1.2 or more or a stall per block grows by more than half
from the small volume to the large one.
"""
import argparse
import os
import re
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cairnvm import CairnVM, cairn_format, image  # noqa: E402

DIRTY_MIB = (1, 16, 64)
RESTART_RATIO_GOAL = 1.2


def small_size(mib):
    return "1G" if mib < 64 else "2G"


def checkpoint_rounds(build, tmp, mib, size):
    """(blocks, stall instructions, stabilization us), medians of rounds 2..4."""
    img = os.path.join(tmp, "scale%d-%s.img" % (mib, size))
    cairn_format(build, img, "--size", size, "-l", "320M", "-c", "0",
                 "--image", image(build, "ckptbench%d" % mib))
    with CairnVM(build, img, mem="512M", icount=True, append="ckpt=verbose") as vm:
        vm.wait_for(r"^ckptbench: done$", 900)
        out = vm.output()
    os.unlink(img)
    dem = re.findall(r"checkpoint (\d+) demarcated blocks=(\d+) threads=\d+ instret=(\d+)", out)
    stab = dict(re.findall(r"checkpoint (\d+) stabilized bytes=\d+ us=(\d+)", out))
    rounds = [(int(b), int(i), int(stab[g])) for g, b, i in dem if g in stab][1:4]
    assert len(rounds) == 3, out
    return tuple(int(statistics.median(r[k] for r in rounds)) for k in range(3))


def checkpoint_table(build, tmp):
    rows = []
    for mib in DIRTY_MIB:
        for label, size in (("small", small_size(mib)), ("1 TiB", "1T")):
            blocks, stall, us = checkpoint_rounds(build, tmp, mib, size)
            rows.append((mib, label, size, blocks, stall, us))
            print("checkpoint, %2d MiB dirty, %-5s volume (%s): %d blocks, stall %d instructions "
                  "(%.1f per block), stabilized in %d us (%.2f us per block)"
                  % (mib, label, size, blocks, stall, stall / blocks, us, us / blocks),
                  flush=True)
    return rows


def restart_cost(build, tmp):
    res = {}
    for size in ("64M", "1T"):
        img = os.path.join(tmp, "restart%s.img" % size)
        cairn_format(build, img, "--size", size, "--image", image(build, "default"))
        with CairnVM(build, img) as vm:
            vm.wait_for(r"^cairn: checkpoint 3 committed", 60)
            vm.kill()
        with CairnVM(build, img, icount=True, append="ckpt=verbose") as vm:
            vm.wait_for(r"^cairn: resumed from checkpoint", 60)
            m, _ = vm.wait_for(r"^cairn: first domain runs after instret=(\d+)", 60)
            res[size] = int(m.group(1))
        os.unlink(img)
        print("restart cost, %s volume: %d instructions from kernel entry to the first domain"
              % (size, res[size]), flush=True)
    ratio = res["1T"] / res["64M"]
    print("restart cost ratio 1T/64M: %.3f (goal < %.1f)" % (ratio, RESTART_RATIO_GOAL),
          flush=True)
    return res, ratio


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--only", choices=["table", "restart"])
    ap.add_argument("--check", action="store_true", help="fail when a goal is missed")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    failed = []
    with tempfile.TemporaryDirectory(prefix="cairn-bench-scale-") as tmp:
        if args.only in (None, "table"):
            rows = checkpoint_table(build, tmp)
            for i in range(0, len(rows), 2):
                (mib, _, _, b0, s0, _), (_, _, _, b1, s1, _) = rows[i], rows[i + 1]
                if s1 / b1 > 1.5 * (s0 / b0):
                    failed.append("stall per block at %d MiB: %.1f on 1 TiB, %.1f small"
                                  % (mib, s1 / b1, s0 / b0))
        if args.only in (None, "restart"):
            _, ratio = restart_cost(build, tmp)
            if ratio >= RESTART_RATIO_GOAL:
                failed.append("restart ratio %.3f" % ratio)
    for f in failed:
        print("FAIL " + f, flush=True)
    return 1 if failed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
