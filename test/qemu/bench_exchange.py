#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Page exchange against copying (docs/benchmarks.md "Page exchange"),
part of `make bench`: apps/services.image under `-icount shift=0` on a tap
with a 4,000-byte MTU in a network namespace of the benchmark's own
(tapns.py; nothing outside it is a target), udpecho's sum service (UDP 9)
answering datagrams of every frame size one at a time.

- The break-even. For each frame size, PER_ROUND datagrams one at a time
  with page exchange off (every frame copied into the stack's page buffer
  by PAGE_WRITE) and on for every frame ("exchange on 14": DMA EXCHANGE
  whatever the size), in alternating rounds in one boot, after a warm-up
  round of each. The sum service's "stats" gives, before and after a
  round, the frames enet delivered to the session and the instructions
  enet spent delivering them (rdinstret around each delivery: the copy,
  or the exchange with its zeroing, the kernel's work for either
  included). Per frame: the median round's. The break-even is the frame
  length from which on an exchange costs no more than a copy (linear
  between the sizes measured); ENET_EXCHANGE_MIN should sit at or just
  above it.
- Bulk: BULK datagrams of the largest frame (4,014 bytes), BURST at a
  time, exchange off and on in alternating rounds: the wall-clock rate
  (noisy: the host's), and the hart's retired instructions per datagram
  over the window (everything: enet, the kernel, the stack, the sum
  service's hash, and whatever else ran meanwhile, checkpoints included).

--check fails if an exchange of the largest frame is not cheaper for enet
than its copy, or if ENET_EXCHANGE_MIN is below the measured break-even.
Without root or network namespaces it prints why and exits 0 (make bench
goes on).

    python3 test/qemu/bench_exchange.py --build build [--check] [--rounds N]
"""
import argparse
import json
import os
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tapns import can_make_netns, delete_stale_namespaces  # noqa: E402
from test_exchange import FRAME_OVER, run, services_on_tap, stats  # noqa: E402

FRAMES = [128, 1024, 1514, 2048, 2560, 3072, 3584, 4014]
PER_ROUND = 100
BULK, BURST = 600, 12  # datagrams a bulk round, sent BURST at a time (15 page buffers)
EXCHANGE_MIN = 2048  # virtio-net/proto/client.h


def switch(ns, exchange):
    got = run(ns, "cmd", "exchange", "on", "14") if exchange else \
        run(ns, "cmd", "exchange", "off")
    if got != "mode OK":
        raise SystemExit("bench_exchange: switching: %r" % got)


def one_round(ns, exchange, seed, frame):
    """PER_ROUND datagrams of one frame size: enet's instructions a frame."""
    switch(ns, exchange)
    a = stats(ns)
    run(ns, "sums", seed, PER_ROUND, frame - FRAME_OVER)
    b = stats(ns)
    frames = b["in"] - a["in"] - 1  # the stats datagram that ended it came too
    exchanged = b["exchanged"] - a["exchanged"]
    if exchange and exchanged < PER_ROUND or not exchange and exchanged:
        raise SystemExit("bench_exchange: %d of %d frames exchanged (%s)"
                         % (exchanged, frames, "on" if exchange else "off"))
    return (b["rx_instret"] - a["rx_instret"]) / max(frames, 1)


def bulk_round(ns, exchange, seed):
    """BULK datagrams of the largest size, BURST at a time: the wall-clock
    rate, and the hart's instructions per datagram over the window."""
    switch(ns, exchange)
    a = stats(ns)
    r = json.loads(run(ns, "burst", seed, BULK, FRAMES[-1] - FRAME_OVER, BURST))
    b = stats(ns)
    if r["nbad"]:
        raise SystemExit("bench_exchange: bulk: %s" % r)
    frames = b["in"] - a["in"] - 1
    return (BULK * (FRAMES[-1] - FRAME_OVER) / r["seconds"] / 1e6,
            (b["instret"] - a["instret"]) / max(frames, 1), r["resent"])


class Alternating:
    """Rounds of fn(ns, exchange, seed, *args), off then on, `rounds` times,
    every round with a seed of its own: the results by exchange off/on."""

    def __init__(self, rounds):
        self.rounds, self.seed = rounds, 0

    def __call__(self, fn, ns, *args):
        got = {False: [], True: []}
        for _ in range(self.rounds):
            for exchange in (False, True):
                self.seed += 1
                got[exchange].append(fn(ns, exchange, self.seed, *args))
        return got


def crossing(rows):
    """The frame length from which on exchange costs enet no more than
    copy (linear between the last size where it cost more and the next);
    None if it costs more at the largest."""
    if rows[-1][2] > rows[-1][1]:
        return None
    k = len(rows) - 1
    while k > 0 and rows[k - 1][2] <= rows[k - 1][1]:
        k -= 1
    if k == 0:
        return rows[0][0]
    (f0, c0, e0), (f1, c1, e1) = rows[k - 1], rows[k]
    d0, d1 = e0 - c0, e1 - c1
    return f0 + (f1 - f0) * d0 / (d0 - d1) if d0 != d1 else f1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    why = can_make_netns()
    if why:
        print("bench_exchange: skipped: no network namespace with a tap here (%s)" % why)
        return 0
    delete_stale_namespaces()
    rows = []
    alternate = Alternating(args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        with services_on_tap(args.build, tmp, "bench", icount=True) as (ns, _):
            Alternating(1)(one_round, ns, FRAMES[-1])  # warm-up: pages, tables, caches
            for frame in FRAMES:
                got = alternate(one_round, ns, frame)
                rows.append((frame, statistics.median(got[False]),
                             statistics.median(got[True])))
            bulk = alternate(bulk_round, ns)
        # The same bulk rounds without output commit (a boot of its own,
        # output=direct): the sum service's answers are not held for a
        # checkpoint, so checkpoints no longer come with every burst.
        with services_on_tap(args.build, tmp, "bench", icount=True,
                             append="output=direct") as (ns, _):
            direct = alternate(bulk_round, ns)
    print("| frame bytes | enet per frame, copy | enet per frame, exchange | exchange / copy |")
    print("| --- | --- | --- | --- |")
    for frame, copy, exch in rows:
        print("| %d | %s | %s | %.2f |" % (frame, format(round(copy), ","),
                                           format(round(exch), ","), exch / copy))
    for label, runs in (("output commit", bulk), ("output=direct", direct)):
        for exchange in (False, True):
            rates = sorted(r[0] for r in runs[exchange])
            ins = statistics.median(r[1] for r in runs[exchange])
            print("bench_exchange: bulk, %s, exchange %s: %s MB/s wall clock (rounds %s), %s "
                  "instructions per datagram (the hart's, everything), %d resent"
                  % (label, "on " if exchange else "off", "%.2f" % statistics.median(rates),
                     ", ".join("%.2f" % x for x in rates), format(round(ins), ","),
                     sum(r[2] for r in runs[exchange])))
    even = crossing(rows)
    print("bench_exchange: break-even frame %s bytes; ENET_EXCHANGE_MIN %d"
          % ("none" if even is None else "%d" % round(even), EXCHANGE_MIN))
    print("    (PER_ROUND %d datagrams a round, %d rounds alternating, medians; "
          "python3 test/qemu/bench_exchange.py --build %s)" % (PER_ROUND, args.rounds, args.build))
    if args.check:
        frame, copy, exch = rows[-1]
        bad = []
        if exch >= copy:
            bad.append("exchange of a %d-byte frame costs %d, its copy %d" % (frame, exch, copy))
        if even is None or EXCHANGE_MIN < even:
            bad.append("ENET_EXCHANGE_MIN %d is below the break-even %s" % (EXCHANGE_MIN, even))
        for b in bad:
            print("bench_exchange: FAIL " + b)
        if bad:
            return 1
        print("bench_exchange: goals met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
