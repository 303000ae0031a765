#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The network driver (test 'enet'): apps/enet.image, the enet domain
(virtio-net/) and its first raw client, apps/netecho.c, booted with a
virtio-net device on QEMU user networking whose only forward is a UDP
port of 127.0.0.1 to the guest's port 7777 (nothing else reaches the
guest, and the guest reaches nothing but slirp). Checks that enet brings
the device up and prints the guest's address; that datagrams of 1 to
1472 bytes (the largest in one 1500-byte frame) sent from the host come
back byte for byte, each as the echo netecho built by hand (enet
answering slirp's ARP for 10.0.2.15 on the way), and 300 more one after
the other (twice round both 128-buffer rings); and, after a SIGKILL and
a boot from the checkpoint, that enet brings the device up again (its
second bring-up) while netecho's session carries on: it does not attach
again, and the echo works with no action from it."""
import random
import socket

from cairnvm import CairnVM, Runner, fresh

t = Runner()
GUEST_PORT = 7777
SIZES = [1, 12, 100, 1000, 1472]


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def net_args(port):
    return ("-netdev", "user,id=n0,hostfwd=udp:127.0.0.1:%d-:%d" % (port, GUEST_PORT),
            "-device", "virtio-net-device,netdev=n0")


def echo(port, payload, tries=10):
    """Send payload to the forwarded port until its echo comes back."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    try:
        for _ in range(tries):
            s.sendto(payload, ("127.0.0.1", port))
            try:
                data, _ = s.recvfrom(4096)
            except socket.timeout:
                continue
            return data
    finally:
        s.close()
    raise AssertionError("no echo of %d bytes in %d tries" % (len(payload), tries))


def check_echoes(vm, port, rng, at):
    for size in SIZES:
        payload = bytes(rng.randrange(256) for _ in range(size))
        got = echo(port, payload)
        assert got == payload, (size, got[:32], payload[:32])
        _, at = vm.wait_for(r"^netecho: echoed %d bytes to 10\.0\.2\.2:\d+$" % size, 30, at)
        at += 1
    return at


@t.test
def enet_echoes_udp_and_carries_on_after_a_kill(build, tmp):
    img = fresh(build, tmp, "enet")
    port = free_udp_port()
    rng = random.Random(11)
    with CairnVM(build, img, extra=net_args(port)) as vm:
        vm.wait_for(r"^cairn: first boot", 60)
        vm.wait_for(r"^enet: up: mac 52:54:00:12:34:56 ip 10\.0\.2\.15, rx 128 tx 128 buffers, "
                    r"bring-up 1$", 60)
        _, at = vm.wait_for(r"^netecho: listening on udp 7777 at 10\.0\.2\.15$", 30)
        at = check_echoes(vm, port, rng, at)
        # Twice round both rings (128 buffers each): every buffer is given
        # back to the device after use.
        for i in range(300):
            payload = b"burst %d" % i
            assert echo(port, payload) == payload, i
        _, at = vm.wait_for(r"^netecho: echoed 9 bytes to 10\.0\.2\.2:\d+$", 30, at)
        # A checkpoint that holds the echoes, then the kill.
        vm.wait_for(r"^cairn: checkpoint \d+ committed", 30, at)
        assert vm.count(r"FAIL|PANIC|panic|device error|refused") == 0, vm.output()
        vm.kill()
    with CairnVM(build, img, extra=net_args(port)) as vm:
        vm.wait_for(r"^cairn: resumed from checkpoint", 60)
        _, at = vm.wait_for(r"^enet: up: mac 52:54:00:12:34:56 ip 10\.0\.2\.15, rx 128 tx 128 "
                            r"buffers, bring-up 2$", 60)
        check_echoes(vm, port, rng, at)
        assert vm.count(r"^netecho: listening") == 0, vm.output()
        assert vm.count(r"FAIL|PANIC|panic|device error|refused") == 0, vm.output()


if __name__ == "__main__":
    t.main()
