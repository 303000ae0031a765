#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Destroy a bank of 100,000 objects while another client is served, and
kill QEMU in the middle of it (test 'bank_big'; docs/testing.md "Space
bank tests"; issue 10, "State, speed and scale").

apps/bankbig.image on a 1 GiB volume (114,688 nodes, 212,782 pages): the
bank, its reaper, the driver `bankbig` and the honest client `bankclient`
(apps/bankbig.c). The driver buys OBJECTS objects into a sub-bank, three
per BUY, nodes and pages as its seed says, keeps a key to every 97th and
to the last (1,032 samples), DESTROYs the bank and polls the prime bank's
QUERY until nothing is left to reclaim, printing every change. The client
buys, marks, reads back, sells and QUERYs its own bank all the while and
prints, every 250 ms of its clock, the calls it completed and the longest
gap between two completions.

Two runs, each on a fresh volume:

  whole   no kill. Requires: the bank held nodes + pages = OBJECTS, a mix
          of both; the reclaiming count was seen at least MIN_PROGRESS
          times on its way down, strictly decreasing, to 0 (the destroy
          proceeds in steps); the client completed at least MIN_CALLS bank
          calls while it ran, and its longest gap between two completions
          is under 1/RATIO of the destroy's duration (both on the guest's
          clock, SLEEP NOW): a destroy that stopped the other clients
          would show a gap close to the whole duration; every sample reads
          VOID, the destroyed bank is BANK_DEAD, AUDIT is clean.
  killed  KILLS SIGKILLs of QEMU while the destroy runs, each once the
          reclaiming count has gone below a seeded fraction of OBJECTS and
          a checkpoint demarcated after that line has committed, and only
          while at least 10% and at most 90% is left. After every resume:
          the boot resumed from an allowed generation (killcycle.py's rule:
          the last committed, or the next if its demarcation line was
          printed); the first reclaiming count is no higher than the last
          printed before that generation's demarcation (the destroy goes
          on, it does not start again); the client goes on from its count
          at that cut and completes calls; and at the end the driver counts
          KILLS resumes, every sample is VOID and AUDIT is clean.

Seeded (seeds.py: the driver's and the client's choices and the kill
points), bounded: every awaited line has a timeout, and QEMU is killed
whatever happens (cairnvm.py).
"""
import argparse
import os
import random
import re
import sys
import tempfile
import time

import seeds
from cairnvm import cairn_format, exit_on_sigterm, image_with
from killcycle import RX_BOOT, RX_COMMIT, RX_DEMARC, Failure, Qemu

DEFAULT_SEED = 10
OBJECTS = 100000
SAMPLES = OBJECTS // 97 + 2  # every 97th object and the last (apps/bankbig.c)
SIZE = "1G"
INTERVAL_MS = 200
KILLS = 2
RATIO = 10          # the client's longest gap < the destroy's duration / RATIO
MIN_PROGRESS = 10   # distinct reclaiming counts seen on the way down
MIN_CALLS = 1000    # the client's bank calls while the destroy runs
BOOT_TIMEOUT = 30
BUY_TIMEOUT = 180
DESTROY_TIMEOUT = 240
STEP_TIMEOUT = 60

RX_BOUGHT = re.compile(r"^bankbig: bought %d nodes=(\d+) pages=(\d+) in (\d+) ms$" % OBJECTS)
RX_LIVE = re.compile(r"^bankbig: samples (\d+) live$")
RX_DESTROYING = re.compile(r"^bankbig: destroying (\d+) objects$")
RX_RECLAIMING = re.compile(r"^bankbig: reclaiming (\d+)$")
RX_RECLAIMED = re.compile(r"^bankbig: reclaimed in (\d+) ms polls=(\d+) resumes=(\d+)$")
RX_VOID = re.compile(r"^bankbig: samples (\d+) void$")
RX_AUDIT = re.compile(r"^bankbig: audit=0 banks=\d+ nodes=\d+ pages=\d+$")
RX_DONE = re.compile(r"^bankbig: done$")
RX_CLIENT = re.compile(r"^bankclient: calls=(\d+) window=(\d+) gap_max_us=(\d+)$")
RX_FAIL = re.compile(r"^bank(?:big|client): FAIL|^bank: (?:audit:|.*FAIL)|PANIC|panic"
                     r"|^cairn: (?:error|halted)|^cairn: checkpoint \d+ failed")


def image_with_seed(build, tmp, seed):
    """apps/bankbig.image with the driver's and the client's seeds."""
    return image_with(build, tmp, "bankbig",
                      [("arg=0x101 run", "arg=%#x run" % (1 | (seed & 0xffffff) << 8)),
                       ("arg=0x102 run", "arg=%#x run" % (2 | ((seed + 1) & 0xffffff) << 8))])


def volume(build, tmp, seed, name):
    vol = os.path.join(tmp, name + ".img")
    cairn_format(build, vol, "--size", SIZE, "--checkpoint-interval", str(INTERVAL_MS),
                 "--image", image_with_seed(build, tmp, seed))
    return vol


def match(rx, line):
    m = rx.match(line)
    if not m:
        raise Failure(f"line {line!r} does not match /{rx.pattern}/")
    return m


def check_bought(vm, boot):
    """The buys and the live samples; returns the index of the
    destroying line."""
    at = vm.wait(RX_BOUGHT, boot, BUY_TIMEOUT, "the bought line", RX_FAIL)
    nodes, pages, ms = (int(g) for g in match(RX_BOUGHT, vm.lines[at]).groups())
    if nodes + pages != OBJECTS or nodes == 0 or pages == 0:
        raise Failure(f"bought nodes={nodes} pages={pages}: want a mix summing to {OBJECTS}")
    live = vm.wait(RX_LIVE, at, STEP_TIMEOUT, "the live samples", RX_FAIL)
    if int(match(RX_LIVE, vm.lines[live]).group(1)) != SAMPLES:
        raise Failure(f"{vm.lines[live]!r}: want {SAMPLES} samples")
    print(f"bought {OBJECTS} objects ({nodes} nodes, {pages} pages) in {ms} ms; "
          f"{SAMPLES} samples live", flush=True)
    return vm.wait(RX_DESTROYING, live, STEP_TIMEOUT, "the destroying line", RX_FAIL)


def check_end(vm, start, kills):
    """From start: reclaiming reaches 0, the samples are void, AUDIT is
    clean. Returns (index of the reclaimed line, its ms)."""
    done = vm.wait(RX_RECLAIMED, start, DESTROY_TIMEOUT, "the reclaimed line", RX_FAIL)
    ms, polls, resumes = (int(g) for g in match(RX_RECLAIMED, vm.lines[done]).groups())
    if resumes != kills:
        raise Failure(f"{vm.lines[done]!r}: the driver counted {resumes} resumes, want {kills}")
    at = vm.wait(RX_VOID, done, STEP_TIMEOUT, "the void samples", RX_FAIL)
    if int(match(RX_VOID, vm.lines[at]).group(1)) != SAMPLES:
        raise Failure(f"{vm.lines[at]!r}: want {SAMPLES} samples")
    at = vm.wait(RX_AUDIT, at, STEP_TIMEOUT, "the audit line", RX_FAIL)
    vm.wait(RX_DONE, at, STEP_TIMEOUT, "the done line", RX_FAIL)
    return done, ms


def reclaim_counts(lines):
    return [int(m.group(1)) for line in lines if (m := RX_RECLAIMING.match(line))]


def client_lines(lines):
    return [tuple(int(g) for g in m.groups()) for line in lines if (m := RX_CLIENT.match(line))]


def run_whole(build, tmp, seed):
    vm = Qemu(build, volume(build, tmp, seed, "whole"))
    try:
        boot = vm.wait(RX_BOOT, 0, BOOT_TIMEOUT, "boot line", RX_FAIL)
        destroying = check_bought(vm, boot)
        done, ms = check_end(vm, destroying, 0)
        after = vm.wait(RX_CLIENT, done, STEP_TIMEOUT, "a client line after the destroy",
                        RX_FAIL)
    except Failure:
        vm.stop()
        print(vm.transcript(), flush=True)
        raise
    refused = vm.stop()
    if refused:
        raise refused
    counts = reclaim_counts(vm.lines[destroying:done])
    # Every client line printed from the DESTROY to the first one after
    # the end: their windows cover the whole destroy (and a little more).
    windows = client_lines(vm.lines[destroying:after + 1])
    calls = sum(w for _, w, _ in windows)
    gap_us = max((g for _, _, g in windows), default=None)
    bound_us = ms * 1000 // RATIO
    print(f"destroyed in {ms} ms (guest clock), reclaiming seen at {len(counts)} counts; the "
          f"client completed {calls} bank calls meanwhile, its longest gap {gap_us / 1000:.1f} ms "
          f"(bound: the destroy's 1/{RATIO}, {bound_us / 1000:.0f} ms); {SAMPLES} samples "
          f"void; AUDIT clean", flush=True)
    if gap_us is None or calls < MIN_CALLS:
        raise Failure(f"the client completed {calls} calls during the destroy, want at least "
                      f"{MIN_CALLS}")
    if gap_us >= bound_us:
        raise Failure(f"the client's longest gap during the destroy is {gap_us} us, not under "
                      f"{bound_us} us (1/{RATIO} of the destroy's {ms} ms)")
    if len(counts) < MIN_PROGRESS or counts[-1] != 0 or \
            any(a <= b for a, b in zip(counts, counts[1:])) or counts[0] > OBJECTS:
        raise Failure(f"reclaiming counts {counts[:5]}...{counts[-5:]} ({len(counts)}): want "
                      f"at least {MIN_PROGRESS}, strictly decreasing from <= {OBJECTS} to 0")


def allowed_resume(lines, resumed):
    """{generation: index of its demarcation line, or None} the next boot may
    resume from: the last committed one, and the next if its demarcation
    line was printed (killcycle.py's rule)."""
    committed, demarc_at = resumed, {}
    for i, line in enumerate(lines):
        if m := RX_DEMARC.match(line):
            demarc_at[int(m.group(1))] = i
        elif m := RX_COMMIT.match(line):
            committed = int(m.group(1))
    allowed = {committed: demarc_at.get(committed)}
    if committed + 1 in demarc_at:
        allowed[committed + 1] = demarc_at[committed + 1]
    return allowed


def last_before(rx, lines, end, group=1):
    """The value of the last line matching rx in lines[:end], or None."""
    v = None
    for line in lines[:end]:
        if m := rx.match(line):
            v = int(m.group(group))
    return v


def aim_kill(vm, start, target):
    """Wait until reclaiming is below target and a checkpoint demarcated
    after that line has committed; return the reclaiming count then."""
    at = start
    while True:
        at = vm.wait(RX_RECLAIMING, at, STEP_TIMEOUT, "a reclaiming line", RX_FAIL)
        left = int(RX_RECLAIMING.match(vm.lines[at]).group(1))
        if left <= target:
            break
        at += 1
    demarc = vm.wait(RX_DEMARC, at + 1, STEP_TIMEOUT, "a demarcation line", RX_FAIL)
    gen = int(RX_DEMARC.match(vm.lines[demarc]).group(1))
    vm.wait(re.compile(r"^cairn: checkpoint %d committed " % gen), demarc + 1, STEP_TIMEOUT,
            f"checkpoint {gen}'s commit line", RX_FAIL)
    return left


def check_resume(vm, boot, allowed, cut_lines):
    """The boot resumed from an allowed generation, the destroy and the
    client go on from its cut. Returns (generation, first count)."""
    m = RX_BOOT.match(vm.lines[boot])
    gen = int(m.group(1)) if m.group(1) else 0
    if gen not in allowed or allowed[gen] is None:
        raise Failure(f"{vm.lines[boot]!r}: want a resume from one of {sorted(allowed)}")
    cut = allowed[gen]
    at = vm.wait(RX_RECLAIMING, boot, STEP_TIMEOUT, "a reclaiming line after the resume",
                 RX_FAIL)
    first = int(RX_RECLAIMING.match(vm.lines[at]).group(1))
    ceiling = last_before(RX_RECLAIMING, cut_lines, cut)
    if ceiling is None or first > ceiling:
        raise Failure(f"the first reclaiming count after resuming from {gen} is {first}, but "
                      f"{ceiling} was printed before its demarcation: the destroy started over")
    calls_at_cut = last_before(RX_CLIENT, cut_lines, cut) or 0
    c = boot
    for k in range(2):
        c = vm.wait(RX_CLIENT, c, STEP_TIMEOUT, "a client line after the resume", RX_FAIL)
        calls, window, _ = (int(g) for g in RX_CLIENT.match(vm.lines[c]).groups())
        if calls <= calls_at_cut or window == 0:
            raise Failure(f"{vm.lines[c]!r} after the resume: the client had {calls_at_cut} "
                          f"calls at the cut and must go on from there")
        c += 1
    return gen, first


def run_killed(build, tmp, seed, kills):
    rng = random.Random(seed)
    vol = volume(build, tmp, seed, "killed")
    # Kill points: fractions of OBJECTS left, one per kill, going down,
    # each with room after it for a checkpoint before 10% is left.
    edges = [0.8 - 0.6 * k / kills for k in range(kills + 1)]
    targets = [int(OBJECTS * rng.uniform(edges[k + 1] + 0.05, edges[k])) for k in range(kills)]
    allowed, prev_lines = None, None
    for run in range(kills + 1):
        vm = Qemu(build, vol)
        try:
            boot = vm.wait(RX_BOOT, 0, BOOT_TIMEOUT, "boot line", RX_FAIL)
            if run == 0:
                start = check_bought(vm, boot)
                how = "first boot"
            else:
                gen, first = check_resume(vm, boot, allowed, prev_lines)
                start = boot
                how = f"resumed from {gen} at reclaiming {first}"
            if run < kills:
                left = aim_kill(vm, start, targets[run])
            else:
                check_end(vm, start, kills)
        except Failure:
            vm.stop()
            print(vm.transcript(), flush=True)
            raise
        refused = vm.stop()
        if refused:
            raise refused
        bad = [line for line in vm.lines if RX_FAIL.search(line)]
        if bad:
            print(vm.transcript(), flush=True)
            raise Failure(bad[0])
        if run == kills:
            print(f"run {run}: {how}; the destroy finished, {SAMPLES} samples void, AUDIT "
                  f"clean", flush=True)
            break
        last = reclaim_counts(vm.lines)[-1]
        if not OBJECTS // 10 <= last <= OBJECTS * 9 // 10:
            raise Failure(f"killed at reclaiming {last}: not between 10% and 90% of {OBJECTS} "
                          f"(the destroy ran faster than this test can aim)")
        allowed = allowed_resume(vm.lines, gen if run else 0)
        prev_lines = vm.lines
        print(f"run {run}: {how}; killed at reclaiming {last} (aimed below {targets[run]}, "
              f"seen {left}, then a checkpoint committed), may resume from {sorted(allowed)}",
              flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--kills", type=int, default=KILLS)
    ap.add_argument("-k", dest="select", choices=["whole", "killed"], default=None)
    seeds.add_option(ap, f"{DEFAULT_SEED}")
    opts = ap.parse_args()
    exit_on_sigterm()
    build = os.path.abspath(opts.build)
    seed = seeds.choose("bank_big", opts.seed, DEFAULT_SEED)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cairn-bank-big-") as tmp:
        for name, fn in (("whole", lambda: run_whole(build, tmp, seed)),
                         ("killed", lambda: run_killed(build, tmp, seed, opts.kills))):
            if opts.select and opts.select != name:
                continue
            t1 = time.monotonic()
            try:
                fn()
            except Failure as e:
                print(f"bank_big: {name} FAILED: {e}", flush=True)
                sys.exit(1)
            print(f"ok   {name} ({time.monotonic() - t1:.0f} s)", flush=True)
    print(f"bank_big: passed in {time.monotonic() - t0:.0f} s (seed {seed})", flush=True)


if __name__ == "__main__":
    main()
