#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Page exchange for large receives (test 'exchange'; docs/network.md "Page
exchange"). The guest is on a tap with a 4,000-byte MTU (tapns.py: a
network namespace of the test's own, the NIC offering host_mtu 4000), so
frames up to 4,014 bytes reach enet. apps/services.image's udpecho answers
each datagram on UDP 9 with its length and FNV-1a hash; its stack attached
with page buffers, so frames of ENET_EXCHANGE_MIN (2,048) bytes or more are
handed over by page exchange, smaller ones copied. rxhoard (session 4,
UDP 10) keeps every page it is handed.

- Large datagrams arrive intact: 240 datagrams of seeded random sizes and
  bytes, from 18 bytes to the MTU's 3,972, every boundary (the exchange
  threshold and one byte either side, a 2 KiB buffer's worth, the largest)
  among them, each answered with its own length and hash; enet's counters
  for the session say every datagram of a frame at or past the threshold
  was exchanged and none below it. With exchange switched off (RX_MODE 2)
  the same datagrams are answered the same and nothing more is exchanged;
  switched on again, exchange resumes; thresholds no frame could have
  (5, 4,081 bytes) are refused by name.
- A stack that keeps its pages starves only itself: 48 large datagrams to
  rxhoard; it holds its 15 pages (each exchanged page holding nothing but
  its frame: zeros before and after, no older frame's bytes), enet keeps 8
  more in its backlog and counts the rest RX_NO_BUFFER in rxhoard's
  session; meanwhile the sum service answers 60 more datagrams, all right,
  and its own session has no RX_NO_BUFFER.
- Bad input: a 3,000-byte ICMP echo request (its reply would be longer than
  enet sends) and datagrams of every size to the echo port (those past
  1,472 bytes cannot be echoed: not echoed, no FAIL) leave everything
  serving.

The host client is this file run again in the namespace (--client); it
sends only to the guest's 10.0.2.15. Without root or network namespaces the
test prints one line and exits 77 (meson's skip). Sizes and bytes come
from a seed (seeds.py: --seed N, $CAIRN_SEED, else 29).
"""
import contextlib
import json
import os
import random
import re
import socket
import subprocess
import sys
import time

import tapns
from cairnvm import Runner, fresh
from inet import ones_sum
from tapns import GUEST, Netns

t = Runner()
DEFAULT_SEED = 29
SEED = DEFAULT_SEED
MTU = 4000
UDP_MAX = MTU - 28            # a datagram in one frame: IPv4 and UDP headers
FRAME_OVER = 14 + 20 + 8      # a datagram's frame: Ethernet, IPv4, UDP
EXCHANGE_MIN = 2048           # virtio-net/proto/client.h ENET_EXCHANGE_MIN
SUM_PORT, HOARD_PORT, ECHO_PORT = 9, 10, 7
HOARD_PAGES, BACKLOG = 15, 8  # client.h: page buffers; ENET_VIEW_RX_BACKLOG
SERVING = r"^udpecho: echoing on udp 7 at 10\.0\.2\.15, sums on udp 9$"


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xffffffff
    return h


def sizes(rng, n):
    """n datagram sizes: every boundary once, the rest uniform."""
    edge = [18, 1472, 1473, 2006 - 1, 2006, 2006 + 1, 2048, 3000, UDP_MAX]
    return edge + [rng.randint(18, UDP_MAX) for _ in range(n - len(edge))]


# --- the client, in the namespace -------------------------------------------

def ask(s, data, port, expect=None, tries=5):
    """One datagram to the guest and its one-line answer: the first, or the
    first equal to expect (a late answer to an earlier datagram that was
    sent twice is skipped); the datagram is sent again when none comes in
    2 s. Returns the last line heard, or None."""
    last = None
    for _ in range(tries):
        s.sendto(data, (GUEST, port))
        try:
            while True:
                last = s.recvfrom(256)[0].decode().strip()
                if expect is None or last == expect:
                    return last
        except socket.timeout:
            continue
    return last


def client_sums(seed, n, size=0):
    """n datagrams to the sum service, one at a time, each answer checked:
    sizes(), or all of one size."""
    rng = random.Random(seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    bad, large = [], 0
    for i, size in enumerate([size] * n if size else sizes(rng, n)):
        data = bytes(rng.getrandbits(8) for _ in range(size))
        want = "sum %d %08x" % (size, fnv1a(data))
        line = ask(s, data, SUM_PORT, want)
        if line != want:
            bad.append((i, size, line))
        large += size + FRAME_OVER >= EXCHANGE_MIN
    print(json.dumps({"sent": n, "large": large, "bad": bad[:5], "nbad": len(bad)}), flush=True)


def client_burst(seed, n, size, burst):
    """n datagrams of size bytes to the sum service, burst at a time (all
    sent, then all their answers awaited; one not answered in 2 s is sent
    again): the wall-clock seconds it took and the answers that were wrong."""
    rng = random.Random(seed)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    bad, resent = 0, 0
    t0 = time.monotonic()
    for _ in range(0, n, burst):
        datas = [bytes(rng.getrandbits(8) for _ in range(size)) for _ in range(burst)]
        want = {"sum %d %08x" % (size, fnv1a(d)): d for d in datas}
        for d in datas:
            s.sendto(d, (GUEST, SUM_PORT))
        tries = 0
        while want and tries < 5:
            try:
                line = s.recvfrom(256)[0].decode().strip()
                if want.pop(line, None) is None and not line.startswith("sum %d " % size):
                    bad += 1
            except socket.timeout:
                tries += 1
                resent += len(want)
                for d in want.values():
                    s.sendto(d, (GUEST, SUM_PORT))
        bad += len(want)
    secs = time.monotonic() - t0
    print(json.dumps({"sent": n, "nbad": bad, "resent": resent, "seconds": secs}), flush=True)


def client_command(word):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    line = ask(s, word.encode(), SUM_PORT)
    if line is None:
        raise AssertionError("no answer to %r" % word)
    print(line, flush=True)


def client_flood(port, n, size):
    """n datagrams to a port that answers nothing (rxhoard) or echoes."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for i in range(n):
        s.sendto(bytes([i & 0xff]) * size, (GUEST, port))
    print("sent %d" % n, flush=True)


def client_ping(size):
    """One ICMP echo request (RFC 792) with size bytes of data, on a raw
    socket (root, in the namespace); whether an echo reply came in 2 s."""
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.settimeout(2)
    ident = os.getpid() & 0xffff
    body = bytes(i & 0xff for i in range(size))
    head = bytes([8, 0, 0, 0]) + ident.to_bytes(2, "big") + (1).to_bytes(2, "big")
    csum = (~ones_sum(head + body)) & 0xffff
    s.sendto(head[:2] + csum.to_bytes(2, "big") + head[4:] + body, (GUEST, 0))
    try:
        while True:
            pkt = s.recv(8192)
            icmp = pkt[(pkt[0] & 0xf) * 4:]
            if icmp[0] == 0 and int.from_bytes(icmp[4:6], "big") == ident:
                print("ping answered", flush=True)
                return
    except socket.timeout:
        print("ping unanswered", flush=True)


def client_main(args):
    try:
        {"sums": lambda: client_sums(*map(int, args[1:])),
         "cmd": lambda: client_command(" ".join(args[1:])),
         "burst": lambda: client_burst(*map(int, args[1:])),
         "flood": lambda: client_flood(int(args[1]), int(args[2]), int(args[3])),
         "ping": lambda: client_ping(int(args[1]))}[args[0]]()
    except Exception as e:  # one line for the test, whatever it was
        print("FAIL %s: %s" % (type(e).__name__, e), flush=True)
        sys.exit(1)


# --- the test, outside -------------------------------------------------------

def run(ns, *args, timeout=240):
    r = subprocess.run(ns.prefix() + [sys.executable, os.path.abspath(__file__), "--client",
                                      *map(str, args)],
                       capture_output=True, text=True, timeout=timeout)
    out = r.stdout.strip().splitlines()
    assert r.returncode == 0 and out and not out[-1].startswith("FAIL"), (args, r.stdout,
                                                                          r.stderr)
    return out[-1]


def stats(ns):
    line = run(ns, "cmd", "stats")
    m = re.match(r"stats in=(\d+) exchanged=(\d+) rx_instret=(\d+) no_buffer=(\d+) "
                 r"instret=(\d+)$", line)
    assert m, line
    return dict(zip(("in", "exchanged", "rx_instret", "no_buffer", "instret"),
                    map(int, m.groups())))


def sums(ns, seed, n, size=0):
    r = json.loads(run(ns, "sums", seed, n, size))
    assert r["nbad"] == 0, r
    return r


@contextlib.contextmanager
def services_on_tap(build, tmp, tag, **boot):
    """A fresh services volume booted on the 4,000-byte-MTU tap of a
    namespace of its own (tag names it): (ns, vm) while it runs."""
    img = fresh(build, tmp, "services", size="256M")
    with Netns(tag, mtu=MTU) as ns:
        vm = ns.boot(build, img, SERVING, **boot)
        try:
            yield ns, vm
        finally:
            vm.kill()
            os.remove(img)


def clean(vm):
    assert vm.count(r"FAIL|PANIC|panic|device error|device refused") == 0, vm.output()


@t.test
def exchange_large_frames_arrive_intact(build, tmp):
    with services_on_tap(build, tmp, "ex") as (ns, vm):
        vm.wait_for(r"^enet: up: .* mtu %d, bring-up 1$" % MTU, 10)
        s0 = stats(ns)
        r = sums(ns, SEED, 240)
        s1 = stats(ns)
        got = s1["exchanged"] - s0["exchanged"]
        # Every large frame exchanged (a retried datagram may add one),
        # the small ones copied: at most every frame that came.
        assert r["large"] <= got <= s1["in"] - s0["in"], (r, s0, s1)
        print("exchange: %d datagrams, %d large, %d exchanged" % (r["sent"], r["large"], got))
        assert run(ns, "cmd", "exchange", "off") == "mode OK"
        sums(ns, SEED + 1, 60)
        s2 = stats(ns)
        assert s2["exchanged"] == s1["exchanged"], (s1, s2)
        assert s2["in"] - s1["in"] >= 60, (s1, s2)
        # Thresholds no frame could have are refused; the mode stays.
        for bad in ("5", "4081", "99999"):
            assert run(ns, "cmd", "exchange", "on", bad) == "mode BAD_ARGUMENT", bad
        assert run(ns, "cmd", "exchange", "on") == "mode OK"
        r = sums(ns, SEED + 2, 60)
        s3 = stats(ns)
        assert s3["exchanged"] - s2["exchanged"] >= r["large"], (r, s2, s3)
        assert s3["no_buffer"] == 0, s3
        clean(vm)


@t.test
def exchange_hoarder_starves_only_itself(build, tmp):
    with services_on_tap(build, tmp, "hoard") as (ns, vm):
        vm.wait_for(r"^rxhoard: hoarding on udp 10$", 30)
        # Every device buffer once filled by a frame of the largest size
        # (the sum service's pages come back to enet holding them), so
        # the hoarder's shorter frames land in pages with older bytes
        # past their end, which enet must zero.
        sums(ns, SEED + 5, 160, UDP_MAX)
        n = HOARD_PAGES + BACKLOG + 25
        run(ns, "flood", HOARD_PORT, n, 2500)
        m, _ = vm.wait_for(r"^rxhoard: kept 15 of 15 pages \((\d+) exchanged\)$", 30)
        assert int(m.group(1)) == HOARD_PAGES, m.group(0)
        sums(ns, SEED + 3, 60)  # everyone else is served all along
        run(ns, "flood", HOARD_PORT, 10, 2500)
        want = n + 10 - HOARD_PAGES - BACKLOG
        m, _ = vm.wait_for(r"^rxhoard: kept every page; RX_NO_BUFFER (%d)$" % want, 30)
        s = stats(ns)
        assert s["no_buffer"] == 0, s
        # Bad input beside it: a ping whose reply enet could not send,
        # datagrams too long to echo.
        assert run(ns, "ping", 3000) == "ping unanswered"
        assert run(ns, "ping", 56) == "ping answered"
        for size in (1472, 1473, 3000, UDP_MAX):
            run(ns, "flood", ECHO_PORT, 2, size)
        sums(ns, SEED + 4, 20)
        clean(vm)


if __name__ == "__main__":
    SEED = tapns.start("exchange", client_main, DEFAULT_SEED)
    t.main()
