#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Output commit's cost (docs/benchmarks.md "Output commit"), part of
`make bench`: apps/services.image on QEMU user networking (127.0.0.1
only), with output commit on and off (boot argument output=direct), at
checkpoint periods of 10 ms and 100 ms (cairn-format -c).

These are wall-clock figures, not instruction counts: what output commit
adds is waiting for the disk (a checkpoint's writes and its two FLUSHes
through QEMU to the host's file), which -icount does not model. So they
vary with the host; the ratios in one run, on one host, are the figures.

- Requests: REQUESTS GET /counter, first over one keep-alive connection
  (sequential: every answer waits for a checkpoint of its own), then over
  16 at once (each checkpoint releases many answers; the connections are
  opened one at a time beforehand, see connect()), each timed from send
  to the whole answer: requests per second, median and 99th-percentile
  latency; the checkpoints committed in the window
  are counted from the console (a window with none would measure nothing).
- Bulk: curl downloads BULK bytes from /bytes: bytes per second.

    python3 test/qemu/bench_outcommit.py --build build [--check]

--check fails unless, at 10 ms with 16 connections, the request rate with
output commit is at least half the rate without (the goal), and every
window with output commit saw checkpoints.
"""
import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cairnvm import CairnVM, fresh  # noqa: E402
from test_stacks import Ports  # noqa: E402

REQUESTS = 480
CONNS = (1, 16)  # sequential, and 16 clients at once (one checkpoint for many)
BULK = 16 << 20


def read_answer(s, buf):
    while True:
        head, sep, rest = buf.partition(b"\r\n\r\n")
        if sep:
            n = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    n = int(line.split(b":")[1])
            if len(rest) >= n:
                return rest[:n], rest[n:]
        part = s.recv(65536)
        if not part:
            raise RuntimeError("connection closed")
        buf += part


def client(s, n, lat):
    buf = b""
    for i in range(n):
        t0 = time.perf_counter()
        s.sendall(b"GET /counter HTTP/1.1\r\nHost: cairn\r\n\r\n")
        _, buf = read_answer(s, buf)
        lat.append(time.perf_counter() - t0)


def connect(port):
    """A keep-alive connection, answered once before it is timed: QEMU's
    slirp listens for a host forward with a backlog of 1, so connections
    opened all at once overflow the host's accept queue and wait a
    second or more for the host's TCP to retry the handshake, which is
    neither the guest's nor output commit's cost."""
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client(s, 1, [])
    return s


def requests(port, conns):
    """REQUESTS requests over `conns` keep-alive connections at once, each
    sequential; (latencies, wall seconds)."""
    with connect(port) as s:
        client(s, 20, [])  # warm: the connection path, the ARP entry
    socks = [connect(port) for _ in range(conns)]
    lats = [[] for _ in range(conns)]
    threads = [threading.Thread(target=client, args=(socks[i], REQUESTS // conns, lats[i]))
               for i in range(conns)]
    try:
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=300)
        wall = time.perf_counter() - t0
    finally:
        for s in socks:
            s.close()
    lat = [x for per in lats for x in per]
    assert len(lat) == REQUESTS // conns * conns, len(lat)
    return lat, wall


def bulk(port, out):
    t0 = time.perf_counter()
    subprocess.run(["curl", "-sf", "--max-time", "300", "-o", out,
                    "http://127.0.0.1:%d/bytes?n=%d" % (port, BULK)], check=True)
    assert os.path.getsize(out) == BULK
    return BULK / (time.perf_counter() - t0)


def commits(vm):
    return vm.count(r"^cairn: checkpoint \d+ committed")


def one(build, tmp, period, held):
    tmp = os.path.join(tmp, "p%d%s" % (period, "on" if held else "off"))
    os.mkdir(tmp)
    img = fresh(build, tmp, "services", "-c", str(period), size="256M")
    ports = Ports()
    vm = CairnVM(build, img, mem="256M", extra=ports.args(),
                 append=None if held else "output=direct")
    try:
        vm.wait_for(r"^http: serving on port 80", 90)
        vm.wait_for(r"^udpecho: echoing", 90)
        time.sleep(1)
        out = {}
        for conns in CONNS:
            c0 = commits(vm)
            lat, wall = requests(ports.http, conns)
            lat.sort()
            out[conns] = {"rps": len(lat) / wall, "median_ms": statistics.median(lat) * 1e3,
                          "p99_ms": lat[int(len(lat) * 0.99) - 1] * 1e3,
                          "commits": commits(vm) - c0}
        c1 = commits(vm)
        rate = bulk(ports.http, os.path.join(tmp, "bulk"))
        c2 = commits(vm)
    finally:
        vm.kill()
    out["bulk_MBps"] = rate / 1e6
    out["bulk_commits"] = c2 - c1
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--check", action="store_true")
    opts = ap.parse_args()
    build = os.path.abspath(opts.build)
    res = {}
    with tempfile.TemporaryDirectory(prefix="cairn-bench-") as tmp:
        for period in (10, 100):
            for held in (True, False):
                r = one(build, tmp, period, held)
                res[(period, held)] = r
                for conns in CONNS:
                    q = r[conns]
                    print("outcommit: period %3d ms, output commit %-3s, %2d connections: %6.0f "
                          "requests/s, median %.2f ms, p99 %.2f ms (%d checkpoints)"
                          % (period, "on" if held else "off", conns, q["rps"], q["median_ms"],
                             q["p99_ms"], q["commits"]), flush=True)
                print("outcommit: period %3d ms, output commit %-3s: bulk %.1f MB/s "
                      "(%d checkpoints)" % (period, "on" if held else "off", r["bulk_MBps"],
                                           r["bulk_commits"]), flush=True)
    for period in (10, 100):
        on, off = res[(period, True)], res[(period, False)]
        print("outcommit: period %d ms: request rate on/off %s; bulk on/off %.2f"
              % (period, ", ".join("%.2f (%d conn)" % (on[c]["rps"] / off[c]["rps"], c)
                                   for c in CONNS),
                 on["bulk_MBps"] / off["bulk_MBps"]))
    ratio = res[(10, True)][CONNS[-1]]["rps"] / res[(10, False)][CONNS[-1]]["rps"]
    print("outcommit: goal: at 10 ms, 16 connections, on/off request rate >= 0.5: %.2f %s"
          % (ratio, "met" if ratio >= 0.5 else "MISSED"))
    if opts.check:
        bad = [k for k, r in res.items() if k[1] and any(r[c]["commits"] == 0 for c in CONNS)]
        if bad or ratio < 0.5:
            print("outcommit: FAIL", bad, ratio)
            sys.exit(1)


if __name__ == "__main__":
    main()
