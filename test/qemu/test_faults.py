#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Disk faults and log pressure (test 'faults').

Faults are injected with QEMU's blkdebug driver: the volume is opened as
`file=blkdebug:RULES:VOLUME,format=raw`, RULES being an .ini file of
[inject-error] sections (docs/checkpoint.md "Fault and pressure tests").
Each rule here is `event = "none"` (active from the start), an `iotype`
(read, write or flush), a `sector` the request must cover (none for a
flush) and `once = "on"`: the first matching request fails with EIO and
the rule is gone. Sectors come from `cairn-format --inspect` (4 KiB
blocks, 8 sectors each).

- Write errors in the log: a FLUSH, a header and a log block each fail
  once; each failure makes one `checkpoint <g> failed` line and a later
  `checkpoint <g> committed` with the same g while the demos run on; the
  volume then resumes without blkdebug. Killed right after a failed header
  write, the volume resumes from the checkpoint before.
- Read errors on fetch: a page read failing makes FAULT_IO for the domain's
  keeper (apps/logpress.c restarts it and it goes on) or, without a keeper,
  stops that domain with a logged line; a node pot read failing delays the
  domains whose own nodes are in it (they retry every second). The rest of the system runs on and the
  volume boots again without blkdebug.
- Log pressure: apps/logpress writes 8 MiB a round into a 2 MiB log, so
  it waits for checkpoints and migration to free space dozens of times a
  round (with a log write error in the middle), and the volume resumes
  with pages and registers from one consistent cut.
- Recovery's map: the header of the generation the newest keeps is made to
  undercount (its CRC made right again); recovery says so, walks again
  on a larger map and resumes.
"""
import os
import re
import struct
import time

from cairnvm import CairnVM, Runner, cairn_format, fresh

t = Runner()

SECTORS_PER_BLOCK = 8
NODES_PER_POT = 7
PANIC = r"PANIC|cairn: halted|cairn: stopped|CORRUPT|left stopped"

# --- volumes, geometry and rules -----------------------------------------

class Geometry:
    """Where things are on a volume, in blocks, from --inspect."""

    def __init__(self, build, img):
        out = cairn_format(build, img, "--inspect").stdout

        def num(rx):
            m = re.search(rx, out, re.M)
            assert m, f"no /{rx}/ in cairn-format --inspect:\n{out}"
            return [int(g) for g in m.groups()]
        (self.node_start,) = num(r"^nodes\s+\d+ in \d+ pots at block (\d+)")
        (self.page_start,) = num(r"^pages\s+\d+ at block (\d+)")
        self.log_blocks, self.log_start = num(r"^log\s+\d+ bytes \((\d+) blocks\) at block (\d+)")
        self.ring = self.log_blocks - 2
        self.roots = {name: int(oid) for name, oid in
                      re.findall(r"^domain\s+(\S+) root=(\d+)", out, re.M)}

    def header_sector(self, slot):
        return (self.log_start + slot) * SECTORS_PER_BLOCK

    def ring_sector(self, pos):
        return (self.log_start + 2 + pos % self.ring) * SECTORS_PER_BLOCK

    def page_sector(self, oid):
        return (self.page_start + oid) * SECTORS_PER_BLOCK

    def node_pot_sector(self, node_oid):
        return (self.node_start + node_oid // NODES_PER_POT) * SECTORS_PER_BLOCK


def program_pages(elf_path):
    """Pages the formatter maps for a program: its PT_LOAD segments."""
    with open(elf_path, "rb") as f:
        elf = f.read()
    phoff, = struct.unpack_from("<Q", elf, 32)
    phentsize, phnum = struct.unpack_from("<HH", elf, 54)
    pages = 0
    for i in range(phnum):
        p_type, _, _, vaddr, _, _, memsz = struct.unpack_from("<IIQQQQQ", elf, phoff + i * phentsize)
        if p_type == 1 and memsz:
            pages += (vaddr + memsz + 4095) // 4096 - vaddr // 4096
    return pages


def rule(iotype, sector=None, once=True):
    lines = ["[inject-error]", 'event = "none"', f'iotype = "{iotype}"', 'errno = "5"']
    if once:
        lines.append('once = "on"')
    if sector is not None:
        lines.append(f'sector = "{sector}"')
    return "\n".join(lines) + "\n"


def blkdebug(tmp, img, *rules):
    """The --drive argument for cairn-qemu: img behind blkdebug with rules."""
    conf = os.path.join(tmp, "blkdebug.conf")
    with open(conf, "w") as f:
        f.write("\n".join(rules))
    return f"file=blkdebug:{conf}:{img},format=raw,if=none,id=vol,cache=writeback"


def vm(build, tmp, img, drive=None, **kw):
    log = os.path.join(tmp, "console.log")
    return CairnVM(build, img, drive=drive, log_path=log, **kw)


def no_trouble(v):
    assert v.count(PANIC) == 0, v.output()


def ledger_consistent(v):
    assert v.count(r"^ledger: total=(?!3000000 )") == 0, v.output()


def commits_after(v, at, n, timeout):
    """Wait for n more commit lines after line index at; the last index."""
    for _ in range(n):
        _, at = v.wait_for(r"^cairn: checkpoint \d+ committed", timeout, at + 1)
    return at


def counter_beats(v, at, beats=3, timeout=30):
    m, i = v.wait_for(r"^counter: (\d+)$", timeout, at)
    n = int(m.group(1))
    _, i = v.wait_for(r"^counter: %d$" % (n + beats), timeout, i)
    return i


def last_commit(v):
    gens = re.findall(r"^cairn: checkpoint (\d+) committed", v.output(), re.M)
    return int(gens[-1]) if gens else 0


PRESS_PAGES = 2048  # apps/logpress.image: press arg=2048 heap=8M


def press_rounds(v, at, n, timeout):
    """Wait for n rounds after line at, each verified; {round: checksum}."""
    sums = {}
    for _ in range(n):
        m, at = v.wait_for(r"^logpress: (round (\d+) checksum ([0-9a-f]{16})|CORRUPT .*)$",
                           timeout, at + 1)
        assert m.group(2), "after %d rounds: %s" % (len(sums), m.group(0))
        _, at = v.wait_for(r"^logpress: verify ok$", 10, at)
        sums[int(m.group(2))] = m.group(3)
    return sums, at


def resume_clean(build, tmp, img, at_least, **kw):
    """Boot img without blkdebug: it must resume from a checkpoint at least
    as new as the last commit seen."""
    v = vm(build, tmp, img, **kw)
    try:
        m, _ = v.wait_for(r"^cairn: (first boot|resumed from checkpoint (\d+))", 60)
        assert m.group(2) and int(m.group(2)) >= at_least, (m.group(0), at_least)
    except BaseException:
        v.kill()
        raise
    return v, int(m.group(2))


# --- write errors in the log --------------------------------------------

@t.test
def log_write_errors_fail_one_checkpoint_each_and_the_next_commits(build, tmp):
    img = fresh(build, tmp, "default", "-c", "500")
    g = Geometry(build, img)
    # The first FLUSH is checkpoint 1's (data and directory before its
    # header); header slot 0 is first written by checkpoint 2; log position
    # 100 is reached a few checkpoints later, in the middle of one.
    drive = blkdebug(tmp, img, rule("flush"), rule("write", g.header_sector(0)),
                     rule("write", g.ring_sector(100)))
    with vm(build, tmp, img, drive) as v:
        v.wait_for(r"^cairn: first boot", 60)
        at = 0
        for _ in range(3):
            _, at = v.wait_for(r"^cairn: checkpoint \d+ failed: I/O error$", 60, at + 1)
        # The demos ran on all along, and checkpoints go on.
        at = counter_beats(v, at)
        at = commits_after(v, at, 3, 30)
        v.wait_for(r"^ledger: total=3000000 transfers=\d+$", 30, at)
        ledger_consistent(v)
        no_trouble(v)
        # Every rule failed one request, and each failure was one failed
        # checkpoint whose number the next commit took: the commits are
        # 1, 2, 3... with no gap and no number twice.
        events = re.findall(r"^cairn: checkpoint (\d+) (failed|committed)", v.output(), re.M)
        failed = [int(n) for n, what in events if what == "failed"]
        committed = [int(n) for n, what in events if what == "committed"]
        assert len(failed) == 3, events
        assert committed == list(range(1, len(committed) + 1)), events
        for i, (n, what) in enumerate(events):
            if what == "failed":
                assert (str(n), "committed") in events[i:] and \
                    (str(n), "committed") not in events[:i], (n, events)
        last = committed[-1]
        counted = [int(n) for n in re.findall(r"^counter: (\d+)$", v.output(), re.M)]
    r, _ = resume_clean(build, tmp, img, last)
    with r:
        m, _ = r.wait_for(r"^counter: (\d+)$", 30)
        assert 1 < int(m.group(1)) <= counted[-1] + 1, (m.group(0), counted[-1])
        r.wait_for(r"^ledger: total=3000000 transfers=\d+$", 30)
        commits_after(r, 0, 2, 30)
        ledger_consistent(r)
        no_trouble(r)


@t.test
def killed_after_a_failed_header_write_resumes_the_checkpoint_before(build, tmp):
    img = fresh(build, tmp, "default")
    g = Geometry(build, img)
    # Checkpoint 2's header (slot 0) is never written (every write to it
    # fails, so however late the kill comes no retry can commit it): the
    # generation may not be reused, and nothing of it may be recovered.
    with vm(build, tmp, img, blkdebug(tmp, img, rule("write", g.header_sector(0),
                                                     once=False))) as v:
        v.wait_for(r"^cairn: checkpoint 1 committed", 60)
        v.wait_for(r"^cairn: checkpoint 2 failed: I/O error$", 30)
        v.kill()
        assert v.count(r"^cairn: checkpoint 2 committed") == 0, v.output()
        no_trouble(v)
    r, gen = resume_clean(build, tmp, img, 1)
    with r:
        assert gen == 1, gen
        r.wait_for(r"^counter: \d+$", 30)
        r.wait_for(r"^cairn: checkpoint 2 committed", 30)
        r.wait_for(r"^ledger: total=3000000 transfers=\d+$", 30)
        ledger_consistent(r)
        no_trouble(r)


def killed_after_commit(build, tmp, img, gen):
    """Boot img, kill it right after checkpoint gen commits."""
    with vm(build, tmp, img) as v:
        v.wait_for(r"^cairn: checkpoint %d committed" % gen, 60)
        v.kill()
        no_trouble(v)


def newest_header(g, img):
    """(slot, sequence, flags, dir_pos) of the valid header with the higher
    sequence (docs/checkpoint.md "Header"; the CRC is the kernel's to check)."""
    best = None
    with open(img, "rb") as f:
        for slot in (0, 1):
            f.seek((g.log_start + slot) * 4096)
            b = f.read(4096)
            if b[:8] != b"CAIRNCKP":
                continue
            seq, = struct.unpack_from("<Q", b, 32)
            dir_pos, flags = struct.unpack_from("<QxxxxI", b, 56)
            if best is None or seq > best[1]:
                best = (slot, seq, flags, dir_pos)
    return best


@t.test
def a_one_flush_checkpoint_without_its_directory_falls_back_to_the_one_before(build, tmp):
    """A kill before a one-FLUSH checkpoint's FLUSH completed can leave its
    header without its blocks (docs/checkpoint.md "Committing with one
    FLUSH"): here its directory block is zeroed after the kill. The kernel
    says so, resumes from the checkpoint before, takes the torn one's
    number again at new positions, and a later kill resumes past it."""
    img = fresh(build, tmp, "default", "-c", "200")
    g = Geometry(build, img)
    killed_after_commit(build, tmp, img, 4)
    slot, seq, flags, dir_pos = newest_header(g, img)
    assert seq >= 4 and flags & 1, (slot, seq, flags, "the newest is not a one-FLUSH one")
    with open(img, "r+b") as f:
        f.seek((g.log_start + 2 + dir_pos % g.ring) * 4096)
        f.write(bytes(4096))
    with vm(build, tmp, img) as v:
        v.wait_for(r"^cairn: checkpoint %d incomplete \(committed with one FLUSH, never "
                   r"flushed\): .*CKPT_ERR_" % seq, 60)
        v.wait_for(r"^cairn: resumed from checkpoint %d$" % (seq - 1), 10)
        at = counter_beats(v, 0)
        commits_after(v, at, 3, 30)
        assert v.count(r"^cairn: checkpoint %d committed" % seq) == 1, v.output()
        v.wait_for(r"^ledger: total=3000000 transfers=\d+$", 30)
        v.kill()
        ledger_consistent(v)
        no_trouble(v)
        last = last_commit(v)
    r, gen = resume_clean(build, tmp, img, last)
    with r:
        r.wait_for(r"^counter: \d+$", 30)
        commits_after(r, 0, 2, 30)
        no_trouble(r)


def header_crc(b):
    """The header's CRC32C over its first 4092 bytes (ckpt/logfmt.c)."""
    crc = 0xffffffff
    for x in b[:4092]:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 if crc & 1 else 0)
    return crc ^ 0xffffffff


@t.test
def a_kept_generation_that_undercounts_is_recovered_with_a_larger_map(build, tmp):
    """Recovery sizes its map from the newest header and from the header of
    the generation it keeps, when the other slot holds it (docs/checkpoint.md
    "Recovery"). Here that older header says it has no entries (its CRC made
    right again): the walk fills the map, says so, walks again on a map
    sized from positions and resumes the newest checkpoint. Killed right
    after checkpoint 2 (one FLUSH, so it keeps checkpoint 1, the whole
    image: many more entries than checkpoint 2's map would hold alone)."""
    img = fresh(build, tmp, "default", "-c", "1000")
    g = Geometry(build, img)
    killed_after_commit(build, tmp, img, 2)
    slot, seq, _, _ = newest_header(g, img)
    assert seq == 2, ("killed after checkpoint 2", seq)
    with open(img, "r+b") as f:
        f.seek((g.log_start + slot) * 4096)
        newest = f.read(4096)
        f.seek((g.log_start + 1 - slot) * 4096)
        older = bytearray(f.read(4096))
        assert struct.unpack_from("<I", older, 4092)[0] == header_crc(older), "CRC as the kernel's"
        tail, = struct.unpack_from("<Q", newest, 40)
        o_seq, _, o_start = struct.unpack_from("<QQQ", older, 32)
        o_head, o_objects = struct.unpack_from("<QQ", older, 72)
        n_start, = struct.unpack_from("<Q", newest, 48)
        assert o_seq == seq - 1 and o_start == tail and o_head == n_start and o_objects > 64, \
            ("the newest keeps the one before", seq, tail, o_seq, o_start, o_head, n_start)
        struct.pack_into("<QQ", older, 80, 0, 0)  # objects, threads
        struct.pack_into("<I", older, 4092, header_crc(older))
        f.seek((g.log_start + 1 - slot) * 4096)
        f.write(older)
    with vm(build, tmp, img) as v:
        v.wait_for(r"^cairn: warning: checkpoint %d: the generation it keeps has more entries "
                   r"than its header says; recovering again with a larger map$" % seq, 60)
        v.wait_for(r"^cairn: resumed from checkpoint %d$" % seq, 10)
        at = counter_beats(v, 0)
        commits_after(v, at, 2, 30)
        v.kill()
        no_trouble(v)


# --- read errors on fetch --------------------------------------------------

@t.test
def page_read_error_goes_to_the_keeper_which_restarts_the_domain(build, tmp):
    # A log large enough for a whole round: no pressure here.
    img = fresh(build, tmp, "logpress", "-l", "32M")
    g = Geometry(build, img)
    # press is the image's first domain: its program's pages, then its
    # heap. On first boot every page is read from its home when first
    # touched; heap page 1000 fails once.
    oid = program_pages(os.path.join(build, "apps", "logpress.elf")) + 1000
    with vm(build, tmp, img, blkdebug(tmp, img, rule("read", g.page_sector(oid)))) as v:
        v.wait_for(r"^cairn: first boot", 60)
        _, at = v.wait_for(r"^cairn: error: cannot read page %d from the volume: I/O error$"
                           % oid, 60)
        _, at = v.wait_for(r"^presskeeper: IO fault at pc 0x[0-9a-f]+ addr 0x[0-9a-f]+, "
                           r"restarting$", 30, at)
        _, at = v.wait_for(r"^logpress: round 1 checksum [0-9a-f]{16}$", 60, at)
        _, at = v.wait_for(r"^logpress: verify ok$", 10, at)
        at = counter_beats(v, at)
        at = commits_after(v, at, 2, 30)
        assert v.count(r"^presskeeper:") == 1, v.output()
        no_trouble(v)
        last = last_commit(v)
    r, _ = resume_clean(build, tmp, img, last)
    with r:
        sums, at = press_rounds(r, 0, 1, 60)
        assert min(sums) > 1, sums
        counter_beats(r, at)
        assert r.count(r"^presskeeper:") == 0, r.output()
        no_trouble(r)


@t.test
def page_read_error_without_keeper_stops_only_that_domain(build, tmp):
    img = fresh(build, tmp, "default")
    g = Geometry(build, img)
    # Page 0 is the first page of hello's program, the image's first domain.
    hello = g.roots["hello"]
    with vm(build, tmp, img, blkdebug(tmp, img, rule("read", g.page_sector(0)))) as v:
        _, at = v.wait_for(r"^cairn: error: cannot read page 0 from the volume: I/O error$", 60)
        v.wait_for(r"^cairn: warning: domain %d halted: IO at pc 0x10000, address 0x[0-9a-f]+ "
                   r"\(no keeper\)$" % hello, 10, at)
        at = counter_beats(v, at)
        v.wait_for(r"^pingpong: \d+$", 30, at)
        at = commits_after(v, at, 2, 30)
        v.wait_for(r"^ledger: total=3000000 transfers=\d+$", 30, at)
        assert v.count(r"^hello:") == 0, v.output()
        ledger_consistent(v)
        no_trouble(v)
        last = last_commit(v)
    r, _ = resume_clean(build, tmp, img, last)
    with r:
        # hello stays halted: that is its checkpointed state.
        _, at = r.wait_for(r"^counter: \d+$", 30)
        counter_beats(r, at)
        r.wait_for(r"^ledger: total=3000000 transfers=\d+$", 30)
        assert r.count(r"^hello:") == 0, r.output()
        ledger_consistent(r)
        no_trouble(r)


@t.test
def node_pot_read_error_delays_the_domains_it_holds(build, tmp):
    img = fresh(build, tmp, "default")
    g = Geometry(build, img)
    counter = g.roots["counter"]
    drive = blkdebug(tmp, img, rule("read", g.node_pot_sector(counter)))
    with vm(build, tmp, img, drive) as v:
        _, at = v.wait_for(r"^cairn: error: cannot read node pot %d from the volume: I/O error$"
                           % (counter // NODES_PER_POT), 60)
        _, at = v.wait_for(r"^cairn: error: domain %d: cannot read its own nodes "
                           r"\(at 0x[0-9a-f]+\); retrying every second$" % counter, 10, at)
        # The others run on: pingpong's and the ledger's nodes are elsewhere.
        _, p = v.wait_for(r"^pingpong: \d+$", 30, at)
        p = commits_after(v, p, 2, 30)
        v.wait_for(r"^ledger: total=3000000 transfers=\d+$", 30, p)
        # The fault was transient (once): a second later the counter's
        # nodes are read and it runs, from its first line on.
        v.wait_for(r"^counter: 1$", 30, at)
        _, at = v.wait_for(r"^counter: 2$", 30, at)
        at = commits_after(v, at, 1, 30)
        ledger_consistent(v)
        no_trouble(v)
        last = last_commit(v)
    r, _ = resume_clean(build, tmp, img, last)
    with r:
        _, at = r.wait_for(r"^pingpong: \d+$", 30)
        commits_after(r, at, 2, 30)
        r.wait_for(r"^ledger: total=3000000 transfers=\d+$", 30)
        r.wait_for(r"^counter: \d+$", 30)  # it was in the checkpoint's threads
        ledger_consistent(r)
        no_trouble(r)


# --- log pressure ----------------------------------------------------------

@t.test
def log_pressure_writers_wait_for_space_and_survive_a_failed_checkpoint(build, tmp):
    img = fresh(build, tmp, "logpress", "-l", "2M")
    g = Geometry(build, img)
    assert PRESS_PAGES > g.ring, "the log must be smaller than a round"
    # A log write fails once, a few forced checkpoints into the first
    # round, just before the ring wraps.
    drive = blkdebug(tmp, img, rule("write", g.ring_sector(g.ring - 3)))
    with vm(build, tmp, img, drive) as v:
        v.wait_for(r"^logpress: pressing %d pages$" % PRESS_PAGES, 60)
        sums, at = press_rounds(v, 0, 4, 120)
        rounds = sorted(sums)
        assert rounds == list(range(1, 5)), rounds
        # A round cannot fit in the log between two checkpoints: the
        # presser waited, and checkpoints freed space, many times a round.
        out = v.output()
        per_round = out.count("committed", out.index("logpress: round 2 "),
                              out.index("logpress: round 3 "))
        assert per_round >= PRESS_PAGES // g.ring, per_round
        m, _ = v.wait_for(r"^cairn: checkpoint (\d+) failed: I/O error$", 1)
        v.wait_for(r"^cairn: checkpoint %s committed" % m.group(1), 1)
        counter_beats(v, at, beats=2)
        no_trouble(v)


@t.test
def log_pressure_volume_resumes_from_a_consistent_cut(build, tmp):
    # Killed in the middle of a round, three times: the presser's registers
    # and its pages must come from the same instant (a domain that only
    # computes between checkpoints included).
    img = fresh(build, tmp, "logpress", "-l", "2M")
    seen = {}  # round: checksum, over every boot
    last = 0
    for boot in range(3):
        with vm(build, tmp, img) as v:
            m, _ = v.wait_for(r"^cairn: (first boot|resumed from checkpoint (\d+))", 60)
            assert (boot == 0) == (m.group(2) is None), m.group(0)
            assert boot == 0 or int(m.group(2)) >= last, (m.group(0), last)
            sums, _ = press_rounds(v, 0, 2, 120)
            # Rounds go on from where the checkpoint was, never from 1 again.
            first = min(sums)
            assert boot == 0 or 1 < first <= max(seen) + 1, (first, max(seen))
            time.sleep(0.5 + boot * 0.7)
            v.kill()
            no_trouble(v)
            last = last_commit(v)
            # A round done again after a restart held exactly what it held
            # the first time.
            for r, s in re.findall(r"^logpress: round (\d+) checksum ([0-9a-f]{16})$",
                                   v.output(), re.M):
                assert seen.setdefault(int(r), s) == s, (r, s, seen[int(r)])


if __name__ == "__main__":
    t.main()
