#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Regression tests for the kernel bugs of issue 8 and the capability rules
where the kernel applies them (apps/regress.c, docs/testing.md).

One boot of apps/regress.image: the driver prints one line per case,
"regress: <case>: ok" or "regress: <case>: FAIL <what>", each awaited with a
timeout (a case that never prints fails, and the ones after it are still
awaited). Then the duplicate-thread case (bug 1): the driver has made two
activities for one domain root in two ways, forced a checkpoint and waited
for its commit; this test SIGKILLs QEMU, boots the volume again and
requires "cairn: resumed from checkpoint N" (N at least the one committed)
and no checkpoint error, and the driver to go on ("resumed", "done").
The counter domain is the witness that the system stays alive: it must
keep counting after the activity-leak case and after the restart.

REGRESS_GROUPS=<mask> in the environment runs only those case groups
(apps/regress.c: bit 0 bug 1, 1 bug 2, 2 bug 3, 3 bug 4, 4 bug 5, 5 bug 6,
6 bug 7, 7 MAKE_SPACE, 8 the capability rules; 9 and 10: bug 1's rescind
or state-rewrite variant alone), to show one case failing on its own.
"""
import os
import re

from cairnvm import CairnVM, Runner, fresh, image, image_with

t = Runner()

# (group bit, case name), in the driver's order (apps/regress.c, cases[]).
CASES = [
    (2, "FP registers survive a kernel-key call"),
    (6, "SET_REG pc on yourself"),
    (1, "register node through an RO key"),
    (1, "register node through a WEAK key"),
    (1, "FP node through an RO key"),
    (1, "FP node through a WEAK key"),
    (1, "capability node through an RO key"),
    (1, "capability node through a WEAK key"),
    (1, "capability node of a WEAK victim"),
    (5, "rescinded capability node detaches"),
    (3, "stalled caller woken when the server halts"),
    (3, "stalled caller woken when the server is rescinded"),
    (3, "stalled caller woken when the server returns"),
    (7, "MAKE_SPACE keeps the key's rights"),
    (8, "rescinded node keys are void"),
    (8, "rescinded domain keys are void"),
    (8, "rescinded page keys are void and unmapped"),
    (8, "a rescind zeroes a page written after an earlier rescind"),
    (8, "RETURN on a kernel key hands its reply on"),
    (8, "RO page key"),
    (8, "RO and WEAK space keys map read-only"),
    (8, "a space node's slot changed under a mapping"),
    (8, "WEAK node key weakens what it fetches"),
    (8, "fast path checks the start key's count"),
    (8, "IDENTIFY and 48-bit start badges"),
    (8, "RANGE IDENTIFY_KEYS: each key in the range of its type"),
    (4, "activities of rescinded callers"),
    (11, "1100 domains running at once"),
]
DUP = "duplicate thread"
DUP_GROUPS = 1 | 1 << 9 | 1 << 10  # both variants, only the rescind, only the rewrite
LEAK = "activities of rescinded callers"
SLEEP = "sleep across a restart"  # checked after the duplicate thread case's restart

# Seconds each case may take to print its line (the leak case: 1100 rounds
# and its worker's own 40 s bound).
CASE_TIMEOUT = 20
LEAK_TIMEOUT = 60
TROUBLE = r"PANIC|CKPT_ERR|checkpoint log unusable|UNEXPECTED"


def image_for(build, tmp, groups):
    """apps/regress.image, or a copy whose driver runs only `groups`."""
    if groups == 0:
        return image(build, "regress")
    return image_with(build, tmp, "regress", [("arg=0 run", "arg=%d run" % groups)])


def counter_beats(vm, at, beats=2, timeout=20):
    """The counter prints `beats` more lines after line `at`."""
    m, i = vm.wait_for(r"^counter: (\d+)$", timeout, at)
    n = int(m.group(1))
    vm.wait_for(r"^counter: %d$" % (n + beats), timeout, i)


def run_cases(vm, groups, results):
    """Await each selected case's line; return the index after the last."""
    at = 0
    for bit, name in CASES:
        if groups and not groups & (1 << bit):
            continue
        pattern = r"^regress: %s: (ok|FAIL .*)$" % re.escape(name)
        try:
            m, i = vm.wait_for(pattern, LEAK_TIMEOUT if name == LEAK else CASE_TIMEOUT, at)
        except AssertionError:
            results[name] = "FAIL no line (hung?)"
            continue
        results[name] = m.group(1)
        at = i + 1
        if name == LEAK and m.group(1) == "ok":
            try:
                counter_beats(vm, at)
            except AssertionError:
                results[name] = "FAIL the counter stopped after the leak"
    return at


def duplicate_thread(build, img, vm, at):
    """Kill after the forced checkpoint; the volume must boot and resume."""
    m, at = vm.wait_for(r"^regress: %s: (checkpoint (\d+) committed, kill now|FAIL .*)$" % DUP,
                        60, at)
    if not m.group(2):
        return m.group(1), None
    gen = int(m.group(2))
    try:
        vm.kill()
    except AssertionError as e:  # a refused checkpoint (cairnvm.REFUSAL)
        return "FAIL before the restart: %s" % str(e).splitlines()[0], None
    trouble = [l for l in vm.lines if re.search(TROUBLE, l)]
    if trouble:
        return "FAIL before the restart: " + trouble[0], None
    again = CairnVM(build, img)
    try:
        r, _ = again.wait_for(r"^cairn: (first boot|resumed from checkpoint (\d+)|"
                              r".*checkpoint log unusable.*)$", 60)
        if not r.group(2):
            return "FAIL the restart: " + r.group(0), again
        if int(r.group(2)) < gen:
            return "FAIL resumed from checkpoint %s, before %d" % (r.group(2), gen), again
        _, i = again.wait_for(r"^regress: %s: resumed$" % DUP, 30)
        s, i = again.wait_for(r"^regress: %s: (ok|FAIL .*)$" % SLEEP, 30, i)
        if s.group(1) != "ok":
            return "FAIL %s: %s" % (SLEEP, s.group(1)), again
        again.wait_for(r"^regress: done$", 30, i)
        counter_beats(again, i)
        trouble = [l for l in again.lines if re.search(TROUBLE, l)]
        if trouble:
            return "FAIL after the restart: " + trouble[0], again
        return "ok", again
    except AssertionError as e:
        print(str(e), flush=True)
        return "FAIL after the restart: %s" % str(e).splitlines()[0], again


@t.test
def regressions_of_issue_8(build, tmp):
    groups = int(os.environ.get("REGRESS_GROUPS", "0"), 0)
    img = fresh(build, tmp, "regress", image_file=image_for(build, tmp, groups))
    results = {}
    again = None
    with CairnVM(build, img) as vm:
        vm.wait_for(r"^cairn: first boot", 60)
        vm.wait_for(r"^regress: start", 30)
        at = run_cases(vm, groups, results)
        if not groups or groups & DUP_GROUPS:
            results[DUP], again = duplicate_thread(build, img, vm, at)
        else:
            vm.wait_for(r"^regress: done$", 30, at)
        trouble = [l for l in vm.lines if re.search(TROUBLE, l)]
    if again:
        try:
            again.kill()
        except AssertionError as e:
            results[DUP] = "FAIL after the restart: %s" % str(e).splitlines()[0]
    for name, verdict in results.items():
        print("regress: %s: %s" % (name, verdict), flush=True)
    bad = [n for n, v in results.items() if v != "ok"]
    assert not bad, "%d of %d cases failed: %s" % (len(bad), len(results), "; ".join(bad))
    assert not trouble, "trouble on the console: %s" % trouble[0]


if __name__ == "__main__":
    t.main()
