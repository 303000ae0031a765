# SPDX-License-Identifier: MIT
"""Run the fuzzer (apps/fuzz/) and check what the console says: shared by
test_fuzz.py (a few fixed seeds, make test) and soak.py --fuzz (fresh
seeds for as long as asked).

A FuzzVolume is one volume formatted from a copy of apps/fuzz.image with
the seed and the option bits written into the fuzzer's number keys. Each
run boots it, lets the fuzzer make some rounds, SIGKILLs QEMU at a chosen
instant and then checks that run's whole console:

  - no kernel panic, no `UNEXPECTED` line (any domain's), no error,
    failed checkpoint or refused log;
  - the boot line: a first boot on a fresh volume (again, if the kill came
    before any checkpoint was committed), else `cairn: resumed from
    checkpoint N` with N the last generation whose commit line was printed
    or the next one (killcycle.py explains why);
  - the fuzzer: `fuzz: seed S` at a first boot, then `fuzz: round N ok`
    with N going up by one; after a resume N goes on from where the
    checkpoint had it (never back to 1, never past the last printed + 1);
  - the witnesses: counter lines go up by one, every ledger total is
    3000000 and the transfers grow; after a resume they carry on (counter
    not from 1 again once it had printed, nothing from beyond what the
    last run printed); the ledger's first line after a resume lies
    within the bounds of the generation resumed from, as in killcycle.py:
    at least the last value printed before its demarcation line, at most
    the first one printed after it (else that one's predecessor plus
    LEDGER_SLACK), plus LEDGER_SLACK for the mover's next period.

Any broken rule raises Failure with the reason; report() has the
transcripts.
"""
import os
import re
import time

from cairnvm import cairn_format, image
from killcycle import LEDGER_SLACK, LEDGER_TOTAL, RX_BOOT, RX_COMMIT, RX_COUNTER, RX_LEDGER
from killcycle import Failure, Qemu

RX_SEED = re.compile(r"^fuzz: seed (\d+) options 0x([0-9a-f]+)$")
RX_ROUND = re.compile(r"^fuzz: round (\d+) ok$")
RX_BAD = re.compile(r"PANIC|panic|UNEXPECTED|^cairn: (?:error|halted|stopped)"
                    r"|^cairn: checkpoint \d+ failed|CKPT_ERR")

# Bugs of issue 8 whose fixes this kernel does not have yet: the fuzzer
# leaves out their probes and the random operations known to trigger
# them (FUZZ_SKIP_BUG in apps/fuzz/fuzz.h). Remove a number when its fix is
# merged; `--options 0` (soak.py) runs everything regardless.
PENDING_BUGS = ()


def pending_options(bugs=PENDING_BUGS):
    return sum(1 << (n - 1) for n in bugs)


def write_image(build, directory, seed, options):
    """A copy of fuzz.image with the seed and options, its programs by
    absolute path (a description's paths are relative to its own file)."""
    apps = os.path.join(build, "apps")
    with open(image(build, "fuzz")) as f:
        text = f.read()
    text = re.sub(r"(?m)^(program\s+\S+\s+)(\S+)$",
                  lambda m: m.group(1) + os.path.join(apps, m.group(2)), text)
    text, n1 = re.subn(r"(?m)^(  cap 3 number )\d+$", r"\g<1>%d" % seed, text)
    text, n2 = re.subn(r"(?m)^(  cap 11 number )\d+$", r"\g<1>%d" % options, text)
    assert n1 == 1 and n2 == 1, "fuzz.image: no seed or options key to set"
    path = os.path.join(directory, "fuzz-%d.image" % seed)
    with open(path, "w") as f:
        f.write(text)
    return path


class History:
    """What the runs so far printed (for the checks after a resume)."""

    def __init__(self):
        self.runs = 0
        self.committed = 0      # last generation whose commit line was printed
        self.in_flight = None   # a demarcated generation not yet committed
        self.round = 0          # highest round printed
        self.counter = 0        # highest counter printed
        self.transfers = 0      # highest ledger transfers printed
        # generation -> (lo, hi): the ledger's transfers in that
        # generation's snapshot lie in [lo, hi] (killcycle.py explains the
        # bounds); a resume's first line is then in [lo, hi + LEDGER_SLACK].
        self.ledger_cuts = {}
        self.seen_counter = False


class FuzzVolume:
    def __init__(self, build, workdir, seed, options, interval_ms=200):
        self.build = build
        self.seed = seed
        self.options = options
        self.interval = interval_ms
        self.volume = os.path.join(workdir, "fuzz-%d.img" % seed)
        image = write_image(build, workdir, seed, options)
        cairn_format(build, self.volume, "--force", "--size", "64M",
                     "--checkpoint-interval", str(interval_ms), "--image", image)
        self.history = History()
        self.transcripts = []

    def run(self, rounds, after_commit_s=0.0, timeout=60, early_s=None):
        """Boot, wait for `rounds` more rounds and then a commit line,
        sleep after_commit_s, SIGKILL, check. With early_s: kill that long
        after the boot line instead, rounds or not. Returns the run's
        lines."""
        vm = Qemu(self.build, self.volume)
        waited = None
        try:
            boot = vm.wait(RX_BOOT, 0, 30, "boot line")
            if early_s is not None:
                time.sleep(early_s)
                raise StopIteration
            first = vm.wait(RX_ROUND, boot, timeout, "a fuzz round")
            start = int(RX_ROUND.match(vm.lines[first]).group(1))
            rx = re.compile(r"^fuzz: round %d ok$" % (start + rounds))
            at = vm.wait(rx, first, timeout, "fuzz round %d" % (start + rounds))
            vm.wait(RX_COMMIT, at, timeout, "a commit line")
            time.sleep(after_commit_s)
        except StopIteration:
            pass
        except Failure as e:
            waited = e
        finally:
            refused = vm.stop()
        lines = list(vm.lines)
        self.transcripts.append(vm.transcript())
        self.transcripts = self.transcripts[-2:]
        if refused:
            raise refused
        self.check(lines, early=early_s is not None)
        if waited:
            raise waited
        return lines

    def check(self, lines, early=False):
        h = self.history
        bad = next((l for l in lines if RX_BAD.search(l)), None)
        if bad:
            raise Failure("console: " + bad)
        boot = next((i for i, l in enumerate(lines) if RX_BOOT.match(l)), None)
        if boot is None:
            raise Failure("no boot line")
        m = RX_BOOT.match(lines[boot])
        gen = int(m.group(1)) if m.group(1) else 0
        allowed = {h.committed} | ({h.in_flight} if h.in_flight else set())
        if h.runs == 0:
            allowed = {0}
        if gen not in allowed:
            raise Failure("boot: %r; expected generation %s" % (lines[boot], sorted(allowed)))
        resumed = gen > 0
        last_round = last_counter = last_transfers = None
        committed, in_flight = h.committed if resumed else 0, None
        # The ledger at this run's start: transfers in [lo, anchor].
        # (No bound is known for a generation whose demarcation line was
        # not seen: then only the lower one, 0, is checked.)
        lo, anchor = h.ledger_cuts.get(gen, (0, None)) if resumed else (0, 0)
        cuts, waiting = {}, []  # this run's demarcations; those awaiting a line
        for line in lines[boot + 1:]:
            if m := RX_SEED.match(line):
                if resumed:
                    raise Failure("seed printed again after a resume: %r" % line)
                if int(m.group(1)) != self.seed or int(m.group(2), 16) != self.options:
                    raise Failure("seed line %r; wrote seed %d options %#x"
                                  % (line, self.seed, self.options))
            elif m := RX_ROUND.match(line):
                n = int(m.group(1))
                if last_round is None:
                    if not resumed and n != 1:
                        raise Failure("first round after a first boot is %d" % n)
                    if resumed and not 1 <= n <= h.round + 1:
                        raise Failure("round %d after a resume; %d was the last printed"
                                      % (n, h.round))
                elif n != last_round + 1:
                    raise Failure("round %d after round %d" % (n, last_round))
                last_round = n
            elif m := RX_COUNTER.match(line):
                n = int(m.group(1))
                if last_counter is None:
                    if not resumed and n != 1:
                        raise Failure("counter starts at %d on a first boot" % n)
                    if resumed and n > h.counter + 1:
                        raise Failure("counter %d after a resume; %d was the last printed"
                                      % (n, h.counter))
                elif n != last_counter + 1:
                    raise Failure("counter %d after %d" % (n, last_counter))
                last_counter = n
            elif m := RX_LEDGER.match(line):
                total, t = int(m.group(1)), int(m.group(2))
                if total != LEDGER_TOTAL:
                    raise Failure("ledger total %d: %r" % (total, line))
                if last_transfers is not None and t <= last_transfers:
                    raise Failure("ledger transfers did not grow: %r" % line)
                if t < lo or (anchor is not None and t > anchor + LEDGER_SLACK):
                    raise Failure("ledger transfers %d outside [%d, %s]%s"
                                  % (t, lo, "?" if anchor is None else anchor + LEDGER_SLACK,
                                     " after a resume" if last_transfers is None else ""))
                for g in waiting:  # the snapshot had at most what this line says
                    cuts[g] = (cuts[g][0], t)
                waiting = []
                lo = anchor = last_transfers = t
            elif m := RX_COMMIT.match(line):
                committed, in_flight = int(m.group(1)), None
            elif line.startswith("cairn: checkpoint") and " demarcated " in line:
                in_flight = int(line.split()[2])
                cuts[in_flight] = (lo, None)
                waiting.append(in_flight)
        if last_round is None and not early:
            raise Failure("the fuzzer printed no round")
        last_round = last_round or 0
        h.runs += 1
        h.committed = committed
        h.in_flight = in_flight
        h.round = max(h.round if resumed else 0, last_round)
        if last_counter is not None:
            h.counter = max(h.counter if resumed else 0, last_counter)
        if last_transfers is not None:
            h.transfers = max(h.transfers if resumed else 0, last_transfers)
        for g in waiting:  # no line after it: at most one period's transfers on
            cuts[g] = (cuts[g][0], None if anchor is None else anchor + LEDGER_SLACK)
        if resumed:
            cuts = {**{g: c for g, c in h.ledger_cuts.items() if g <= gen}, **cuts}
        h.ledger_cuts = cuts

    def report(self, why):
        return "\n".join(["FAILED: %s" % why,
                          "seed %d options %#x, volume %s, run %d"
                          % (self.seed, self.options, self.volume, self.history.runs + 1),
                          "reproduce: python3 test/qemu/soak.py --build BUILD --fuzz "
                          "--fuzz-seed %d --options %d" % (self.seed, self.options)]
                         + ["--- run %d:\n%s" % (i, t) for i, t in enumerate(self.transcripts)])
