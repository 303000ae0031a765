#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Cairn's benchmarks: `make bench` runs this.

Every figure is counted in retired instructions (rdinstret) inside one
boot under `qemu -icount shift=0`, where QEMU retires one instruction per
virtual nanosecond and the counts are the same on every run (idle time,
such as waiting for the disk, counts as virtual nanoseconds too). The
domains measure and print; this script formats the volumes, boots them
through scripts/cairn-qemu --icount, reads the lines and prints a table.

A benchmark is a function decorated with @benchmark that takes a Session
and returns a list of Result; add one by writing another such function
(a checkpoint benchmark boots its own image, or reuses a boot through
Session.boot, which caches by name). --json writes every result, and
--json-append adds this run's results to an existing JSON file's list.

Every QEMU runs with a hard timeout and is killed with SIGKILL whatever
happens (cairnvm.CairnVM).
"""
import argparse
import json
import os
import platform
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cairnvm import CairnVM, TimeoutError_, fresh  # noqa: E402

BENCHMARKS = []


def benchmark(fn):
    """Register fn(session) -> [Result] as a benchmark."""
    BENCHMARKS.append(fn)
    return fn


class Result:
    def __init__(self, name, value, what, unit="instructions", stat="median", samples=None,
                 source=None, error=None, limit=None, enforced=True):
        self.name = name          # short identifier, e.g. "round_trip"
        self.value = value        # a number, or None if it failed
        self.what = what          # one line for the table
        self.unit = unit
        self.stat = stat          # "median", "mean", ...
        self.samples = samples    # how many repetitions the figure summarises
        self.source = source      # which domain printed it
        self.error = error        # why there is no value
        self.limit = limit        # a goal: --check fails if value >= limit
        self.enforced = enforced  # False: a goal not yet met, --check-all only

    def as_dict(self):
        return {k: v for k, v in vars(self).items() if v is not None and k != "enforced"}


class BenchFailed(Exception):
    pass


class Boot:
    """The console of one finished boot."""

    def __init__(self, lines, log_path):
        self.lines = lines
        self.log_path = log_path

    def find(self, pattern):
        rx = re.compile(pattern)
        for line in self.lines:
            m = rx.search(line)
            if m:
                return m
        return None


class Session:
    def __init__(self, build, tmp, timeout, mem, log_dir):
        self.build = build
        self.tmp = tmp
        self.timeout = timeout
        self.mem = mem
        self.log_dir = log_dir
        self._boots = {}

    def boot(self, name, until, image=None, size="64M", format_args=(), also=(), fail=None,
             extra=()):
        """Format a fresh volume with `image` (default: apps/<name>.image),
        boot it with --icount and the further QEMU arguments `extra`, and
        wait until a console line matches `until` and then until each
        pattern in `also` has matched; a line matching `fail` stops early.
        Returns the Boot; cached by name."""
        if name in self._boots:
            return self._boots[name]
        vol = fresh(self.build, self.tmp, name, *format_args, size=size, image_file=image)
        log_path = os.path.join(self.log_dir or self.tmp, name + ".log")
        if os.path.exists(log_path):
            os.unlink(log_path)
        deadline = time.monotonic() + self.timeout
        with CairnVM(self.build, vol, mem=self.mem, icount=True, log_path=log_path,
                     extra=extra) as vm:
            try:
                for pattern in (until, *also):
                    left = max(1.0, deadline - time.monotonic())
                    alt = pattern if not fail else f"(?:{pattern})|(?:{fail})"
                    m, _ = vm.wait_for(alt, left)
                    if fail and re.search(fail, m.group(0)):
                        raise BenchFailed(f"{name}: {m.group(0)}")
            except TimeoutError_ as e:
                raise BenchFailed(f"{name}: {e}") from None
            lines = list(vm.lines)
        b = Boot(lines, log_path)
        self._boots[name] = b
        return b


# --- the benchmarks -----------------------------------------------------

# apps/bench.c's figures, in the order of the table: name, what, samples,
# goal (the object-model issue: a round trip under 1,000 instructions, which
# issue 14 lowered to 600; issue 14: a resident page fault under 1,200, each
# node pinned once).
BENCH_FIGURES = [
    ("round_trip", "call + return round trip between two domains", 1000, 600),
    ("null_invocation", "null invocation (NUMBER READ)", 1000, None),
    ("page_fault_resident", "page fault resolved from a resident node tree", 256, 1200),
    ("node_fault_disk", "node fault-in from disk (RANGE MAKE_KEY, one cold pot)", 200, None),
]


@benchmark
def kernel_paths(s):
    """apps/bench.image: bench's medians and ping's mean."""
    boot = s.boot("bench", r"^bench: done$",
                  also=[r"^pingpong: 10000 round trips"],
                  fail=r"^bench: .* failed|PANIC|^pingpong: wrong reply")
    if not boot.find(r"^bench: ipc checks ok$"):
        raise BenchFailed("bench: no 'bench: ipc checks ok' line")
    out = []
    for name, what, n, limit in BENCH_FIGURES:
        m = boot.find(rf"^bench: {name} (\d+) instructions$")
        if m:
            out.append(Result(name, int(m.group(1)), what, samples=n, source="apps/bench.c",
                              limit=limit))
        else:
            out.append(Result(name, None, what, error="no line from bench", source="apps/bench.c"))
    m = boot.find(r"^pingpong: (\d+) round trips, (\d+) instructions per round trip$")
    what = "round trip, mean of ping's timed run (pingpong.c)"
    if m:
        out.append(Result("round_trip_mean", int(m.group(2)), what, stat="mean",
                          samples=int(m.group(1)), source="apps/pingpong.c"))
    else:
        out.append(Result("round_trip_mean", None, what, error="no line from ping"))
    return out


# apps/bankbench.c's figures: name, what, samples, goal. Issue 10's goals:
# one page bought and sold under 4,000 instructions, and three objects in
# one call under twice that pair (set below, from the measured pair: the
# hinted one, buy_sell_page; the unhinted pairs are shown beside it). Both
# are met (docs/benchmarks.md "The space bank": 3,824 with the hint and the
# fast path inside the ecall entry) and enforced: the meson test bench
# fails if either is lost. BANK_GOALS_ENFORCED stays as the switch for any
# bank goal added later and not yet met (BANK_GOALS_MET names the met ones).
BANK_GOALS_ENFORCED = False
BANK_GOALS_MET = {"buy_sell_page", "buy_sell_three"}
BANK_FIGURES = [
    ("buy_sell_page", "space bank: buy + sell one page, hinted", 1000, 4000),
    ("buy_sell_node", "space bank: buy + sell one node, hinted", 1000, None),
    ("buy_sell_page_unhinted", "space bank: buy + sell one page, no hint", 1000, None),
    ("buy_sell_node_unhinted", "space bank: buy + sell one node, no hint", 1000, None),
    ("buy_sell_three", "space bank: buy + sell three objects in one call", 1000, None),
    ("query", "space bank: QUERY", 1000, None),
    ("destroy_per_object", "space bank: destroy of 10,000 pages, per page", 1, None),
    ("ipc_round_trip", "space bank: an order it does not know (IPC only)", 1000, None),
    ("range_make_key", "kernel: RANGE MAKE_KEY of a resident page", 1000, None),
    ("range_identify", "kernel: RANGE IDENTIFY", 1000, None),
    ("range_identify_keys", "kernel: RANGE IDENTIFY_KEYS of one key, a second range sent", 1000,
     None),
    ("range_rescind", "kernel: RANGE RESCIND of a resident page", 1000, None),
    ("range_rescind_cold", "kernel: RANGE RESCIND of a page never touched", 1000, None),
]


@benchmark
def space_bank(s):
    """apps/bankbench.image: the bank's buy, sell, query and destroy."""
    if not os.path.exists(os.path.join(s.build, "apps", "bank.elf")):
        print("space_bank: skipped, the bank domain (bank.elf) is not built", flush=True)
        return []
    boot = s.boot("bankbench", r"^bankbench: done$", size="256M",
                  fail=r"^bankbench: .* failed|PANIC")
    out = []
    for name, what, n, limit in BANK_FIGURES:
        m = boot.find(rf"^bankbench: {name} (\d+) instructions$")
        value = int(m.group(1)) if m else None
        if name == "buy_sell_three" and out and out[0].value:
            limit = 2 * out[0].value  # three at once under twice one
        out.append(Result(name, value, what, samples=n, source="apps/bankbench.c",
                          limit=limit, error=None if m else "no line from bankbench",
                          enforced=BANK_GOALS_ENFORCED or name in BANK_GOALS_MET))
    return out


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def dgram_nic(local, remote):
    """The NIC on a dgram netdev: every frame the guest sends is one UDP
    datagram from 127.0.0.1:local to 127.0.0.1:remote, and every datagram
    to local is a frame received."""
    return ("-netdev", "dgram,id=d0,local.type=inet,local.host=127.0.0.1,local.port=%d,"
            "remote.type=inet,remote.host=127.0.0.1,remote.port=%d" % (local, remote),
            "-device", "virtio-net-device,netdev=d0")


# apps/netbench.c's figures (docs/benchmarks.md "The network"): transmit
# from the sink boot (frames go to a socket this script holds and never
# reads), the echo from the loopback boot (the dgram netdev's remote is its
# own local port, so every frame comes back).
NET_TX = [(60, 8), (60, 1), (1514, 8), (1514, 1)]
NET_ECHO = [60, 1514]


@benchmark
def network(s):
    """apps/netbench.image: enet's transmit rate and its echo round trip."""
    fail = r"^netbench: FAIL|PANIC|^enet: device"
    image = os.path.join(s.build, "apps", "netbench.image")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
        sink.bind(("127.0.0.1", 0))
        tx = s.boot("netbench_sink", r"^netbench: tx done$", image=image, fail=fail,
                    extra=dgram_nic(free_udp_port(), sink.getsockname()[1]))
    port = free_udp_port()
    echo = s.boot("netbench_loop", r"^netbench: done$", image=image, fail=fail,
                  extra=dgram_nic(port, port))
    out, single = [], {}
    for size, batch in NET_TX:
        m = tx.find(rf"^netbench: tx {size} bytes batch {batch}: (\d+) frames, (\d+) instructions "
                    rf"per frame, (\d+) frames/s$")
        name = f"tx_{size}_batch_{batch}"
        what = f"enet: transmit a {size}-byte frame, {batch} per SEND (all of the hart)"
        if not m:
            out.append(Result(name, None, what, error="no line from netbench"))
            continue
        n = int(m.group(1))
        out.append(Result(name, int(m.group(2)), what, stat="mean", samples=n,
                          source="apps/netbench.c"))
        out.append(Result(name + "_rate", int(m.group(3)), "  the same, frames/s (virtual time)",
                          unit="frames/s", stat="mean", samples=n, source="apps/netbench.c"))
        if batch == 1:
            single[size] = int(m.group(2))
    for size in NET_ECHO:
        m = echo.find(rf"^netbench: echo {size} bytes: (\d+) round trips, median (\d+) "
                      rf"instructions per round trip$")
        name = f"echo_{size}"
        what = f"enet: a {size}-byte frame out and back to its session (wire loops it)"
        if not m:
            out.append(Result(name, None, what, error="no line from netbench"))
            continue
        rt, n = int(m.group(2)), int(m.group(1))
        out.append(Result(name, rt, what, samples=n, source="apps/netbench.c"))
        if size in single:
            out.append(Result(f"rx_{size}", rt - single[size],
                              "  of which receive to the client (echo - tx batch 1)",
                              stat="difference", samples=n, source="apps/netbench.c"))
    return out


# --- the harness ---------------------------------------------------------

def qemu_version():
    try:
        r = subprocess.run(["qemu-system-riscv64", "--version"], capture_output=True, text=True,
                           timeout=10)
        return r.stdout.splitlines()[0].strip()
    except (OSError, subprocess.SubprocessError, IndexError):
        return "unknown"


def git_describe(root):
    try:
        r = subprocess.run(["git", "-C", root, "describe", "--always", "--dirty"],
                           capture_output=True, text=True, timeout=10)
        return r.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def over_limit(r):
    return r.value is not None and r.limit is not None and r.value >= r.limit


def print_table(results):
    rows = [("figure", "instructions", "stat", "n", "goal")]
    for r in results:
        value = f"{r.value:,}" if r.value is not None else "FAILED"
        goal = f"< {r.limit:,}" + (" MISSED" if over_limit(r) else "") if r.limit else ""
        rows.append((r.what, value, r.stat, str(r.samples or ""), goal))
    w = [max(len(row[i]) for row in rows) for i in range(5)]
    for i, row in enumerate(rows):
        print(f"  {row[0]:<{w[0]}}  {row[1]:>{w[1]}}  {row[2]:<{w[2]}}  {row[3]:>{w[3]}}"
              f"  {row[4]}".rstrip())
        if i == 0:
            print("  " + "  ".join("-" * x for x in w))
    for r in results:
        if r.error:
            print(f"  {r.name}: {r.error}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True, help="meson build directory")
    ap.add_argument("-k", dest="select", help="run only benchmarks whose name contains this")
    ap.add_argument("--json", help="write the results as JSON to this file ('-': stdout)")
    ap.add_argument("--json-append", help="add this run to the list in this JSON file")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per boot (default 300)")
    ap.add_argument("--mem", default="128M", help="guest RAM (default 128M)")
    ap.add_argument("--logs", help="keep every boot's console in this directory")
    ap.add_argument("--check", action="store_true",
                    help="also fail when a figure misses its goal (the meson test 'bench')")
    ap.add_argument("--check-all", action="store_true",
                    help="--check, and also the goals not yet enforced (the space bank's)")
    opts = ap.parse_args(argv)
    build = os.path.abspath(opts.build)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if opts.logs:
        os.makedirs(opts.logs, exist_ok=True)

    machine = {
        "qemu": qemu_version(),
        "icount": "shift=0",
        "guest_mem": opts.mem,
        "host": f"{platform.system()} {platform.machine()}",
        "commit": git_describe(root),
    }
    quiet = opts.json == "-"
    say = (lambda *a: print(*a, file=sys.stderr)) if quiet else print
    say(f"cairn benchmarks: {machine['qemu']}, -icount {machine['icount']}, "
        f"{opts.mem} RAM; retired instructions (rdinstret)")

    results, failed = [], 0
    with tempfile.TemporaryDirectory(prefix="cairn-bench-") as tmp:
        session = Session(build, tmp, opts.timeout, opts.mem, opts.logs)
        for fn in BENCHMARKS:
            if opts.select and opts.select not in fn.__name__:
                continue
            t0 = time.monotonic()
            try:
                rs = fn(session)
            except (BenchFailed, AssertionError, OSError) as e:
                failed += 1
                say(f"FAIL {fn.__name__}: {e}")
                continue
            failed += sum(1 for r in rs if r.value is None)
            for r in rs:
                r.benchmark = fn.__name__
            results += rs
            say(f"ran  {fn.__name__} ({time.monotonic() - t0:.1f}s)")

    if quiet:
        sys.stdout.flush()
    else:
        print()
        print_table(results)
    run = {"machine": machine, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "results": [r.as_dict() for r in results]}
    if opts.json == "-":
        json.dump(run, sys.stdout, indent=2)
        print()
    elif opts.json:
        with open(opts.json, "w") as f:
            json.dump(run, f, indent=2)
            f.write("\n")
    if opts.json_append:
        runs = []
        if os.path.exists(opts.json_append):
            with open(opts.json_append) as f:
                runs = json.load(f)
        runs.append(run)
        with open(opts.json_append, "w") as f:
            json.dump(runs, f, indent=2)
            f.write("\n")
    if opts.check or opts.check_all:
        for r in results:
            if over_limit(r) and (r.enforced or opts.check_all):
                failed += 1
                say(f"FAIL {r.name}: {r.value} instructions, the goal is under {r.limit}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
