#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make soak: the kill-at-random-instants cycle of test_ckpt.py
(killcycle.py), thousands of times. Prints a progress line every 25 cycles,
each failure as it happens (its report and a copy of the volume are kept
in --keep), and at the end exactly

  soak: <passed>/<total> cycles passed

exiting non-zero if any cycle failed. After a failure it goes on with a
fresh volume."""
import argparse
import os
import sys
import tempfile
import time

import seeds
from killcycle import cycles, exit_on_sigterm


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--cycles", type=int, default=1000)
    seeds.add_option(ap, "a fresh one")
    ap.add_argument("--keep", default=None,
                    help="where failing cycles' transcripts and volumes go "
                         "(default: BUILD/soak-failures)")
    opts = ap.parse_args()
    exit_on_sigterm()
    build = os.path.abspath(opts.build)
    keep = opts.keep or os.path.join(build, "soak-failures")
    seed = seeds.choose("soak", opts.seed)
    print(f"soak: {opts.cycles} cycles", flush=True)
    t0 = time.monotonic()
    failed = []

    def progress(i, tally):
        print(f"soak: {i}/{opts.cycles} cycles, {tally.passed} passed, {len(failed)} failed, "
              f"{time.monotonic() - t0:.0f} s", flush=True)

    def on_cycle(i, tally, result, mode):
        if i % 25 == 0:
            progress(i, tally)

    def on_failure(i, kc, why):
        failed.append(i)
        report, image = kc.keep(why, keep, f"cycle{i}")
        print(f"soak: cycle {i} FAILED: {why}\n  transcript {report}\n  volume {image}\n"
              f"  the volume's seed {kc.seed}: --seed {kc.seed} repeats its choices", flush=True)
        return True

    with tempfile.TemporaryDirectory(prefix="cairn-soak-") as tmp:
        tally = cycles(build, tmp, opts.cycles, seed, on_cycle, on_failure,
                       segment=(10, 60),
                       on_volume=lambda kc: print(f"soak: fresh volume, seed {kc.seed}",
                                                  flush=True))
    print(f"soak: {tally.summary()}; {time.monotonic() - t0:.0f} s", flush=True)
    if failed:
        print(f"soak: failed cycles: {' '.join(map(str, failed))} (reports in {keep})",
              flush=True)
    print(f"soak: {tally.passed}/{tally.cycles} cycles passed", flush=True)
    sys.exit(0 if tally.passed == tally.cycles else 1)


if __name__ == "__main__":
    main()
