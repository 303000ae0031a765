#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""TCP connections that survive a kill (test 'survive'; docs/network.md
"A tap network"): with output commit the host only ever saw output a
committed checkpoint holds, and each stack's TCP state is in the
checkpoint, so when the other end is the host's own TCP (a tap device, not
QEMU's slirp, which dies with QEMU) a connection lives through SIGKILLs of
QEMU: the host's TCP and the resumed stack retransmit what the crash took
back.

Everything runs in a network namespace of its own (cairn-survive-<pid>,
deleted at the end whatever happened): a tap device with the host's
10.0.2.2/24 on it, QEMU on the tap (scripts/cairn-qemu --tap, run by
ip netns exec, which execs it: the pid is QEMU's), and the host clients,
this file run again in the namespace (--client). No address outside the
namespace is ever a target. Without root or network namespaces the test
prints one line and exits 77 (meson's skip).

The kill points come from a seed (seeds.py: --seed N, $CAIRN_SEED, else
13); CAIRN_SURVIVE_KILLS sets the kills per case (4).

- A 64 MiB GET /bytes on one connection while QEMU is SIGKILLed and booted
  again on the same volume KILLS times, each when the download passes a
  byte count a seeded generator picked: every byte is checked against
  apps/http's pattern (byte i is the low byte of (i mod 4093) * 7), and
  the client connects once (a reset or a short read fails it).
- A keep-alive connection asking GET /counter?id=N, with a kill while a
  request is in flight, KILLS times: the answers go 1, 2, 3, ... on that
  one connection, nothing taken back and nothing counted twice.
"""
import os
import random
import socket
import subprocess
import sys
import threading
import time

import tapns
from cairnvm import Runner, _die_with_parent, fresh
from tapns import GUEST, Netns

t = Runner()
KILLS = int(os.environ.get("CAIRN_SURVIVE_KILLS", "4"))
DEFAULT_SEED = 13
SEED = DEFAULT_SEED  # chosen at the start (seeds.choose, at the end of this file)
DOWNLOAD = 64 << 20
PERIOD = 4093              # apps/http/main.c's pattern
PROGRESS = 256 << 10       # the download client reports every 256 KiB
STALL_S = 90               # the longest a client waits for one read
SERVING = r"^http: serving on port 80|^enet: up: .*bring-up"


class Client(threading.Thread):
    """This file in --client mode in the namespace; its stdout lines are
    kept as they come, its stdin takes commands."""

    def __init__(self, ns, *args):
        super().__init__(daemon=True)
        self.proc = subprocess.Popen(
            ns.prefix() + [sys.executable, os.path.abspath(__file__), "--client", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1, preexec_fn=_die_with_parent)
        self.lines = []
        self.cond = threading.Condition()
        self.start()

    def run(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.lines.append("EOF")
            self.cond.notify_all()

    def wait_line(self, pred, timeout, start=0):
        """The index of the first line at or after start with pred true."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i in range(start, len(self.lines)):
                    if pred(self.lines[i]):
                        return i
                    if self.lines[i] == "EOF" or self.lines[i].startswith("FAIL"):
                        raise AssertionError("client: %s" % "\n".join(self.lines[-5:]))
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("client: nothing for %ds; last: %s"
                                         % (timeout, self.lines[-3:]))
                self.cond.wait(min(left, 0.5))

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=10)
        self.join(timeout=5)


def stop(vm, client):
    """QEMU and the client gone, before their namespace is."""
    try:
        if vm:
            vm.kill()
    finally:
        if client:
            client.close()


def restart(ns, build, img, vm, client):
    """SIGKILL QEMU, boot it again on the same volume and tap. Returns the
    new VM, the time of the kill and how many lines the client had said
    by then."""
    vm.kill()
    killed, seen = time.monotonic(), len(client.lines)
    return ns.boot(build, img, SERVING), killed, seen


@t.test
def survive_download_across_kills(build, tmp):
    img = fresh(build, tmp, "services", size="256M")
    rng = random.Random(SEED)
    # One kill point in each of KILLS equal stretches of the download's
    # middle, so that every boot moves it on.
    lo, hi = 2 << 20, DOWNLOAD - (2 << 20)
    span = (hi - lo) // KILLS
    points = [lo + k * span + rng.randrange(span) for k in range(KILLS)]
    vm = client = None
    with Netns("dl") as ns:
        try:
            vm = ns.boot(build, img, SERVING)
            client = Client(ns, "download", GUEST, str(DOWNLOAD))
            i = 0
            for k, point in enumerate(points):
                i = client.wait_line(lambda l: l.startswith("at ") and int(l[3:]) >= point,
                                     STALL_S, i)
                vm, killed, seen = restart(ns, build, img, vm, client)
                up = time.monotonic() - killed
                i = client.wait_line(lambda l: l.startswith("at "), STALL_S, seen)
                print("kill %d near byte %s: serving again %.1f s later, data %.1f s later"
                      % (k + 1, client.lines[seen - 1][3:], up, time.monotonic() - killed),
                      flush=True)
            client.wait_line(lambda l: l == "done %d" % DOWNLOAD, 300, i)
            probes = vm.count(r"stack: new boot: connections probed")
        finally:
            stop(vm, client)
    assert probes >= 1, "the stack never saw a new boot"
    print("64 MiB on one connection across %d kills at %s" % (KILLS, points))


@t.test
def survive_keepalive_counter_across_kills(build, tmp):
    img = fresh(build, tmp, "services", size="256M")
    rng = random.Random(SEED + 1)
    answers = []
    vm = client = None
    with Netns("ka") as ns:
        try:
            vm = ns.boot(build, img, SERVING)
            client = Client(ns, "counter", GUEST)
            i = client.wait_line(lambda l: l == "connected", 30)
            n = 0

            def ask(wait=True):
                nonlocal n, i
                n += 1
                client.send("ask %d" % n)
                if wait:
                    i = client.wait_line(lambda l: l.startswith("answer %d " % n), STALL_S, i)
                    answers.append(int(client.lines[i].split()[2]))

            for k in range(KILLS):
                for _ in range(5):
                    ask()
                # The kill lands while a request is in flight: sent, perhaps
                # received, counted, answered, committed or not.
                ask(wait=False)
                time.sleep(rng.uniform(0.0, 0.05))
                vm, killed, _ = restart(ns, build, img, vm, client)
                i = client.wait_line(lambda l: l.startswith("answer %d " % n), STALL_S, i)
                answers.append(int(client.lines[i].split()[2]))
                print("kill %d: request %d answered %.1f s after the kill"
                      % (k + 1, n, time.monotonic() - killed), flush=True)
            for _ in range(5):
                ask()
        finally:
            stop(vm, client)
    assert answers == list(range(1, len(answers) + 1)), answers
    print("%d answers on one keep-alive connection across %d kills" % (len(answers), KILLS))


# The clients, run in the namespace. Each connects once and fails (a
# FAIL line, exit 1) on any error: a reset, a timeout, a short answer.

def pattern_table(length):
    one = bytes(((i * 7) & 0xff) for i in range(PERIOD))
    return one * (length // PERIOD + 2)


def read_head(s, buf):
    while b"\r\n\r\n" not in buf:
        part = s.recv(65536)
        if not part:
            raise AssertionError("connection closed in an answer's head")
        buf += part
    head, _, rest = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if not lines[0].startswith(b"HTTP/1.1 200 "):
        raise AssertionError("answer %r" % lines[0])
    length = None
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length is None:
        raise AssertionError("no Content-Length")
    return length, rest


def client_download(host, n):
    s = socket.create_connection((host, 80), timeout=30)
    s.settimeout(STALL_S)
    s.sendall(b"GET /bytes?n=%d HTTP/1.1\r\nHost: cairn\r\nConnection: close\r\n\r\n" % n)
    length, body = read_head(s, b"")
    if length != n:
        raise AssertionError("Content-Length %d, not %d" % (length, n))
    table = pattern_table(65536 + len(body))
    got, reported = 0, 0
    while got < n:
        if not body:
            body = s.recv(65536)
            if not body:
                raise AssertionError("closed at byte %d of %d" % (got, n))
        if got + len(body) > n:
            raise AssertionError("more than %d bytes" % n)
        start = got % PERIOD
        if body != table[start:start + len(body)]:
            bad = next(j for j in range(len(body)) if body[j] != table[start + j])
            raise AssertionError("byte %d is %d, not %d" % (got + bad, body[bad],
                                                             table[start + bad]))
        got += len(body)
        body = b""
        if got - reported >= PROGRESS:
            reported = got
            print("at %d" % got, flush=True)
    if s.recv(1):
        raise AssertionError("bytes after the answer")
    s.close()
    print("done %d" % got, flush=True)


def client_counter(host):
    s = socket.create_connection((host, 80), timeout=30)
    s.settimeout(STALL_S)
    print("connected", flush=True)
    buf = b""
    for line in sys.stdin:
        n = int(line.split()[1])
        s.sendall(b"GET /counter?id=%d HTTP/1.1\r\nHost: cairn\r\n\r\n" % n)
        length, buf = read_head(s, buf)
        while len(buf) < length:
            part = s.recv(65536)
            if not part:
                raise AssertionError("closed in answer %d" % n)
            buf += part
        body, buf = buf[:length], buf[length:]
        print("answer %d %d" % (n, int(body)), flush=True)


def client_main(args):
    try:
        if args[0] == "download":
            client_download(args[1], int(args[2]))
        else:
            client_counter(args[1])
    except Exception as e:  # one line for the test, whatever it was
        print("FAIL %s: %s" % (type(e).__name__, e), flush=True)
        sys.exit(1)


if __name__ == "__main__":
    SEED = tapns.start("survive", client_main, DEFAULT_SEED)
    t.main()
