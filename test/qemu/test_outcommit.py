#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Output commit (test 'outcommit'; docs/network.md "Output commit"): no
client ever hears what a crash takes back.

apps/services.image on QEMU user networking (127.0.0.1 forwards only, as
test_stacks.py). A client thread asks GET /counter?id=N for N = 1, 2, ...
one connection each; an answer that does not come (the connection refused,
reset or timed out: QEMU is down or was killed) is asked again with the
same N, which http answers as before if it counted it (apps/http/main.c).
The test SIGKILLs QEMU at random instants (a seeded generator picks how
long each boot serves) and boots it again, KILLS times. Every answer must
be exactly one more than the previous one: a repeat is output that a
crash took back (the answer left before the checkpoint holding it
committed); a gap is a retried request counted twice.

The same run with output=direct (the kernel's switch: enet holds nothing)
must see repeats: the test shows it can fail (--direct, and the mutant
enet-hold-ignored)."""
import os
import random
import socket
import sys
import threading
import time

from cairnvm import CairnVM, Runner, fresh
from test_stacks import Ports

t = Runner()
KILLS = int(os.environ.get("CAIRN_OUTCOMMIT_KILLS", "200"))
SEED = 13


def ask(port, n, timeout=3.0):
    """The counter's answer to id n, or None if none came whole."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.settimeout(timeout)
            s.sendall(b"GET /counter?id=%d HTTP/1.1\r\nHost: cairn\r\n"
                      b"Connection: close\r\n\r\n" % n)
            buf = b""
            while True:
                part = s.recv(4096)
                if not part:
                    break
                buf += part
    except OSError:
        return None
    head, sep, body = buf.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/1.1 200 ") or not body.endswith(b"\n"):
        return None
    try:
        return int(body)
    except ValueError:
        return None


class Client(threading.Thread):
    def __init__(self, port):
        super().__init__(daemon=True)
        self.port = port
        self.answers = []  # (id, value), in the order heard
        self.stop = False
        self.n = 1

    def run(self):
        deadline = time.monotonic() + 3600
        while not self.stop and time.monotonic() < deadline:
            v = ask(self.port, self.n)
            if v is None:
                time.sleep(0.02)
                continue
            self.answers.append((self.n, v))
            self.n += 1


def check(answers):
    for (i0, v0), (i1, v1) in zip(answers, answers[1:]):
        if v1 != v0 + 1:
            return "id %d answered %d after id %d answered %d" % (i1, v1, i0, v0)
    return None


def run(build, tmp, kills, append=None):
    img = fresh(build, tmp, "services", size="256M")
    ports = Ports()
    rng = random.Random(SEED)
    client = Client(ports.http)
    client.start()
    try:
        for k in range(kills + 1):
            vm = CairnVM(build, img, mem="256M", extra=ports.args(), append=append)
            try:
                vm.wait_for(r"^http: serving on port 80|^enet: up: .*bring-up", 90)
                before = len(client.answers)
                # Serve until the client has heard a few answers this boot,
                # then for a random while, and kill.
                deadline = time.monotonic() + 60
                while len(client.answers) < before + 3 and time.monotonic() < deadline:
                    time.sleep(0.01)
                assert len(client.answers) >= before + 3, \
                    "boot %d: no answers; console tail:\n%s" % (k, "\n".join(vm.lines[-30:]))
                if k < kills:
                    time.sleep(rng.uniform(0.0, 0.6))
                    vm.kill()
                else:
                    time.sleep(0.5)
            finally:
                vm.kill()
    finally:
        client.stop = True
        client.join(timeout=10)
    return client.answers


@t.test
def outcommit_counter_never_repeats_across_kills(build, tmp):
    answers = run(build, tmp, KILLS)
    bad = check(answers)
    assert bad is None, bad
    assert answers[0][1] == 1, answers[:3]
    print("%d answers across %d kills, 1..%d" % (len(answers), KILLS, answers[-1][1]))


if __name__ == "__main__":
    if "--direct" in sys.argv:
        # The control: without output commit the same run must repeat.
        sys.argv.remove("--direct")
        @t.test
        def direct_output_repeats(build, tmp):
            answers = run(build, tmp, 10, append="output=direct")
            assert check(answers) is not None, "no repeat without output commit"
            print("without output commit:", check(answers))
        t.tests = [direct_output_repeats]
    t.main()
