# SPDX-License-Identifier: MIT
"""Kill at random instants: the cycle shared by test_ckpt.py and soak.py.

One volume with the default image lives through many runs. Each run boots
it with ckpt=verbose, waits for a randomly chosen moment (a while after the
boot line, right after the n-th commit line, a little after a demarcation
line so that QEMU dies inside that checkpoint's writes, or a while after a
commit), kills QEMU with SIGKILL and reads what the console printed before
it died. The next run's boot line and the values its demos print are then
checked against that transcript.

The model. Console lines are synchronous with the kernel, so their order is
the order of events, and a demarcation line is printed at the demarcation
instant. A *cut* is what the transcript says about the state of the demos
at a demarcation:

  counter   the last `counter: n` printed before it. The counter adds one,
            then prints, then sleeps: at the cut it holds n (printed) or
            n + 1 (added, not yet printed); either way the first line after
            a resume from the cut is exactly n + 1.
  pingpong  whether the summary line was printed, and the last
            `pingpong: n` (10100 if none, the trips made when the summary
            is printed). Trips, then the line, then a sleep: the first line
            after a resume is exactly n + 1000, preceded by the summary if
            the cut came before it.
  hello     printed once in the system's life: again after a resume only
            if the cut came before it.
  ledger    transfers at the cut lie between the last value printed before
            it (lo) and the next one printed after it in the same run (hi).
            After a resume the mover goes on transferring until its next
            line is due, so the first line after a resume is only bounded by
            hi + LEDGER_SLACK. Without a later line in that run, hi is the
            last value printed before the cut (or the bound the run started
            with) + LEDGER_SLACK. The total is always 3000000.

The *history* of a run is the history of the checkpoint it resumed from up
to that checkpoint's cut, then its own lines: values carry over runs that
printed nothing.

After a kill, let C be the last generation whose commit line was printed
(or the generation the run resumed from; 0 for a first boot with no
commit). The next boot must resume from C, or from C + 1 if that one's
demarcation line was printed (its header may have become durable after its
commit line could be printed); nothing else. Generation 0 is a first boot.
The demos then continue from that generation's cut, exactly as above.
"""
import os
import random
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, replace

from cairnvm import CairnVM, RefusedCheckpoint, TimeoutError_, cairn_format, image

LEDGER_TOTAL = 3000000
PINGPONG_SUMMARY_TRIPS = 10100  # 100 warm-up + 10000 timed round trips
PINGPONG_STEP = 1000            # round trips between two pingpong lines
# The most transfers the mover can make between any instant and its next
# ledger line, with any clock after a restart (apps/ledger.c): a line is due
# at most one period (1 s) after the first check; each check follows a
# sleep of at least 10 ms (kern/inv/kobj_misc.c: deadline = now + ms), so at
# most 100 batches of 100 transfers come after it, plus the rest of the
# batch under way (100) and the one before the first check (100).
LEDGER_SLACK = 100 * 100 + 100 + 100 + 100

BOOT_TIMEOUT = 30   # s, boot line
STEP_TIMEOUT = 30   # s, any other awaited line
INTERVALS_MS = (50, 75, 100, 150, 200)

RX_BOOT = re.compile(r"^cairn: (?:first boot|resumed from checkpoint (\d+))$")
RX_DEMARC = re.compile(r"^cairn: checkpoint (\d+) demarcated blocks=\d+ threads=\d+ instret=\d+$")
RX_COMMIT = re.compile(r"^cairn: checkpoint (\d+) committed objects=\d+ bytes=\d+$")
RX_COUNTER = re.compile(r"^counter: (\d+)$")
RX_LEDGER = re.compile(r"^ledger: total=(\d+) transfers=(\d+)$")
RX_PP_SUMMARY = re.compile(r"^pingpong: 10000 round trips, \d+ instructions per round trip$")
RX_PP = re.compile(r"^pingpong: (\d+)$")
RX_HELLO = re.compile(r"^hello: hello from a domain$")
RX_DEMO = re.compile(r"^(?:counter|ledger|pingpong|hello):")
RX_BAD = re.compile(r"^cairn: (?:error|halted|stopped)|PANIC|panic|UNEXPECTED|wrong reply"
                    r"|^cairn: checkpoint \d+ failed")
RX_WARN = re.compile(r"^cairn: warning:")


class Failure(AssertionError):
    pass


class Qemu(CairnVM):
    """A CairnVM for the kill cycles: the volume booted with ckpt=verbose,
    a line cut by the kill kept apart (its digits may be cut short, so the
    checks never use it), and waits that fail at once on a bad line."""

    def __init__(self, build, volume, append="ckpt=verbose"):
        super().__init__(build, volume, append=append, cut_line_apart=True)

    def wait(self, rx, start, timeout, what, bad=RX_BAD):
        """Index of the first line at or after start matching rx; Failure
        at a line matching bad before it."""
        try:
            _, i = self.wait_for(f"(?:{rx.pattern})|(?:{bad.pattern})", timeout, start)
        except TimeoutError_:
            if self.eof:
                raise Failure(f"QEMU exited while waiting for {what}") from None
            raise Failure(f"no {what} within {timeout} s") from None
        if bad.search(self.lines[i]):
            raise Failure("console: " + self.lines[i])
        return i

    def kill(self):
        """Kill QEMU; a refused checkpoint (cairnvm.REFUSAL) is a Failure."""
        try:
            super().kill()
        except RefusedCheckpoint as e:
            raise Failure(str(e)) from None

    def stop(self):
        """kill(), but return the refused checkpoint's Failure (or None)
        instead of raising it, so that the caller keeps the transcript."""
        try:
            self.kill()
        except Failure as e:
            return e
        return None


@dataclass
class Cut:
    """What the history says about the demos at a demarcation (above)."""
    counter: int = 0
    hello: bool = False
    pp_summary: bool = False
    pp: int = PINGPONG_SUMMARY_TRIPS
    lo: int = 0            # transfers >= lo
    hi: int = 0            # transfers <= hi (None while a run waits for its next line)


@dataclass
class RunResult:
    resumed: int           # generation resumed from, 0 for a first boot
    committed: int         # C: last committed generation known at the kill
    in_flight: bool        # killed between a demarcation line and its commit
    allowed: dict          # generation -> Cut, for the next boot
    checked: set           # demos whose continuity this run checked


def analyse(lines, allowed):
    """Check one run's complete console lines against the generations the
    boot may resume from (allowed: generation -> Cut). Returns a RunResult;
    raises Failure at the first line that breaks the model."""
    boot = None
    for i, line in enumerate(lines):
        if RX_BAD.search(line):
            raise Failure("console: " + line)
        m = RX_BOOT.match(line)
        if m:
            boot = i
            break
    if boot is None:  # killed before the kernel chose: nothing happened
        return RunResult(-1, max(allowed), False, dict(allowed), set())
    gen = int(m.group(1)) if m.group(1) else 0
    if gen == 0 and m.group(1) is not None:
        raise Failure("resumed from checkpoint 0")
    if gen not in allowed:
        want = " or ".join("first boot" if g == 0 else f"resumed from checkpoint {g}"
                           for g in sorted(allowed))
        raise Failure(f"boot: {lines[boot]!r}; expected {want}")

    st = replace(allowed[gen])
    anchor = st.hi               # the next ledger line is <= anchor + LEDGER_SLACK
    pending = []                 # cuts waiting for the next ledger line
    cuts = {gen: allowed[gen]}
    committed, demarcated = gen, None
    checked = set()
    for line in lines[boot + 1:]:
        def bad(why, line=line):
            raise Failure(f"{why}: {line!r}")
        if RX_BAD.search(line):
            bad("console")
        if RX_WARN.search(line):
            continue
        if m := RX_DEMARC.match(line):
            g = int(m.group(1))
            if demarcated is not None or g != committed + 1:
                bad(f"demarcation out of order (last committed {committed}, "
                    f"in flight {demarcated})")
            cut = replace(st, hi=None)
            pending.append(cut)
            cuts[g] = cut
            demarcated = g
        elif m := RX_COMMIT.match(line):
            g = int(m.group(1))
            if g != demarcated:
                bad(f"commit of a generation not in flight ({demarcated})")
            committed, demarcated = g, None
        elif m := RX_COUNTER.match(line):
            n = int(m.group(1))
            if n != st.counter + 1:
                bad(f"counter: expected {st.counter + 1}")
            st.counter = n
            checked.add("counter")
        elif RX_HELLO.match(line):
            if st.hello:
                bad("hello printed again")
            st.hello = True
        elif RX_PP_SUMMARY.match(line):
            if st.pp_summary:
                bad("pingpong summary printed again")
            st.pp_summary = True
        elif m := RX_PP.match(line):
            n = int(m.group(1))
            if not st.pp_summary or n != st.pp + PINGPONG_STEP:
                bad(f"pingpong: expected {st.pp + PINGPONG_STEP}"
                    + ("" if st.pp_summary else " after the summary line"))
            st.pp = n
            checked.add("pingpong")
        elif m := RX_LEDGER.match(line):
            total, t = int(m.group(1)), int(m.group(2))
            if total != LEDGER_TOTAL:
                bad(f"ledger total is not {LEDGER_TOTAL}")
            if not st.lo <= t <= anchor + LEDGER_SLACK:
                bad(f"ledger transfers outside [{st.lo}, {anchor + LEDGER_SLACK}]")
            st.lo = anchor = t
            for c in pending:
                c.hi = t
            pending = []
            checked.add("ledger")
        elif RX_DEMO.match(line):
            bad("unrecognised demo line")
    for c in pending:
        c.hi = anchor + LEDGER_SLACK
    nxt = {committed: cuts[committed]}
    if demarcated is not None:
        nxt[demarcated] = cuts[demarcated]
    return RunResult(gen, committed, demarcated is not None, nxt, checked)


class KillCycles:
    """One volume in workdir, killed and resumed again and again. run()
    does one run and returns (RunResult, mode); it raises Failure with the
    reason, the expectations and the transcripts of this run and the one
    before (self.failure_report())."""

    def __init__(self, build, workdir, rng=None):
        self.build = build
        self.volume = os.path.join(workdir, "cairn.img")
        self.rng = rng or random.Random()
        self.seed = None  # of the current volume's choices (cycles() sets it)
        self.allowed = None
        self.interval = None
        self.runs_on_volume = 0
        self.prev_transcript = ""
        self.transcript = ""
        self.expected = ""
        self.write_times = []  # host seconds from a demarcation to its commit

    def format(self):
        self.interval = self.rng.choice(INTERVALS_MS)
        cairn_format(self.build, self.volume, "--force", "--size", "64M",
                     "--checkpoint-interval", str(self.interval),
                     "--image", image(self.build, "default"))
        self.allowed = {0: Cut()}
        self.runs_on_volume = 0
        self.prev_transcript = ""
        self.transcript = ""

    def _mode(self):
        r = self.rng.random()
        if self.runs_on_volume == 0:
            # A fresh volume: half the time die before (or while) the first
            # checkpoint is written; the next boot is a first boot again or
            # a resume from 1.
            return "boot" if r < 0.5 else "write" if r < 0.75 else "commit"
        return ("boot" if r < 0.1 else "commit" if r < 0.3 else
                "write" if r < 0.8 else "after")

    def _write_time(self):
        if not self.write_times:
            return 0.005
        return sorted(self.write_times)[len(self.write_times) // 2]

    def _aim(self, vm, boot, mode):
        """Wait for the moment of the kill."""
        rng = self.rng
        at = boot + 1
        if mode == "boot":
            if self.runs_on_volume == 0:
                time.sleep(rng.uniform(0, 1.5 * self.interval / 1000))
            elif rng.random() < 0.5:
                # At once: often before the first domain has run or just
                # after, with recovery's migration held or barely started
                # (docs/checkpoint.md, "Recovery" in the kernel's part).
                pass
            else:
                time.sleep(rng.uniform(0, 0.4))
            return
        if rng.random() < 0.5:  # let the demos print after the resume first
            for rx, what in ((RX_COUNTER, "counter line"), (RX_LEDGER, "ledger line"),
                             (RX_PP, "pingpong line")):
                vm.wait(rx, boot + 1, STEP_TIMEOUT, what)
            at = len(vm.lines)
        n = rng.randint(0 if mode == "write" else 1, 6 if rng.random() < 0.8 else 20)
        for _ in range(n):
            at = vm.wait(RX_COMMIT, at, STEP_TIMEOUT, "commit line") + 1
        if mode == "write":
            vm.wait(RX_DEMARC, at, STEP_TIMEOUT, "demarcation line")
            time.sleep(rng.uniform(0, 1.3 * self._write_time()))
        elif mode == "after":
            time.sleep(rng.uniform(0, self.interval / 1000))

    def _learn_write_times(self, vm):
        start = {}
        for t, line in vm.timed():
            if m := RX_DEMARC.match(line):
                start[m.group(1)] = t
            elif (m := RX_COMMIT.match(line)) and m.group(1) in start:
                self.write_times.append(t - start.pop(m.group(1)))
        self.write_times = self.write_times[-200:]

    def run(self):
        if self.allowed is None:
            self.format()
        mode = self._mode()
        expected = ", ".join(f"{g}: {c}" for g, c in sorted(self.allowed.items()))
        self.expected = f"interval {self.interval} ms, may resume from {{{expected}}}"
        vm = Qemu(self.build, self.volume)
        waited = None
        try:
            boot = vm.wait(RX_BOOT, 0, BOOT_TIMEOUT, "boot line")
            self._aim(vm, boot, mode)
        except Failure as e:
            waited = e
        finally:
            refused = vm.stop()
        self.prev_transcript, self.transcript = self.transcript, vm.transcript()
        self.mode = mode
        if refused:
            raise refused
        result = analyse(vm.lines, self.allowed)
        if waited:
            raise waited
        self._learn_write_times(vm)
        self.allowed = result.allowed
        self.runs_on_volume += 1
        return result, mode

    def failure_report(self, why):
        return "\n".join([
            f"FAILED: {why}",
            f"volume: {self.volume}; run {self.runs_on_volume} on it, kill mode {self.mode}",
            f"expected: {self.expected}",
            "--- the run before (killed):", self.prev_transcript or "(none: fresh volume)",
            "--- this run:", self.transcript,
        ])

    def keep(self, why, directory, name):
        """Save the failure report and a (sparse) copy of the volume."""
        os.makedirs(directory, exist_ok=True)
        report = os.path.join(directory, name + ".log")
        with open(report, "w") as f:
            f.write(self.failure_report(why) + "\n")
        image = os.path.join(directory, name + ".img")
        if shutil.which("cp"):
            subprocess.run(["cp", "--sparse=always", self.volume, image], check=False)
        return report, image


class Tally:
    """Counts for the summary line of a series of cycles."""

    def __init__(self):
        self.cycles = self.passed = 0
        self.first_boot_again = self.resumed_unprinted = self.in_flight = 0
        self.checked = {"counter": 0, "ledger": 0, "pingpong": 0}

    def add(self, result, prev):
        """result: a run that passed; prev: the killed run it resumed."""
        self.cycles += 1
        self.passed += 1
        self.in_flight += prev.in_flight
        self.first_boot_again += result.resumed == 0
        self.resumed_unprinted += result.resumed > prev.committed
        for k in result.checked:
            self.checked[k] += 1

    def summary(self):
        c = self.checked
        return (f"{self.in_flight} kills inside a checkpoint's writes, "
                f"{self.resumed_unprinted} resumes from a checkpoint whose commit line was "
                f"not printed, {self.first_boot_again} first boots again; continuity checked: "
                f"counter {c['counter']}, ledger {c['ledger']}, pingpong {c['pingpong']}")


def cycles(build, workdir, count, seed, on_cycle=None, on_failure=None, segment=(5, 30),
           on_volume=None):
    """Run count cycles (a kill, then a checked resume). A fresh volume
    every few cycles (segment: min, max), after which on_volume(kc). Then
    on_cycle(i, tally, result, mode) after each cycle; on_failure(i, kc,
    why) -> True to go on (with a fresh volume), False to stop. Returns the
    Tally.

    Every volume has its own seed (kc.seed), which makes all the choices on
    it: the first volume's is `seed`, each next one's is drawn from the
    volume before. So a run with --seed S, for S the seed of any volume a
    run printed, makes the same choices from that volume on: a failure on
    the 80th volume of a soak is repeated without the 79 before it. (seed
    may also be a random.Random, which then draws the first seed.)"""
    if isinstance(seed, random.Random):
        seed = seed.randrange(1 << 32)
    kc = KillCycles(build, workdir, random.Random(seed))
    kc.seed = seed
    tally = Tally()
    prev = None      # result of the killed run the next boot checks
    left = 0         # cycles left on this volume
    i = 0
    first = True
    while tally.cycles < count:
        if prev is None:
            if not first:
                kc.seed = kc.rng.randrange(1 << 32)
                kc.rng = random.Random(kc.seed)
            first = False
            kc.format()
            # One draw whatever the segment, so the choices after it are
            # the same in test_ckpt.py and soak.py for the same seed.
            left = segment[0] + int(kc.rng.random() * (segment[1] - segment[0] + 1))
            if on_volume:
                on_volume(kc)
        try:
            result, mode = kc.run()
        except Failure as e:
            i += 1
            tally.cycles += 1
            if on_failure is None or not on_failure(i, kc, str(e)):
                return tally
            prev = None
            continue
        if prev is not None:
            i += 1
            tally.add(result, prev)
            if on_cycle:
                on_cycle(i, tally, result, mode)
            left -= 1
        prev = result if left > 0 else None
    return tally
