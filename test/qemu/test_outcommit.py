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

Output held while checkpoints fail: the volume behind QEMU's blkdebug
fails the first FAILED_FLUSHES FLUSHes, so the first checkpoints fail and
are retried (100 ms apart) while udpecho already runs; a datagram sent
then is echoed only after the console says the first checkpoint
committed, and every datagram sent meanwhile comes back, in order.

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


FAILED_FLUSHES = 20
HELD = 6


def blkdebug_drive(tmp, img, flushes):
    conf = os.path.join(tmp, "blkdebug.conf")
    with open(conf, "w") as f:
        for _ in range(flushes):
            f.write('[inject-error]\nevent = "none"\niotype = "flush"\nerrno = "5"\n'
                    'once = "on"\n\n')
    return "file=blkdebug:%s:%s,format=raw,if=none,id=vol,cache=writeback" % (conf, img)


@t.test
def outcommit_output_held_while_checkpoints_fail(build, tmp):
    img = fresh(build, tmp, "services", size="256M")
    ports = Ports()
    vm = CairnVM(build, img, mem="256M", extra=ports.args(),
                 drive=blkdebug_drive(tmp, img, FAILED_FLUSHES))
    try:
        vm.wait_for(r"^udpecho: echoing on udp 7", 90)
        assert vm.count(r"^cairn: checkpoint \d+ committed") == 0, \
            "a checkpoint committed before the test began: fail more FLUSHes"
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.15)
        sent, got, got_at = 0, [], []
        deadline = time.monotonic() + 60
        # At most HELD datagrams while held: the stack's 8 transmit buffers
        # hold the replies (a ninth would be lwIP's to drop, ERR_MEM).
        while time.monotonic() < deadline and (not got or len(got) < sent):
            if vm.count(r"^cairn: checkpoint \d+ committed") == 0 and sent < HELD:
                s.sendto(b"held %03d" % sent, ("127.0.0.1", ports.echo))
                sent += 1
            try:
                data, _ = s.recvfrom(2048)
                got.append(data)
                got_at.append(time.monotonic() - vm.t0)
            except socket.timeout:
                pass
        s.close()
        failed = vm.count(r"^cairn: checkpoint \d+ failed: I/O error$")
        m, i = vm.wait_for(r"^cairn: checkpoint \d+ committed", 10)
        first_commit = vm.times[i]
        assert got, "nothing echoed after the first commit"
        # Nothing came back before the first commit (the commit line's
        # time is when the console had it: after the commit itself).
        assert got_at[0] >= first_commit - 0.05, \
            "an echo at %.3f s, before the first commit at %.3f s" % (got_at[0], first_commit)
        assert failed >= 3, "only %d checkpoints failed" % failed
        # Everything sent while held came back, once and in order (user
        # networking on one host drops nothing here).
        assert sent >= 2, "only %d datagrams sent before the first commit" % sent
        assert got == [b"held %03d" % k for k in range(sent)], (sent, got[:5], got[-5:])
        print("%d datagrams held through %d failed checkpoints, echoed after the commit"
              % (sent, failed))
    finally:
        vm.kill()


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
