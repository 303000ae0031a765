#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Kill and resume the space bank under load (test 'bank_kill';
docs/testing.md "Space bank tests").

One volume with apps/bankload.image: the bank and bankload's workload
(apps/bankload.c, mode 2), which buys and sells without pause, creates,
destroys and removes sub-banks, checks QUERY's usage of its banks against
its own books after every step and the prime bank's AUDIT (w0 = 0: every
object on exactly one list, none both free and in use, each bank's usage
what it owns) after every round, printing a round line every few rounds.
The test kills QEMU (SIGKILL) KILLS times at seeded instants (a while
after the boot line, right after the n-th commit line, or inside a
checkpoint's writes, the checkpoint tests' moments, killcycle.py), boots
the volume again, and requires after every resume:

  - "cairn: resumed from checkpoint G", G the last generation whose commit
    line was printed before the kill, or the next one if its demarcation
    line was (killcycle.py's rule);
  - the workload goes on from that checkpoint: its first round line after
    the resume is past the last round printed before G's demarcation, and
    ROUNDS_AFTER round lines with audit=0 follow;
  - no FAIL line of bankload's, no panic, no refused checkpoint.

The kill instants come from a seed (seeds.py: --seed, $CAIRN_SEED, else
DEFAULT_SEED), and so does the workload's (its arg), so `make test` makes
the same choices every run. Bounded: each awaited line has a timeout.
"""
import argparse
import os
import random
import re
import sys
import time

import seeds
from cairnvm import cairn_format, exit_on_sigterm, image_with
from killcycle import RX_BOOT, RX_COMMIT, RX_DEMARC, Failure, Qemu

DEFAULT_SEED = 10
KILLS = 6
ROUNDS_AFTER = 2
INTERVAL_MS = 100
STEP_TIMEOUT = 30
RX_ROUND = re.compile(r"^bankload: round (\d+) ok audit=0 banks=\d+ nodes=\d+ pages=\d+$")
RX_FAIL = re.compile(r"^bankload: FAIL|^bank: (?:audit:|.*FAIL)|PANIC|panic|^cairn: (?:error|halted)"
                     r"|^cairn: checkpoint \d+ failed")


def image_with_seed(build, tmp, seed):
    """apps/bankload.image with the workload's arg = 2 | seed << 8."""
    return image_with(build, tmp, "bankload",
                      [("arg=0x102 run", "arg=%#x run" % (2 | (seed & 0xffffff) << 8))])


def last_round_before(lines, end):
    """The last round printed in lines[:end], 0 if none."""
    r = 0
    for line in lines[:end]:
        if m := RX_ROUND.match(line):
            r = int(m.group(1))
    return r


def allowed_resume(lines, resumed):
    """{generation: the last round printed before its demarcation} that the
    next boot may resume from (killcycle.py's rule)."""
    committed, demarc_at = resumed, {}
    for i, line in enumerate(lines):
        if m := RX_DEMARC.match(line):
            demarc_at[int(m.group(1))] = i
        elif m := RX_COMMIT.match(line):
            committed = int(m.group(1))
    floor = {}
    for g in (committed, committed + 1):
        if g == 0:
            floor[g] = 0
        elif g in demarc_at:
            floor[g] = last_round_before(lines, demarc_at[g])
        elif g == resumed:
            floor[g] = None  # the generation this run resumed from: checked before
    return {g: f for g, f in floor.items() if f is not None or g == resumed}


def aim(vm, boot, rng):
    """Wait for a kill instant, chosen like the checkpoint tests' moments."""
    mode = rng.choice(["boot", "commit", "write", "write"])
    if mode == "boot":
        time.sleep(rng.uniform(0.2, 1.5))
        return mode
    at = boot + 1
    for _ in range(rng.randint(1, 8)):
        at = vm.wait(RX_COMMIT, at, STEP_TIMEOUT, "commit line", RX_FAIL) + 1
    if mode == "write":
        vm.wait(RX_DEMARC, at, STEP_TIMEOUT, "demarcation line", RX_FAIL)
        time.sleep(rng.uniform(0, 0.01))
    return mode


def check_resume(vm, boot, allowed, prev_floor):
    """The boot line resumed from an allowed generation and the workload
    goes on past its cut. Returns the generation."""
    m = RX_BOOT.match(vm.lines[boot])
    gen = int(m.group(1)) if m.group(1) else 0
    if gen not in allowed:
        raise Failure(f"booted from {gen or 'nothing (first boot)'}, "
                      f"want one of {sorted(allowed)}")
    floor = allowed[gen] if allowed[gen] is not None else prev_floor
    at = boot + 1
    for k in range(ROUNDS_AFTER):
        at = vm.wait(RX_ROUND, at, STEP_TIMEOUT, "round line after the resume", RX_FAIL)
        n = int(RX_ROUND.match(vm.lines[at]).group(1))
        if k == 0 and n <= floor:
            raise Failure(f"the first round after resuming from {gen} is {n}, but round "
                          f"{floor} was done before its demarcation")
        at += 1
    return gen, floor


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--kills", type=int, default=KILLS)
    seeds.add_option(ap, f"{DEFAULT_SEED}")
    opts = ap.parse_args()
    exit_on_sigterm()
    build = os.path.abspath(opts.build)
    seed = seeds.choose("bank_kill", opts.seed, DEFAULT_SEED)
    rng = random.Random(seed)
    import tempfile
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cairn-bank-kill-") as tmp:
        vol = os.path.join(tmp, "bank.img")
        cairn_format(build, vol, "--size", "128M", "--checkpoint-interval", str(INTERVAL_MS),
                     "--image", image_with_seed(build, tmp, seed))
        allowed, floor = {0: 0}, 0
        for run in range(opts.kills + 1):
            vm = Qemu(build, vol)
            try:
                boot = vm.wait(RX_BOOT, 0, STEP_TIMEOUT, "boot line", RX_FAIL)
                gen, floor = check_resume(vm, boot, allowed, floor)
                mode = aim(vm, boot, rng) if run < opts.kills else "end"
            except Failure as e:
                vm.stop()
                print(vm.transcript(), flush=True)
                print(f"bank_kill: run {run} FAILED: {e}", flush=True)
                sys.exit(1)
            refused = vm.stop()
            if refused:
                print(f"bank_kill: run {run} FAILED: {refused}", flush=True)
                sys.exit(1)
            bad = [l for l in vm.lines if RX_FAIL.search(l)]
            if bad:
                print(vm.transcript(), flush=True)
                print(f"bank_kill: run {run} FAILED: {bad[0]}", flush=True)
                sys.exit(1)
            allowed = allowed_resume(vm.lines, gen)
            rounds = [int(m.group(1)) for l in vm.lines if (m := RX_ROUND.match(l))]
            print(f"run {run}: resumed from {gen or 'first boot'}, rounds "
                  f"{rounds[0] if rounds else '-'}..{rounds[-1] if rounds else '-'} audited; "
                  f"killed ({mode}), may resume from {sorted(allowed)}", flush=True)
    print(f"bank_kill: {opts.kills} kills, every resume consistent, in "
          f"{time.monotonic() - t0:.0f} s (seed {seed})", flush=True)


if __name__ == "__main__":
    main()
