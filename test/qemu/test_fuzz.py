#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The fuzzer in make test (test 'fuzz'): apps/fuzz/ beside counter and
the ledger, with fixed seeds, each on a fresh volume: it runs some rounds
and is killed with SIGKILL a moment after a checkpoint commit; the volume
boots again, resumes from that checkpoint, and the fuzzer and the
witnesses carry on. fuzzrun.py has the checks (no panic, no UNEXPECTED
line, the boot generation, the rounds, the counter, the ledger's total).
`make soak SOAK_ARGS="--fuzz --minutes 60"` does the same with fresh
seeds and kills at random instants. A failure prints how to reproduce it
and both transcripts."""
import argparse
import os
import sys
import tempfile
import time

from fuzzrun import Failure, FuzzVolume, pending_options
from cairnvm import exit_on_sigterm

# (seed, rounds before the first kill, seconds after that commit, rounds
# after the resume). The first reaches the activity-leak probe (round 18).
SESSIONS = ((1, 24, 0.05, 6), (20260101, 12, 0.0, 6), (77, 8, 0.12, 4))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--options", type=int, default=None,
                    help="fuzzer option bits (default: skip the bugs still pending)")
    opts = ap.parse_args()
    exit_on_sigterm()
    build = os.path.abspath(opts.build)
    options = pending_options() if opts.options is None else opts.options
    failed = 0
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cairn-fuzz-") as tmp:
        for seed, rounds, delay, after in SESSIONS:
            t = time.monotonic()
            fv = FuzzVolume(build, tmp, seed, options)
            try:
                fv.run(rounds, delay)
                lines = fv.run(after, 0.0)
                resumed = next(l for l in lines if l.startswith("cairn: resumed"))
                print("ok   seed %d: %d rounds, killed, %s, %d more rounds (%.1f s)"
                      % (seed, rounds, resumed[len("cairn: "):], after, time.monotonic() - t),
                      flush=True)
            except (Failure, StopIteration) as e:
                failed += 1
                why = str(e) or "no resume line after the kill"
                print(fv.report(why), flush=True)
                print("FAIL seed %d: %s" % (seed, why), flush=True)
    print("fuzz: %d/%d seeds passed in %.0f s (options %#x)"
          % (len(SESSIONS) - failed, len(SESSIONS), time.monotonic() - t0, options), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
