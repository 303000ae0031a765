#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The stacks' benchmark (docs/benchmarks.md "The stacks"), part of `make
bench`: apps/services.image under `-icount shift=0`, the demo services
reached from the host over QEMU user networking (127.0.0.1 only), and,
for the ratio, bench.py's raw enet transmit rate (apps/netbench.image).

- Bulk TCP: curl downloads 64 MiB from http's /bytes; http's /stats,
  read before and after, gives the hart's retired instructions (kernel,
  enet, the stack, http: everything) over the download: instructions per
  byte delivered. Under icount an instruction is a virtual nanosecond, so
  10^9 / (instructions per byte) is the throughput the guest's CPU allows
  (bytes per virtual second); the host's wall-clock rate is printed too.
- Requests: wrk (-t1 -c4, keep-alive) against /counter for a bounded
  time; /stats before and after gives instructions per request.
- The ratio: TCP's bytes per instruction over the raw driver's frame
  bytes per instruction (1,514-byte frames, 8 per SEND: enet alone, no
  TCP, no client IPC). The goal is at least 0.7; --check enforces
  nothing yet, it prints the goal and whether it is met.

    python3 test/qemu/bench_stacks.py --build build
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402
from cairnvm import CairnVM, fresh  # noqa: E402

DOWNLOAD = 64 << 20
RATIO_GOAL = 0.7


def free_port(kind):
    s = socket.socket(socket.AF_INET, kind)
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def stats(port):
    out = subprocess.run(["curl", "-sS", "--max-time", "30", "http://127.0.0.1:%d/stats" % port],
                         capture_output=True, check=True).stdout.decode()
    req = int(re.search(r"requests (\d+)", out).group(1))
    ins = int(re.search(r"instret (\d+)", out).group(1))
    return req, ins


def ready(port, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return stats(port)
        except (subprocess.CalledProcessError, AttributeError):
            time.sleep(0.5)
    raise AssertionError("http did not answer")


def measure(build, tmp, wrk_seconds):
    http, echo = free_port(socket.SOCK_STREAM), free_port(socket.SOCK_DGRAM)
    img = fresh(build, tmp, "services", size="256M")
    fwd = "hostfwd=tcp:127.0.0.1:%d-:80,hostfwd=udp:127.0.0.1:%d-:7" % (http, echo)
    out = {}
    with CairnVM(build, img, mem="256M", icount=True,
                 extra=("-netdev", "user,id=n0," + fwd, "-device",
                        "virtio-net-device,netdev=n0")) as vm:
        vm.wait_for(r"^http: serving on port 80", 180)
        ready(http)
        # Bulk: one 64 MiB download.
        _, i0 = stats(http)
        t0 = time.monotonic()
        r = subprocess.run(["curl", "-sS", "--max-time", "600", "-o", "/dev/null", "-w",
                            "%{size_download}", "http://127.0.0.1:%d/bytes?n=%d" % (http, DOWNLOAD)],
                           capture_output=True, check=True)
        wall = time.monotonic() - t0
        _, i1 = stats(http)
        assert int(r.stdout) == DOWNLOAD, r.stdout
        out["bulk_ipb"] = (i1 - i0) / DOWNLOAD
        out["bulk_wall_mbs"] = DOWNLOAD / wall / 1e6
        # Requests: wrk, keep-alive, bounded in time.
        q0, i0 = stats(http)
        w = subprocess.run(["wrk", "-t1", "-c4", "-d%ds" % wrk_seconds, "--timeout", "10s",
                            "http://127.0.0.1:%d/counter" % http],
                           capture_output=True, text=True, timeout=wrk_seconds + 60)
        q1, i1 = stats(http)
        m = re.search(r"Requests/sec:\s+([\d.]+)", w.stdout)
        assert m, w.stdout + w.stderr
        out["wrk_rps_wall"] = float(m.group(1))
        n = q1 - q0 - 1  # the /stats that ended the window is counted too
        out["requests"] = n
        out["req_instr"] = (i1 - i0) / max(1, n)
        out["wrk"] = w.stdout
        assert vm.count(r"FAIL|PANIC|panic") == 0, vm.output()
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--wrk-seconds", type=int, default=5)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--no-raw", action="store_true", help="skip the raw enet boots (tuning runs)")
    opts = ap.parse_args(argv)
    build = os.path.abspath(opts.build)
    with tempfile.TemporaryDirectory(prefix="cairn-bench-stacks-") as tmp:
        m = measure(build, tmp, opts.wrk_seconds)
        raw = {}
        if not opts.no_raw:
            s = bench.Session(build, tmp, 300, "128M", None)
            raw = {r.name: r.value for r in bench.network(s)}
    raw_ipf = raw.get("tx_1514_batch_8")
    print("stacks: 64 MiB download: %.2f instructions per byte (%.0f MB per virtual second "
          "if CPU-bound), %.1f MB/s wall clock" % (m["bulk_ipb"], 1e3 / m["bulk_ipb"],
                                                   m["bulk_wall_mbs"]))
    print("stacks: wrk /counter keep-alive: %d requests, %.0f instructions per request "
          "(%.0f requests per virtual second if CPU-bound), %.0f requests/s wall clock"
          % (m["requests"], m["req_instr"], 1e9 / m["req_instr"], m["wrk_rps_wall"]))
    failed = 0
    if opts.no_raw:
        pass
    elif raw_ipf:
        raw_ipb = raw_ipf / 1514
        ratio = raw_ipb / m["bulk_ipb"]
        print("stacks: raw enet transmit, 1,514-byte frames 8 per SEND: %.0f instructions a frame "
              "(%.2f per byte); TCP / raw = %.2f (goal >= %.1f: %s)"
              % (raw_ipf, raw_ipb, ratio, RATIO_GOAL, "met" if ratio >= RATIO_GOAL else "missed"))
    else:
        print("stacks: FAIL no raw enet figure: %r" % raw)
        failed = 1
    print(m["wrk"])
    return failed


if __name__ == "__main__":
    sys.exit(main())
