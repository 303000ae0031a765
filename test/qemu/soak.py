#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make soak: the kill-at-random-instants cycle of test_ckpt.py
(killcycle.py), thousands of times. Prints a progress line every 25 cycles,
each failure as it happens (its report and a copy of the volume are kept
in --keep), and at the end exactly

  soak: <passed>/<total> cycles passed

exiting non-zero if any cycle failed. After a failure it goes on with a
fresh volume.

With --fuzz it runs the fuzzer (apps/fuzz/, fuzzrun.py) instead, for
--minutes: a fresh volume with a fresh seed every few runs, each run
killed with SIGKILL at a random instant (after a random number of rounds
and a random time after a commit), the console of every run checked as
in test_fuzz.py (no panic, no UNEXPECTED, the boot generation, the rounds,
counter, the ledger's total). Every seed is printed; --seed fixes the
one that chooses them (and the kill instants), --fuzz-seed runs one
fuzzer seed only. It ends with exactly

  soak: fuzz: <passed>/<total> runs passed, <v> volumes (seeds ...), <s> s
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

from cairnvm import exit_on_sigterm
from killcycle import Failure, cycles
from seeds import add_option as add_seed_option, choose as choose_seed


def fuzz_soak(opts, build, keep, seed):
    from fuzzrun import FuzzVolume, pending_options
    options = pending_options() if opts.options is None else opts.options
    rng = random.Random(seed)
    print(f"soak: fuzz for {opts.minutes} min, options {options:#x}, seed {seed}", flush=True)
    t0 = time.monotonic()
    deadline = t0 + opts.minutes * 60
    runs = passed = 0
    seeds, failed = [], []
    with tempfile.TemporaryDirectory(prefix="cairn-soak-fuzz-") as tmp:
        while time.monotonic() < deadline:
            fseed = opts.fuzz_seed if opts.fuzz_seed is not None else rng.randrange(1, 1 << 31)
            seeds.append(fseed)
            fv = FuzzVolume(build, tmp, fseed, options, rng.choice((100, 200, 500)))
            n_runs = rng.randint(2, 8)
            print(f"soak: fuzz seed {fseed}: fresh volume, checkpoint interval {fv.interval} ms, "
                  f"{n_runs} runs", flush=True)
            for r in range(n_runs):
                runs += 1
                rounds = rng.choice((1, 3, 5, 10, 20, 40))
                delay = rng.uniform(0, fv.interval / 1000 * 1.5)
                early = rng.uniform(0, 2) if rng.random() < 0.15 else None
                try:
                    fv.run(rounds, delay, timeout=120, early_s=early)
                    passed += 1
                except Failure as e:
                    failed.append(fseed)
                    name = f"fuzz-{fseed}-run{r + 1}"
                    os.makedirs(keep, exist_ok=True)
                    report = os.path.join(keep, name + ".log")
                    with open(report, "w") as f:
                        f.write(fv.report(str(e)) + "\n")
                    image = os.path.join(keep, name + ".img")
                    if shutil.which("cp"):
                        subprocess.run(["cp", "--sparse=always", fv.volume, image], check=False)
                    print(f"soak: fuzz seed {fseed} run {r + 1} FAILED: {e}\n  transcript "
                          f"{report}\n  volume {image}", flush=True)
                    break
                if time.monotonic() >= deadline:
                    break
            os.unlink(fv.volume)
            if opts.fuzz_seed is not None and failed:
                break
    if failed:
        print(f"soak: fuzz: failed seeds: {' '.join(map(str, failed))} (reports in {keep})",
              flush=True)
    print(f"soak: fuzz: {passed}/{runs} runs passed, {len(seeds)} volumes "
          f"(seeds {' '.join(map(str, seeds))}), {time.monotonic() - t0:.0f} s", flush=True)
    return not failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--cycles", type=int, default=1000)
    add_seed_option(ap, "a fresh one")
    ap.add_argument("--keep", default=None,
                    help="where failing cycles' transcripts and volumes go "
                         "(default: BUILD/soak-failures)")
    ap.add_argument("--fuzz", action="store_true", help="run the fuzzer with kills instead")
    ap.add_argument("--minutes", type=float, default=60, help="--fuzz: how long")
    ap.add_argument("--fuzz-seed", type=int, default=None,
                    help="--fuzz: this fuzzer seed only (reproduce a failure)")
    ap.add_argument("--options", type=int, default=None,
                    help="--fuzz: the fuzzer's option bits (default: skip the pending bugs, "
                         "test/qemu/fuzzrun.py; 0: every probe)")
    opts = ap.parse_args()
    exit_on_sigterm()
    build = os.path.abspath(opts.build)
    keep = opts.keep or os.path.join(build, "soak-failures")
    seed = choose_seed("soak", opts.seed)
    if opts.fuzz:
        sys.exit(0 if fuzz_soak(opts, build, keep, seed) else 1)
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
