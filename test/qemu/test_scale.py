#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Scale tests (meson test `scale`): the store is bounded by the disk, not
by RAM or by the kernel's address space.

- A 1 TiB volume (sparse: a few KiB on the host) boots the default image,
  checkpoints, is killed with SIGKILL and resumes, its demos carrying on.
- A node pool 100 times the guest's RAM (64 MiB guest, 6.4 GiB of node
  pots) is written sparsely across its whole range and read back, with a
  SIGKILL and a resume in the middle; every node holds what was written,
  and the kernel's page tables for the pools stay a small part of RAM
  (boot arg memstat: the kernel prints what the object cache holds).
"""
import os
import re

from cairnvm import CairnVM, Runner, cairn_format, image, image_with

t = Runner()
BOOT = 60


def resumed_generation(vm):
    m, _ = vm.wait_for(r"^cairn: resumed from checkpoint (\d+)$", BOOT)
    return int(m.group(1))


@t.test
def terabyte_volume_runs_checkpoints_and_resumes(build, tmp):
    img = os.path.join(tmp, "tib.img")
    cairn_format(build, img, "--size", "1T", "--image", image(build, "default"))
    assert os.stat(img).st_blocks * 512 < 1 << 20, "the volume should be sparse"
    with CairnVM(build, img) as vm:
        m, _ = vm.wait_for(r"^cairn: volume \S+ size=(\d+) nodes=(\d+) pages=(\d+) ", BOOT)
        assert int(m.group(1)) == 1 << 40, m.group(0)
        assert int(m.group(3)) > 200_000_000, m.group(0)  # 831 GiB of pages: past Sv39's 64 GiB
        vm.wait_for(r"^cairn: first boot$", BOOT)
        _, at = vm.wait_for(r"^cairn: checkpoint 3 committed ", BOOT)
        c, _ = vm.wait_for(r"^counter: (\d+)$", BOOT, at)
        before = int(c.group(1))
        vm.kill()
        assert vm.count(r"PANIC|halted|UNEXPECTED|wrong reply") == 0, vm.output()
    with CairnVM(build, img) as vm:
        g = resumed_generation(vm)
        assert g >= 3, g
        c, at = vm.wait_for(r"^counter: (\d+)$", BOOT)
        # The counter goes on from the checkpoint (it may repeat what was
        # printed after it, never go back before it).
        assert before - 2 <= int(c.group(1)) <= before + 2, (before, c.group(0))
        vm.wait_for(r"^ledger: total=3000000 transfers=\d+$", BOOT, at)
        m, _ = vm.wait_for(r"^cairn: checkpoint (\d+) committed ", BOOT)
        assert int(m.group(1)) > g, (g, m.group(0))
        assert vm.count(r"PANIC|halted|UNEXPECTED|wrong reply") == 0, vm.output()


# 100 x 64 MiB of node pots, and three nodes more so that the last pot is
# only partly used (the kernel must map it: the pool's size is rounded up).
MEM_MIB = 64
POTS = 100 * (MEM_MIB << 20) // 4096
NODES = POTS * 7 + 3
STRIDE = 331  # about 34,650 nodes, one in every 1.3 MiB of pool
LEVEL0_TABLES = (POTS + 1 + 511) // 512  # one per 2 MiB of pool, were none freed
RX_MEMSTAT = re.compile(r"^cairn: memstat fetches=\d+ resident=(\d+) tables=(\d+) free=\d+ "
                        r"of (\d+)$")


def memstats(vm):
    return [tuple(int(x) for x in m.groups()) for m in map(RX_MEMSTAT.match, vm.lines) if m]


@t.test
def node_pool_a_hundred_times_ram_survives_a_kill(build, tmp):
    img = os.path.join(tmp, "nodes.img")
    desc = image_with(build, tmp, "nodetouch",
                      [("program=nodetouch run", "program=nodetouch arg=%d run" % STRIDE)])
    cairn_format(build, img, "--size", "8G", "--nodes", str(NODES), "--image", desc)
    args = dict(mem="%dM" % MEM_MIB, append="memstat=4096")
    stats = []
    with CairnVM(build, img, **args) as vm:
        m, _ = vm.wait_for(r"^cairn: volume \S+ size=\d+ nodes=(\d+) ", BOOT)
        assert int(m.group(1)) == NODES
        m, _ = vm.wait_for(r"^nodetouch: sparse stride %d over (\d+) nodes: (\d+) to touch$"
                           % STRIDE, BOOT)
        count, n = int(m.group(1)), int(m.group(2))
        assert NODES - 64 < count < NODES and n == (count - 1) // STRIDE + 2, m.group(0)
        # Kill half way through the writes, after a checkpoint has committed.
        _, at = vm.wait_for(r"^nodetouch: wrote 16384 nodes$", 300)
        vm.wait_for(r"^cairn: checkpoint \d+ committed ", 120, at)
        vm.kill()
        stats += memstats(vm)
        assert vm.count(r"PANIC|failed") == 0, vm.output()
    with CairnVM(build, img, **args) as vm:
        resumed_generation(vm)
        m, _ = vm.wait_for(r"^nodetouch: sparse done: wrote (\d+) read (\d+) wrong (\d+) "
                           r"failed (\d+)$", 600)
        # The walk went on from the checkpoint: every node written once in
        # all (its count is part of the checkpointed domain), every one
        # read back with what was written, before or after the kill.
        assert m.groups() == (str(n), str(n), "0", "0"), m.group(0)
        stats += memstats(vm)
        assert vm.count(r"PANIC|wrong reply") == 0, vm.output()
    assert len(stats) >= 8, stats
    frames = stats[0][2]
    worst = max(tables for _, tables, _ in stats)
    # The pools' tables come and go with what is resident: far fewer than
    # a table for every 2 MiB the walk has crossed, and a tenth of RAM.
    assert worst * 2 < LEVEL0_TABLES, (worst, LEVEL0_TABLES)
    assert worst * 10 < frames, (worst, frames)
    assert all(tables <= resident + 16 for resident, tables, _ in stats), stats


if __name__ == "__main__":
    t.main()
