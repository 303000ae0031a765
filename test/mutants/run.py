#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""make mutants: plant each known bug in a scratch copy of the tree and
check that the test named for it fails (docs/testing.md "Mutants").

Every *.patch file here is one mutant: a unified diff against the tree
(applied with `patch -p1`), preceded by header lines

  # Mutant: what the planted bug is, in one line
  # Test: the meson test that must catch it

The scratch tree (--scratch, default BUILD/mutants) is a copy of the
source tree's files (git ls-files: tracked and untracked, not ignored)
with one meson build directory that is reused: a file is rewritten only
when its content differs, so each mutant costs one incremental ninja (its
files, then the same files put back) and one run of its test.

First the baseline: the unmutated scratch tree builds and every named test
passes (a test that fails anyway would "catch" every mutant). Then, one at
a time: apply, build, run the test, put the files back. One line per
mutant:

  caught   the test failed
  MISSED   the test passed with the bug planted
  STALE    the patch no longer applies to the tree
  BROKEN   the mutant does not build
  NO TEST  no meson test has that name (yet), or it fails without the
           mutant (baseline)

then `mutants: <caught>/<total> caught in <s> s`. The exit status is 0
only when every mutant was caught. Each mutant's build and test output is
kept in SCRATCH/logs/<mutant>.log."""
import argparse
import glob
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
CROSS = "cross/riscv64-unknown-elf.txt"


class Mutant:
    def __init__(self, path):
        self.path = path
        self.name = os.path.splitext(os.path.basename(path))[0]
        with open(path) as f:
            self.text = f.read()
        self.what = self._header("Mutant")
        self.test = self._header("Test")
        # The files the patch touches (to be put back afterwards).
        self.files = sorted(set(re.findall(r"^\+\+\+ b/(\S+)", self.text, re.M)))
        if not self.test or not self.files:
            sys.exit(f"mutants: {path}: needs a '# Test:' line and a diff")

    def _header(self, key):
        m = re.search(rf"^# {key}: *(.+?) *$", self.text, re.M)
        return m.group(1) if m else None


def tree_files():
    out = subprocess.run(["git", "-C", SOURCE, "ls-files", "-z", "--cached", "--others",
                          "--exclude-standard"], check=True, capture_output=True).stdout
    return [f for f in out.decode().split("\0")
            if f and os.path.isfile(os.path.join(SOURCE, f))]


def same(a, b):
    try:
        if os.path.getsize(a) != os.path.getsize(b):
            return False
        with open(a, "rb") as fa, open(b, "rb") as fb:
            return fa.read() == fb.read()
    except OSError:
        return False


def put_back(scratch, rel):
    """Make scratch/rel what the source has (absent if it has none). The
    copy gets a fresh mtime, so ninja rebuilds what depends on it."""
    src, dst = os.path.join(SOURCE, rel), os.path.join(scratch, rel)
    if not os.path.isfile(src):
        if os.path.lexists(dst):
            os.remove(dst)
        return
    if same(src, dst):
        return
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    shutil.copyfile(src, dst)
    shutil.copymode(src, dst)


def sync(scratch):
    """The scratch tree := the source tree's files, rewriting only what differs."""
    files = tree_files()
    listed = os.path.join(scratch, ".mutants-files")
    old = []
    if os.path.exists(listed):
        with open(listed) as f:
            old = f.read().split("\0")
    for rel in set(old) - set(files):
        if rel:
            put_back(scratch, rel)
    for rel in files:
        put_back(scratch, rel)
    with open(listed, "w") as f:
        f.write("\0".join(files))


def run(cmd, log, cwd=None, timeout=None):
    with open(log, "a") as f:
        f.write(f"\n$ {' '.join(cmd)}\n")
        f.flush()
        try:
            return subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT,
                                  timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            f.write("mutants: timed out\n")
            return -1


def meson_tests(build):
    out = subprocess.run(["meson", "test", "-C", build, "--list", "--no-rebuild"],
                         capture_output=True, text=True).stdout
    # Lines look like "cairn:host / crash_dmlog".
    return {line.rsplit(" / ", 1)[-1].strip() for line in out.splitlines() if " / " in line}


def test_cmd(build, name):
    # Without --no-rebuild: meson builds what the test depends on that the
    # default ninja target does not (crashgen's recordings).
    return ["meson", "test", "-C", build, "--print-errorlogs", name]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build", help="the source tree's build dir (for "
                    "the default scratch location)")
    ap.add_argument("--scratch", default=None, help="default: BUILD/mutants")
    ap.add_argument("--no-baseline", action="store_true",
                    help="skip running the named tests on the unmutated tree")
    ap.add_argument("mutants", nargs="*", help="names (default: every *.patch)")
    opts = ap.parse_args()
    scratch = os.path.abspath(opts.scratch or os.path.join(SOURCE, opts.build, "mutants"))
    logs = os.path.join(scratch, "logs")
    build = os.path.join(scratch, "build")
    mutants = [Mutant(p) for p in sorted(glob.glob(os.path.join(HERE, "*.patch")))]
    if opts.mutants:
        unknown = set(opts.mutants) - {m.name for m in mutants}
        if unknown:
            sys.exit(f"mutants: no such mutant: {' '.join(sorted(unknown))}")
        mutants = [m for m in mutants if m.name in opts.mutants]
    t0 = time.monotonic()

    os.makedirs(logs, exist_ok=True)
    sync(scratch)
    setup_log = os.path.join(logs, "_baseline.log")
    if os.path.exists(setup_log):
        os.remove(setup_log)
    if not os.path.exists(os.path.join(build, "build.ninja")):
        if run(["meson", "setup", "--cross-file", CROSS, "build"], setup_log, cwd=scratch):
            sys.exit(f"mutants: meson setup failed (see {setup_log})")
    if run(["ninja", "-C", build], setup_log):
        sys.exit(f"mutants: the unmutated tree does not build (see {setup_log})")
    known = meson_tests(build)
    bad = set()  # named tests that do not exist or fail unmutated
    for test in sorted({m.test for m in mutants}):
        if test not in known:
            bad.add(test)
        elif not opts.no_baseline and run(test_cmd(build, test), setup_log):
            print(f"mutants: baseline: test {test} fails on the unmutated tree "
                  f"(see {setup_log})", flush=True)
            bad.add(test)
    print(f"mutants: baseline built{'' if opts.no_baseline else ' and tested'} in "
          f"{time.monotonic() - t0:.0f} s", flush=True)

    caught = 0
    width = max(len(m.name) for m in mutants) if mutants else 0
    for m in mutants:
        t1 = time.monotonic()
        log = os.path.join(logs, m.name + ".log")
        if os.path.exists(log):
            os.remove(log)
        patch = ["patch", "-p1", "--batch", "--forward", "--no-backup-if-mismatch", "-r", "-",
                 "-d", scratch, "-i", m.path]
        if m.test in bad:
            applies = run(patch + ["--dry-run"], log) == 0
            verdict = (f"NO TEST ({m.test} " +
                       ("does not exist yet" if m.test not in known
                        else "fails without the mutant") +
                       ("; the patch applies)" if applies else "; the patch is STALE too)"))
        elif run(patch, log):
            verdict = "STALE (the patch does not apply)"
        elif run(["ninja", "-C", build], log):
            verdict = "BROKEN (does not build)"
        elif run(test_cmd(build, m.test), log):
            verdict = f"caught by {m.test}"
            caught += 1
        else:
            verdict = f"MISSED: {m.test} passed"
        for rel in m.files:
            put_back(scratch, rel)
        print(f"{m.name:<{width}}  {verdict}  ({time.monotonic() - t1:.0f} s)", flush=True)
    # Leave the scratch build matching the tree, so the next run starts clean.
    run(["ninja", "-C", build], setup_log)
    print(f"mutants: {caught}/{len(mutants)} caught in {time.monotonic() - t0:.0f} s "
          f"(logs in {logs})", flush=True)
    sys.exit(0 if caught == len(mutants) else 1)


if __name__ == "__main__":
    main()
