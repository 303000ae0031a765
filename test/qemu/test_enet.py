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
import time

from cairnvm import CairnVM, Runner, fresh
from inet import ones_sum

t = Runner()
GUEST_PORT = 7777
HOSTILE_PORT = 9999
# Lines of any domain but the hostile one (with no forward to its port, it
# waits for datagrams that never come, and says so).
NOT_HOSTILE = r"^(?!nethostile:).*"
# The refusals the hostile client (apps/nethostile.c) must see counted.
HOSTILE_COUNTERS = ["Q_OFFSET_RANGE", "Q_OFFSET_ALIGN", "Q_LEN_ZERO", "Q_LEN_LONG", "ETH_TOO_LONG",
                    "TX_SRC_MAC", "TX_SRC_IP", "TX_PORT", "TX_PROTOCOL", "TX_ARP_SENDER",
                    "Q_INDEX_JUMPED", "Q_INDEX_REWOUND", "RX_NO_BUFFER", "STORAGE_GONE"]
SIZES = [1, 12, 100, 1000, 1472]


def free_udp_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def net_args(port, hostile_port=None):
    fwd = "hostfwd=udp:127.0.0.1:%d-:%d" % (port, GUEST_PORT)
    if hostile_port:
        fwd += ",hostfwd=udp:127.0.0.1:%d-:%d" % (hostile_port, HOSTILE_PORT)
    return ("-netdev", "user,id=n0," + fwd, "-device", "virtio-net-device,netdev=n0")


def hub_args(port, hostile_port, wire_port, test_port):
    """The NIC on a QEMU hub joined by slirp (with both forwards) and by a
    dgram netdev between 127.0.0.1:wire_port (QEMU's end) and
    127.0.0.1:test_port (the test's): every datagram the test sends there
    is one raw Ethernet frame on the guest's wire, slirp's checks
    bypassed."""
    fwd = "hostfwd=udp:127.0.0.1:%d-:%d,hostfwd=udp:127.0.0.1:%d-:%d" % (
        port, GUEST_PORT, hostile_port, HOSTILE_PORT)
    return ("-netdev", "hubport,id=h0,hubid=0", "-device", "virtio-net-device,netdev=h0",
            "-netdev", "user,id=u0," + fwd, "-netdev", "hubport,id=h1,hubid=0,netdev=u0",
            "-netdev", "dgram,id=d0,local.type=inet,local.host=127.0.0.1,local.port=%d,"
            "remote.type=inet,remote.host=127.0.0.1,remote.port=%d" % (wire_port, test_port),
            "-netdev", "hubport,id=h2,hubid=0,netdev=d0")


GUEST_MAC = bytes.fromhex("525400123456")
HOST_MAC = bytes.fromhex("525400123502")
GUEST_IP = bytes([10, 0, 2, 15])
HOST_IP = bytes([10, 0, 2, 2])


def ipv4(proto, payload, ihl=5, total=None, frag=0, csum=None, dst=GUEST_IP):
    h = bytearray(ihl * 4 if ihl >= 5 else 20)
    h[0] = 0x40 | ihl
    h[2:4] = (total if total is not None else len(h) + len(payload)).to_bytes(2, "big")
    h[6:8] = frag.to_bytes(2, "big")
    h[8], h[9] = 64, proto
    h[12:16], h[16:20] = HOST_IP, dst
    c = (~ones_sum(bytes(h))) & 0xffff if csum is None else csum
    h[10:12] = c.to_bytes(2, "big")
    return bytes(h) + payload


def eth(payload, dst=GUEST_MAC, ethertype=0x0800):
    return dst + HOST_MAC + ethertype.to_bytes(2, "big") + payload


def icmp(icmp_type, rest):
    m = bytearray(bytes([icmp_type, 0, 0, 0]) + rest)
    m[2:4] = ((~ones_sum(bytes(m))) & 0xffff).to_bytes(2, "big")
    return bytes(m)


def udp(dport, data=b"x" * 8, length=None):
    n = length if length is not None else 8 + len(data)
    return (4000).to_bytes(2, "big") + dport.to_bytes(2, "big") + n.to_bytes(2, "big") + \
        b"\0\0" + data


# Malformed or unowned frames from the wire, and the counter of enet's own
# that each must land in ("enet: stats enet: NAME N" after PRINT). Frames
# shorter than 60 bytes are padded by nobody on this path (dgram): each is
# exactly the bytes here.
MALFORMED = [
    ("ETH_TRUNCATED", b"\x52\x54\x00\x12\x34\x56\x01\x02"),
    # A frame longer than a receive buffer (a page: header and 4,080 bytes)
    # never reaches enet: the device drops it (virtio 1.2 §5.1.6.3.1,
    # without MRG_RXBUF). One of 1,600 bytes is taken and dropped for its
    # ethertype (0), like any other frame of no protocol enet speaks.
    ("ETHERTYPE", eth(b"\0" * 1600)),
    ("ETHERTYPE", eth(b"\0" * 5000)),
    ("NOT_OUR_MAC", eth(ipv4(17, udp(GUEST_PORT)), dst=bytes.fromhex("525400999999"))),
    ("ETHERTYPE", eth(b"\0" * 46, ethertype=0x86dd)),
    ("ARP_TRUNCATED", eth(b"\x00\x01\x08\x00\x06\x04", ethertype=0x0806)),
    ("IP_TRUNCATED", eth(ipv4(17, udp(GUEST_PORT))[:12])),
    ("IP_HEADER_LENGTH", eth(ipv4(17, udp(GUEST_PORT), ihl=3))),
    ("IP_TOTAL_LENGTH", eth(ipv4(17, udp(GUEST_PORT), total=1400))),
    ("IP_CHECKSUM", eth(ipv4(17, udp(GUEST_PORT), csum=0x1234))),
    ("IP_FRAGMENT", eth(ipv4(17, udp(GUEST_PORT), frag=0x2000))),
    ("NOT_OUR_IP", eth(ipv4(17, udp(GUEST_PORT), dst=bytes([10, 0, 2, 99])))),
    ("UDP_TRUNCATED", eth(ipv4(17, b"\0\1\2"))),
    ("UDP_LENGTH", eth(ipv4(17, udp(GUEST_PORT, length=900)))),
    ("TCP_HEADER_LENGTH", eth(ipv4(6, (4000).to_bytes(2, "big") + GUEST_PORT.to_bytes(2, "big") +
                                     b"\0" * 8 + b"\x20" + b"\0" * 7))),
    ("NO_OWNER", eth(ipv4(17, udp(4444)))),
    ("ICMP_TRUNCATED", eth(ipv4(1, b"\x08\x00\xf7\xff"))),
    ("ICMP_CHECKSUM", eth(ipv4(1, b"\x08\x00\x12\x34" + b"\0" * 12))),
    ("ICMP_TYPE", eth(ipv4(1, icmp(13, b"\0" * 12)))),
]


def ping(wire, wire_port, ident, payload, timeout=5.0):
    """An ICMP echo request (RFC 792) to the guest on the raw wire; the
    echo reply's ICMP message, once seen (the wire carries everything the
    guest sends: the rest is skipped)."""
    wire.setblocking(False)
    try:
        while True:
            wire.recv(4096)  # what the guest sent before: not ours
    except BlockingIOError:
        pass
    wire.settimeout(0.5)
    request = icmp(8, ident.to_bytes(2, "big") + b"\0\1" + payload)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        wire.sendto(eth(ipv4(1, request)), ("127.0.0.1", wire_port))
        for _ in range(50):
            try:
                f = wire.recv(4096)
            except socket.timeout:
                break
            if (len(f) >= 42 and f[0:6] == HOST_MAC and f[12:14] == b"\x08\x00" and
                    f[23] == 1 and f[26:30] == GUEST_IP and f[30:34] == HOST_IP):
                ihl = (f[14] & 15) * 4
                total = int.from_bytes(f[16:18], "big")
                m = f[14 + ihl:14 + total]
                if m[0] == 0 and m[4:6] == ident.to_bytes(2, "big"):
                    return m
    raise AssertionError("no echo reply to ping %d" % ident)


def inject_malformed(wire_port, test_sock, rounds):
    for _ in range(rounds):
        for _, frame in MALFORMED:
            test_sock.sendto(frame, ("127.0.0.1", wire_port))


def poke_until(vm, port, pattern, tries=300):
    """Send datagrams to port (bounded in count, 20 ms apart) until a
    console line matches pattern."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        for i in range(tries):
            if vm.count(pattern):
                return i
            s.sendto(b"poke %d" % i, ("127.0.0.1", port))
            time.sleep(0.02)
    finally:
        s.close()
    raise AssertionError("no %r after %d datagrams:\n%s" % (pattern, tries, vm.output()[-3000:]))


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
        vm.wait_for(r"^enet: up: mac 52:54:00:12:34:56 ip 10\.0\.2\.15, rx 128 tx 128 buffers, mtu 1500, "
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
        assert vm.count(NOT_HOSTILE + r"(FAIL|PANIC|panic|device error|device refused)") == 0, \
            vm.output()
        vm.kill()
    with CairnVM(build, img, extra=net_args(port)) as vm:
        vm.wait_for(r"^cairn: resumed from checkpoint", 60)
        _, at = vm.wait_for(r"^enet: up: mac 52:54:00:12:34:56 ip 10\.0\.2\.15, rx 128 tx 128 "
                            r"buffers, mtu 1500, bring-up 2$", 60)
        check_echoes(vm, port, rng, at)
        assert vm.count(r"^netecho: listening") == 0, vm.output()
        assert vm.count(NOT_HOSTILE + r"(FAIL|PANIC|panic|device error|device refused)") == 0, \
            vm.output()


@t.test
def enet_hostile_client_harms_only_itself(build, tmp):
    img = fresh(build, tmp, "enet")
    port, hport, wire_port = free_udp_port(), free_udp_port(), free_udp_port()
    rng = random.Random(12)
    wire = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    wire.bind(("127.0.0.1", 0))
    extra = hub_args(port, hport, wire_port, wire.getsockname()[1])
    with CairnVM(build, img, extra=extra) as vm, wire:
        vm.wait_for(r"^enet: up: mac 52:54:00:12:34:56 ip 10\.0\.2\.15, ", 60)
        _, at = vm.wait_for(r"^netecho: listening on udp 7777 at 10\.0\.2\.15$", 30)
        # Malformed frames from the wire (3 of each), then the echo still works.
        inject_malformed(wire_port, wire, 3)
        at = check_echoes(vm, port, rng, at)
        vm.wait_for(r"^nethostile: attach refusals checked$", 30)
        vm.wait_for(r"^nethostile: receive buffers read-only: NO_RIGHTS$", 30)
        vm.wait_for(r"^nethostile: attached, udp 9999$", 30)
        vm.wait_for(r"^nethostile: spoofed frames refused$", 30)
        vm.wait_for(r"^nethostile: index tampering refused$", 30)
        # The flood: netecho echoes all the while.
        vm.wait_for(r"^nethostile: flooding$", 30)
        for i in range(40):
            payload = b"during the flood %d" % i
            assert echo(port, payload) == payload, i
            inject_malformed(wire_port, wire, 1)
        assert vm.count(r"^nethostile: flood done") == 0, "the flood ended early"
        poke_until(vm, hport, r"^nethostile: flood done: \d+ kicks$")
        # It stops servicing its queues: its frames are lost, not netecho's.
        vm.wait_for(r"^nethostile: not servicing its queues$", 30)
        poke_until(vm, hport, r"^nethostile: stalled: ")
        # The frames that came when its buffers were full were kept, in
        # order (virtio-net/vnet_client.c "The backlog"), up to 8.
        vm.wait_for(r"^nethostile: backlog: 8 pokes after its buffers, in order$", 30)
        at = check_echoes(vm, port, rng, at)
        # It rescinds its storage: enet ends its session, and only its.
        vm.wait_for(r"^nethostile: storage rescinded: 27 pages$", 30)
        poke_until(vm, hport, r"^nethostile: session ended by enet: STORAGE_GONE 1$")
        vm.wait_for(r"^nethostile: done: 0 failures$", 30)
        check_echoes(vm, port, rng, at)
        for name in HOSTILE_COUNTERS:
            m, _ = vm.wait_for(r"^nethostile: counter %s (\d+)$" % name, 5)
            assert int(m.group(1)) >= 1, name
        # enet answers ICMP echo requests itself, byte for byte.
        for ident, size in ((1, 8), (2, 56), (3, 1400)):
            payload = bytes(rng.randrange(256) for _ in range(size))
            m = ping(wire, wire_port, ident, payload)
            assert m[8:] == payload and ones_sum(m) == 0xffff, (ident, m[:16])
        vm.wait_for(r"^enet: stats enet: arp replies \d+, icmp replies \d+, ", 5)
        for name, _ in MALFORMED:
            m, _ = vm.wait_for(r"^enet: stats enet: %s (\d+)$" % name, 5)
            assert int(m.group(1)) >= 3, (name, m.group(0))
        vm.wait_for(r"^enet: stats session 2: in \d+ ", 5)
        vm.wait_for(r"^enet: stats session 2: STORAGE_GONE 1$", 5)
        assert vm.count(r"FAIL|PANIC|panic|device error|device refused") == 0, vm.output()
        print("\n".join(l for l in vm.output().splitlines()
                        if l.startswith(("nethostile:", "enet: stats"))))


if __name__ == "__main__":
    t.main()
