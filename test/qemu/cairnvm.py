# SPDX-License-Identifier: MIT
"""Run Cairn under QEMU for integration tests and benchmarks.

A CairnVM starts QEMU through scripts/cairn-qemu (the same launcher people
use), reads the serial console on a background thread, and lets a test
wait for lines matching a regular expression, always with a timeout.
QEMU is killed with SIGKILL when the VM object is closed, whatever
happened, so no test can leave a QEMU behind.

Every test also fails, in kill(), if the kernel ever refused a checkpoint
(`cairn: checkpoint <g> refused: ...`, docs/checkpoint.md "Refusal"): a
refusal means the kernel built a generation recovery would not accept.
"""
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


class CairnVM:
    def __init__(self, build, volume=None, mem="128M", icount=False, append=None,
                 drive=None, no_disk=False, extra=(), net=None, log_path=None):
        args = [LAUNCHER, "--build", build, "--mem", mem]
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
        if volume:
            args.append(volume)
        if extra:
            args.append("--")
            args += list(extra)
        self.args = args
        self.lines = []
        self._partial = ""
        self._cond = threading.Condition()
        self._eof = False
        self._log = open(log_path, "a") if log_path else None
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                break
            text = chunk.decode("utf-8", "replace").replace("\r", "")
            with self._cond:
                self._partial += text
                while "\n" in self._partial:
                    line, self._partial = self._partial.split("\n", 1)
                    self.lines.append(line)
                    if self._log:
                        self._log.write(line + "\n")
                        self._log.flush()
                self._cond.notify_all()
        with self._cond:
            if self._partial:
                self.lines.append(self._partial)
                self._partial = ""
            self._eof = True
            self._cond.notify_all()

    def output(self):
        with self._cond:
            return "\n".join(self.lines)

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
                if self._eof or left <= 0:
                    break
                self._cond.wait(min(left, 0.5))
        tail = "\n".join(self.lines[-40:])
        why = "QEMU exited" if self._eof else f"timeout after {timeout}s"
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
        self.check_no_refusal()

    def check_no_refusal(self):
        with self._cond:
            bad = [l for l in self.lines if REFUSAL.search(l)]
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
