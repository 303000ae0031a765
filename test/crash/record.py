#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Record a real guest run with QEMU's blklogwrites driver, replay its crash
states on the host with crashreplay, and boot a sample of them in QEMU.

  python3 test/crash/record.py --build build [--checkpoints 8] [--sample 20]

Steps (README.md has the background):
  1. cairn-format a small volume with the default image; copy it: BASE;
  2. boot it through blklogwrites (every guest write and flush is logged to
     vol.log) until N lines `cairn: checkpoint <g> committed` have appeared,
     wait a random fraction of the checkpoint interval, and SIGKILL QEMU:
     the log ends in the middle of whatever the guest was doing;
  3. crashreplay BASE vol.log: every crash state, checked on the host, and
     a sample written out as images with a manifest of what recovery must
     open in each;
  4. boot every sampled image and check the kernel prints
     `cairn: resumed from checkpoint <g>` with the same g (or
     `cairn: first boot`, or `cairn: checkpoint log unusable` where host
     recovery refused the state).
Exits 0 only if crashreplay found no failure and every boot agreed. The
work directory (kept with --workdir) holds everything for a rerun:
  crashreplay --emit DIR --sample 20 base.img vol.log
"""
import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "qemu"))
from cairnvm import CairnVM, TimeoutError_  # noqa: E402
import seeds  # noqa: E402

DEFAULT_SEED = 5  # make test's (crash_record)

COMMIT = r"^cairn: checkpoint (\d+) committed"
OUTCOME = (r"^cairn: (?:error: )?(first boot|resumed from checkpoint (\d+)|"
           r"checkpoint log unusable.*)$")


def blklog_drive(volume, log):
    """The -drive argument that records every write and flush of `volume`
    into `log` (QEMU 7.2 blklogwrites; the log file must exist)."""
    return ("if=none,id=vol,driver=blklogwrites,"
            f"file.driver=file,file.filename={volume},"
            f"log.driver=file,log.filename={log},"
            "log-sector-size=512,log-append=off,cache=writeback")


def run(cmd, **kw):
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.run(cmd, **kw)


def record(opts, work):
    vol = os.path.join(work, "vol.img")
    base = os.path.join(work, "base.img")
    log = os.path.join(work, "vol.log")
    fmt = os.path.join(opts.build, "disk-format", "cairn-format")
    image = opts.image or os.path.join(opts.build, "apps", "default.image")
    r = run([fmt, "--size", opts.size, "--checkpoint-interval", str(opts.interval),
             "--image", image, "--force", vol], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"record: cairn-format failed: {r.stderr}")
    shutil.copyfile(vol, base)
    open(log, "wb").close()
    rng = random.Random(opts.seed)
    with CairnVM(opts.build, drive=blklog_drive(vol, log), mem=opts.mem,
                 log_path=os.path.join(work, "record-console.txt")) as vm:
        start = 0
        for _ in range(opts.checkpoints):
            m, i = vm.wait_for(COMMIT, opts.timeout, start)
            start = i + 1
        # Die somewhere inside the next checkpoint, or between two.
        time.sleep(rng.uniform(0, opts.interval / 1000.0))
        vm.kill()
        commits = vm.count(COMMIT)
    print(f"record: killed QEMU after {commits} checkpoints; log {os.path.getsize(log)} bytes",
          flush=True)
    return base, log


def replay(opts, work, base, log):
    states = os.path.join(work, "states")
    shutil.rmtree(states, ignore_errors=True)
    cmd = [opts.crashreplay, "--seed", str(opts.seed), "--states", str(opts.states),
           "--emit", states, "--sample", str(opts.sample), base, log]
    r = run(cmd, capture_output=True, text=True)
    sys.stdout.write(r.stdout)
    sys.stderr.write(r.stderr)
    if r.returncode == 2:
        raise SystemExit("record: crashreplay could not run")
    return r.returncode == 0, states


def boot_samples(opts, states):
    bad = 0
    with open(os.path.join(states, "manifest")) as f:
        lines = [l.split("#", 1)[0].split() for l in f if not l.startswith("#")]
    for img, what, gen in (l for l in lines if l):
        path = os.path.join(states, img)
        with CairnVM(opts.build, volume=path, mem=opts.mem) as vm:
            try:
                m, _ = vm.wait_for(OUTCOME, opts.timeout)
                got = m.group(1)
            except TimeoutError_ as e:
                got = "no outcome line (" + str(e).splitlines()[0] + ")"
        if what == "resumed":
            ok = got == f"resumed from checkpoint {gen}"
        elif what == "first-boot":
            ok = got == "first boot"
        else:
            ok = got.startswith("checkpoint log unusable")
        print(f"{'ok  ' if ok else 'FAIL'} {img}: expected {what} {gen}, kernel: {got}",
              flush=True)
        bad += not ok
    return len(lines), bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build", help="build directory (kernel, cairn-format)")
    ap.add_argument("--crashreplay", help="crashreplay binary (default: BUILD/test/crash/)")
    ap.add_argument("--workdir", help="keep everything here (default: a temporary directory)")
    ap.add_argument("--checkpoints", type=int, default=8, help="commits to wait for")
    ap.add_argument("--size", default="32M", help="volume size")
    ap.add_argument("--interval", type=int, default=200, help="checkpoint interval, ms")
    ap.add_argument("--image", help="system image (default: BUILD/apps/default.image)")
    ap.add_argument("--mem", default="128M")
    seeds.add_option(ap, f"{DEFAULT_SEED}")
    ap.add_argument("--states", type=int, default=64, help="random states per flush point")
    ap.add_argument("--sample", type=int, default=20, help="states booted in QEMU")
    ap.add_argument("--timeout", type=float, default=60, help="per wait, seconds")
    opts = ap.parse_args()
    opts.seed = seeds.choose("record", opts.seed, DEFAULT_SEED)
    opts.build = os.path.abspath(opts.build)
    opts.crashreplay = opts.crashreplay or os.path.join(opts.build, "test", "crash",
                                                        "crashreplay")
    if opts.workdir:
        os.makedirs(opts.workdir, exist_ok=True)
        work, tmp = os.path.abspath(opts.workdir), None
    else:
        tmp = tempfile.TemporaryDirectory(prefix="cairn-crash-")
        work = tmp.name
    base, log = record(opts, work)
    host_ok, states = replay(opts, work, base, log)
    n, bad = boot_samples(opts, states)
    print(f"record: crashreplay {'passed' if host_ok else 'FAILED'}; "
          f"{n - bad} of {n} sampled states booted as expected", flush=True)
    if tmp:
        tmp.cleanup()
    sys.exit(0 if host_ok and bad == 0 and n > 0 else 1)


if __name__ == "__main__":
    main()
