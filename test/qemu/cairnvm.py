# SPDX-License-Identifier: MIT
"""Run Cairn under QEMU: the one harness of the integration tests, the
kill cycles (killcycle.py, fuzzrun.py) and the benchmarks.

A CairnVM starts QEMU through scripts/cairn-qemu (the same launcher people
use, which execs QEMU, so the pid is QEMU's), reads the serial console on a
background thread and keeps every line with the host time it arrived
(`timed()`, seconds since the VM was started). A test waits for lines
matching a regular expression, always with a timeout. QEMU is killed with
SIGKILL when the VM object is closed, whatever happened, and also when the
test process dies, even by SIGKILL (PR_SET_PDEATHSIG), so no test can leave
a QEMU behind. A last line without its newline (cut by a kill) is kept
apart in `partial` when the VM is made with cut_line_apart=True (the kill
cycles, whose checks never read it); otherwise it ends `lines` at EOF.

Every VM also fails, in kill(), if the kernel ever refused a checkpoint
(`cairn: checkpoint <g> refused: ...`, docs/checkpoint.md "Refusal"): a
refusal means the kernel built a generation recovery would not accept.
This is the only place that check is made; killcycle.py and fuzzrun.py
turn its RefusedCheckpoint into their Failure.

image(build, name) is apps/<name>.image in the build; fresh(build, tmp,
name, ...) formats a new volume <tmp>/<name>.img with it.
"""
import ctypes
import os
import re
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAUNCHER = os.path.join(ROOT, "scripts", "cairn-qemu")

# The log writer's line for a generation it would not commit (a kernel bug).
REFUSAL = re.compile(r"^cairn: checkpoint \d+ refused: ")


class TimeoutError_(AssertionError):
    pass


class RefusedCheckpoint(AssertionError):
    pass


def _die_with_parent():
    """In the child before exec: SIGKILL when the test process dies, even
    by SIGKILL (Linux prctl PR_SET_PDEATHSIG, kept across exec)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def exit_on_sigterm():
    """meson test's timeout sends SIGTERM: leave through the finally
    clauses, which kill QEMU."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))


class CairnVM:
    def __init__(self, build, volume=None, mem="128M", icount=False, append=None,
                 drive=None, no_disk=False, extra=(), net=None, log_path=None,
                 cut_line_apart=False, tap=None, prefix=(), mtu=None):
        # prefix: a command that execs the launcher in turn (ip netns exec
        # NS), so that the pid is still QEMU's.
        args = list(prefix) + [LAUNCHER, "--build", build, "--mem", mem]
        if icount:
            args.append("--icount")
        if append:
            args += ["--append", append]
        if drive:
            args += ["--drive", drive]
        if no_disk:
            args.append("--no-disk")
        if net:
            args += ["--net", net]
        if tap:
            args += ["--tap", tap]
        if mtu:
            args += ["--mtu", str(mtu)]
        if volume:
            args.append(volume)
        if extra:
            args.append("--")
            args += list(extra)
        self.args = args
        self.lines = []   # console lines, without their newline
        self.times = []   # times[i]: when lines[i] arrived, seconds after t0
        self.partial = ""
        self.cut_line_apart = cut_line_apart
        self._cond = threading.Condition()
        self.eof = False
        self._log = open(log_path, "a") if log_path else None
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     preexec_fn=_die_with_parent)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _add(self, now, lines):
        self.lines.extend(lines)
        self.times.extend([now] * len(lines))
        if self._log:
            for line in lines:
                self._log.write(line + "\n")
            self._log.flush()

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                break
            now = time.monotonic() - self.t0
            text = chunk.decode("utf-8", "replace").replace("\r", "")
            with self._cond:
                *done, self.partial = (self.partial + text).split("\n")
                self._add(now, done)
                self._cond.notify_all()
        with self._cond:
            if self.partial and not self.cut_line_apart:
                self._add(time.monotonic() - self.t0, [self.partial])
                self.partial = ""
            self.eof = True
            self._cond.notify_all()

    def timed(self):
        """[(arrival time, line)] for every complete line so far."""
        with self._cond:
            return list(zip(self.times, self.lines))

    def output(self):
        with self._cond:
            return "\n".join(self.lines)

    def transcript(self):
        """The console with arrival times, from the kernel's first line
        (OpenSBI's banner left out), and a line cut by the kill marked."""
        with self._cond:
            first = next((i for i, line in enumerate(self.lines)
                          if line.startswith("cairn:")), len(self.lines))
            out = ["%8.3f %s" % (t, line)
                   for t, line in zip(self.times[first:], self.lines[first:])]
            if self.partial:
                out.append("%8s %s   <- cut by the kill" % ("", self.partial))
        return "\n".join(out)

    def wait_for(self, pattern, timeout, start=0):
        """Wait until a console line at index >= start matches; return
        (match, index). Raises TimeoutError_ with the console tail."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        i = start
        with self._cond:
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    if m:
                        return m, i
                    i += 1
                left = deadline - time.monotonic()
                if self.eof or left <= 0:
                    break
                self._cond.wait(min(left, 0.5))
        tail = "\n".join(self.lines[-40:])
        why = "QEMU exited" if self.eof else f"timeout after {timeout}s"
        raise TimeoutError_(f"{why} waiting for /{pattern}/; console tail:\n{tail}")

    def count(self, pattern):
        rx = re.compile(pattern)
        with self._cond:
            return sum(1 for l in self.lines if rx.search(l))

    def wait_exit(self, timeout):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError_(f"QEMU still running after {timeout}s; console tail:\n"
                                + "\n".join(self.lines[-40:]))

    def kill(self):
        """Kill QEMU; then fail if the console shows a refused checkpoint."""
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self._reader.join(timeout=5)
        if not self._reader.is_alive():
            self.proc.stdout.close()
        self.check_no_refusal()

    def check_no_refusal(self):
        with self._cond:
            bad = [l for l in self.lines + [self.partial] if REFUSAL.search(l)]
        if bad:
            raise RefusedCheckpoint("the kernel refused a checkpoint (a kernel bug):\n"
                                    + "\n".join(bad))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.kill()
        finally:
            if self._log:
                self._log.close()
        return False


def cairn_format(build, image, *args, check=True):
    tool = os.path.join(build, "disk-format", "cairn-format")
    r = subprocess.run([tool, *args, image], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise AssertionError(f"cairn-format failed: {r.stderr}")
    return r


def image(build, name):
    """The image file apps/<name>.image that the build makes."""
    return os.path.join(build, "apps", name + ".image")


def image_with(build, tmp, name, replacements):
    """A copy of apps/<name>.image in tmp with each (old, new) text
    replacement made (a domain's arg=, say) and its programs named by their
    path in build/apps/, so that cairn-format finds them from tmp."""
    text = open(image(build, name)).read()
    for old, new in replacements:
        if old not in text:
            raise AssertionError("%s.image has no %r" % (name, old))
        text = text.replace(old, new)
    text = re.sub(r"(?m)^(program\s+\S+\s+)(\S+\.elf)$",
                  lambda m: m.group(1) + os.path.join(build, "apps", m.group(2)), text)
    path = os.path.join(tmp, name + ".image")
    with open(path, "w") as f:
        f.write(text)
    return path


def fresh(build, tmp, name, *extra, size="64M", image_file=None):
    """A new volume <tmp>/<name>.img of `size`, formatted with image_file
    (default apps/<name>.image) and the further cairn-format options extra."""
    img = os.path.join(tmp, name + ".img")
    cairn_format(build, img, "--size", size, "--image", image_file or image(build, name),
                 *extra)
    return img


class Runner:
    """A tiny test runner: each test is a function; failures are reported
    with their message and the process exits non-zero if any failed."""

    def __init__(self):
        self.tests = []

    def test(self, fn):
        self.tests.append(fn)
        return fn

    def main(self, argv=None):
        import argparse
        import tempfile
        ap = argparse.ArgumentParser()
        ap.add_argument("--build", required=True)
        ap.add_argument("-k", dest="select", default=None)
        opts = ap.parse_args(argv)
        build = os.path.abspath(opts.build)
        failed = 0
        for fn in self.tests:
            if opts.select and opts.select not in fn.__name__:
                continue
            with tempfile.TemporaryDirectory(prefix="cairn-test-") as tmp:
                t0 = time.monotonic()
                try:
                    fn(build, tmp)
                    print(f"ok   {fn.__name__} ({time.monotonic() - t0:.1f}s)", flush=True)
                except Exception as e:  # report every failure, keep going
                    failed += 1
                    print(f"FAIL {fn.__name__}: {e}", flush=True)
        sys.exit(1 if failed else 0)
