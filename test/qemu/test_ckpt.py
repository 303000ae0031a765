#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Kill at random instants (test 'ckpt_kill'): the default image on one
volume at a time, with checkpoint intervals of 50..200 ms, killed with
SIGKILL at random moments (after the boot line, right after a commit,
inside a checkpoint's writes, a while after a commit) and booted again,
at least 50 times. After every resume: the boot resumed from the last
checkpoint whose commit line was printed, or the next one if its
demarcation line was; the counter, pingpong and ledger carry on exactly
from that checkpoint's cut; every ledger total is 3000000 (killcycle.py has
the model). A failure prints the reason and both transcripts and keeps the
volume under BUILD/meson-logs/ckpt-kill/.

The choices (intervals, kill modes and instants) come from a seed, printed
at the start and with each fresh volume: --seed, else $CAIRN_SEED, else
DEFAULT_SEED, so `make test` makes the same choices every run (seeds.py).
--seed with a volume's seed repeats the choices from that volume on."""
import argparse
import os
import sys
import tempfile
import time

import seeds
from cairnvm import exit_on_sigterm
from killcycle import cycles

DEFAULT_SEED = 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--cycles", type=int, default=60)
    seeds.add_option(ap, f"{DEFAULT_SEED}")
    opts = ap.parse_args()
    exit_on_sigterm()
    build = os.path.abspath(opts.build)
    seed = seeds.choose("ckpt_kill", opts.seed, DEFAULT_SEED)
    print(f"ckpt_kill: {opts.cycles} cycles", flush=True)
    t0 = time.monotonic()

    def on_cycle(i, tally, result, mode):
        print(f"cycle {i}: resumed from {result.resumed or 'first boot'}, checked "
              f"{' '.join(sorted(result.checked)) or 'boot line only'}; "
              f"killed ({mode}) with {result.committed} committed"
              f"{', one in flight' if result.in_flight else ''}", flush=True)

    def on_volume(kc):
        print(f"fresh volume, seed {kc.seed}, checkpoint interval {kc.interval} ms", flush=True)

    def on_failure(i, kc, why):
        print(kc.failure_report(why), flush=True)
        report, image = kc.keep(why, os.path.join(build, "meson-logs", "ckpt-kill"),
                                f"cycle{i}")
        print(f"cycle {i}: FAILED: {why}\n(kept {report} and {image}; the volume's seed was "
              f"{kc.seed}: --seed {kc.seed} repeats its choices)", flush=True)
        return False

    with tempfile.TemporaryDirectory(prefix="cairn-kill-") as tmp:
        tally = cycles(build, tmp, opts.cycles, seed, on_cycle, on_failure,
                       on_volume=on_volume)
    print(f"ckpt_kill: {tally.passed}/{tally.cycles} cycles passed in "
          f"{time.monotonic() - t0:.0f} s (seed {seed}); {tally.summary()}", flush=True)
    sys.exit(0 if tally.passed == tally.cycles == opts.cycles else 1)


if __name__ == "__main__":
    main()
