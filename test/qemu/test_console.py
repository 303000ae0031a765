#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The held console (test 'console'; docs/checkpoint.md "The console"):
with ckpt=sync-console a console reader sees only durable history,
exactly once.

apps/console.image: the counter alone, printing "counter: N t=US" every
20 ms (US: microseconds since this boot, so a line written again after a
resume differs from the one printed before the kill). The test SIGKILLs
QEMU at seeded random instants, KILLS times (CAIRN_CONSOLE_KILLS; more in
make soak), and boots the same volume again. It reads every console line
of every boot, as a script would, by the documented rule: a held line is
"[SEQ] LABEL: text"; a line whose SEQ is not above the last one kept is
dropped (printed again after a resume). Then:
  - no counter line comes without a number, and no line cut by a kill
    is read (it has no newline);
  - every line kept has SEQ one above the previous one kept: none lost;
  - every counter value kept is one above the previous one: no value
    repeats, none is skipped, across all kills;
  - a dropped line is the very line kept under its number (same text,
    time included): what was printed was durable, and is never rewritten.

The control (make test runs it too): the same kills without the option
print values again after a resume: the check can fail.

Output held while checkpoints fail: behind QEMU's blkdebug the first
FAILED_FLUSHES FLUSHes fail, so the first checkpoints fail and are
retried for several seconds; no held line is printed before the first
commit line, and then every line in order from [1] on. Meanwhile the
epoch's held lines fill the header's console area and the counter is
parked until the next demarcation: its own times show a gap of more than
a second between two lines, and no line is lost."""
import os
import random
import re
import time

from cairnvm import CairnVM, Runner, fresh
from test_outcommit import blkdebug_drive

t = Runner()
KILLS = int(os.environ.get("CAIRN_CONSOLE_KILLS", "200"))
SEED = int(os.environ.get("CAIRN_SEED", "13"))
HELD = re.compile(r"^\[(\d+)\] ([a-z0-9_-]+): (.*)$")
COUNTER = re.compile(r"^counter: (\d+) t=\d+$")
BOOTED = r"^cairn: (first boot|resumed from checkpoint \d+)$"
COMMIT = r"^cairn: checkpoint \d+ committed"


def read_console(lines):
    """A reader's view of lines (complete ones, in order): the kept
    (seq, text) and the dropped ones. Raises AssertionError on a lost or
    a rewritten line, or an unnumbered domain line."""
    kept, dropped, seen = [], 0, {}
    last = 0
    for line in lines:
        if COUNTER.match(line):
            raise AssertionError("an unnumbered counter line: %r" % line)
        m = HELD.match(line)
        if not m:
            continue
        seq, text = int(m.group(1)), "%s: %s" % (m.group(2), m.group(3))
        if seq <= last:
            dropped += 1
            if seen.get(seq, text) != text:
                raise AssertionError("line %d printed as %r, then again as %r"
                                     % (seq, seen[seq], text))
            continue
        if seq != last + 1:
            raise AssertionError("line %d after line %d: %d lost" % (seq, last, seq - last - 1))
        seen[seq] = text
        kept.append((seq, text))
        last = seq
    return kept, dropped


def counter_values(kept):
    vals = []
    for seq, text in kept:
        m = COUNTER.match(text)
        if m:
            vals.append(int(m.group(1)))
    return vals


def first_bad(vals):
    for i in range(1, len(vals)):
        if vals[i] != vals[i - 1] + 1:
            return "counter %d after %d" % (vals[i], vals[i - 1])
    return None


def kill_cycles(build, tmp, kills, append, after_commits=True):
    """Every complete console line of kills + 1 boots of one volume, in
    order, each boot killed at a seeded random instant."""
    print("seed %d (CAIRN_SEED=%d repeats the choices)" % (SEED, SEED), flush=True)
    img = fresh(build, tmp, "console")
    rng = random.Random(SEED)
    lines = []
    for k in range(kills + 1):
        vm = CairnVM(build, img, append=append, cut_line_apart=True)
        try:
            _, i = vm.wait_for(BOOTED, 60)
            if k == kills:
                vm.wait_for(COMMIT, 30, start=i)
                vm.wait_for(r"counter: ", 30, start=i)
            elif after_commits and rng.random() < 0.5:
                # Right after the n-th commit: its lines are being printed.
                n = rng.randint(1, 12)
                for _ in range(n):
                    _, i = vm.wait_for(COMMIT, 30, start=i + 1)
            else:
                # A while after the boot line: in recovery's migration,
                # a checkpoint's writes or between them.
                time.sleep(rng.uniform(0.0, 0.4))
        finally:
            vm.kill()
        lines += vm.lines
    return lines


@t.test
def console_exactly_once_across_kills(build, tmp):
    lines = kill_cycles(build, tmp, KILLS, "ckpt=sync-console")
    kept, dropped = read_console(lines)
    vals = counter_values(kept)
    bad = first_bad(vals)
    assert bad is None, bad
    assert vals and vals[0] == 1, vals[:3]
    assert len(vals) > KILLS, "only %d values across %d kills" % (len(vals), KILLS)
    print("%d values 1..%d across %d kills, %d lines printed again and dropped"
          % (len(vals), vals[-1], KILLS, dropped))


@t.test
def console_direct_repeats(build, tmp):
    """The control: without the option, values printed after the last
    checkpoint are printed again after a resume."""
    lines = kill_cycles(build, tmp, 10, None, after_commits=False)
    vals = [int(m.group(1)) for m in map(re.compile(r"^counter: (\d+) t=\d+$").match, lines)
            if m]
    assert first_bad(vals) is not None, "no repeat without sync-console"
    print("without sync-console:", first_bad(vals))


FAILED_FLUSHES = 80


@t.test
def console_held_while_checkpoints_fail(build, tmp):
    img = fresh(build, tmp, "console")
    vm = CairnVM(build, img, append="ckpt=sync-console",
                 drive=blkdebug_drive(tmp, img, FAILED_FLUSHES))
    try:
        _, first = vm.wait_for(COMMIT, 120)
        i = first
        for _ in range(5):
            _, i = vm.wait_for(COMMIT, 10, start=i + 1)
        vm.wait_for(r"^\[\d+\] counter: ", 10, start=i)
    finally:
        vm.kill()
    before = [l for l in vm.lines[:first] if HELD.match(l) or l.startswith("counter:")]
    assert not before, "printed before the first commit: %r" % before[:3]
    failed = sum(1 for l in vm.lines[:first]
                 if re.match(r"^cairn: checkpoint \d+ failed: I/O error$", l))
    assert failed >= 3, "only %d checkpoints failed" % failed
    kept, dropped = read_console(vm.lines)
    vals = counter_values(kept)
    assert dropped == 0 and first_bad(vals) is None and vals[0] == 1, (dropped, vals[:5])
    times = [int(text.rpartition("t=")[2]) for _, text in kept]
    gap = max(b - a for a, b in zip(times, times[1:])) / 1e6
    assert gap > 1.0, "the writer never waited for room (longest gap %.3f s)" % gap
    print("%d checkpoints failed, no line before the first commit, then %d in order; "
          "the writer waited %.1f s for room" % (failed, len(vals), gap))


if __name__ == "__main__":
    t.main()
