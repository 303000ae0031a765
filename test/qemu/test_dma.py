#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The DMA key (test 'dma'): apps/dmatest.c, a small virtio-rng driver,
booted with a virtio-rng device (virtio 1.2 §5.4: it fills the buffers it
is given with random bytes, the simplest device that writes memory).
Checks that the first use after a boot answers DEVICE_RESET; that bad
pins are refused by name (void, node and sleep keys, a read-only key and
one fetched through a WEAK node for device writes, bad flags, unpins and syncs of free pins, the 257th pin);
that the device writes a pinned page where its physical address says and
SYNC dirties it; that a pinned page rescinded by its owner gets a fresh
frame, so the device's writes into the old one never reach the page's
next owner; that EXCHANGE trades a pinned page's frame with another
page's (both mappings and both keys show the traded bytes, the pin and
the device's next write follow the pinned page) and refuses free and
read-only pins, read-only, node, void and same-page keys, pinned frames
and rescinded pins by name; and, after a SIGKILL and a boot from the checkpoint, that the
first use answers DEVICE_RESET again and the page the device wrote (and
the driver synced) before the checkpoint holds the device's bytes, and
both exchanged pages hold what they held at the checkpoint."""
from cairnvm import CairnVM, Runner, fresh

t = Runner()
RNG = ("-device", "virtio-rng-device")
CASES = ["first use answers DEVICE_RESET, then INFO",
         "bad pins are refused by name",
         "the 257th pin is DMA_FULL",
         "the device writes a pinned page; SYNC dirties it",
         "a rescinded pinned page gets a new frame; the old stays the device's",
         "bad exchanges are refused by name",
         "EXCHANGE trades two pages' frames; the pin follows its page"]


@t.test
def dma_pins_survive_rescind_and_checkpoint(build, tmp):
    img = fresh(build, tmp, "dmatest")
    with CairnVM(build, img, extra=RNG) as vm:
        vm.wait_for(r"^cairn: first boot", 60)
        for case in CASES:
            m, _ = vm.wait_for(r"^dmatest: %s: (ok|FAIL.*)$" % case, 30)
            assert m.group(1) == "ok", (case, m.group(0))
        vm.wait_for(r"^dmatest: ready: checkpoint \d+ committed$", 60)
        assert vm.count(r"FAIL") == 0, vm.output()
        vm.kill()
    with CairnVM(build, img, extra=RNG) as vm:
        vm.wait_for(r"^cairn: resumed from checkpoint", 60)
        m, _ = vm.wait_for(r"^dmatest: after the restart: DEVICE_RESET, device-written page (\w+)$", 30)
        assert m.group(1) == "kept", m.group(0)
        m, _ = vm.wait_for(r"^dmatest: after the restart: exchanged pages (\w+)$", 30)
        assert m.group(1) == "kept", m.group(0)
        assert vm.count(r"FAIL|PANIC|panic") == 0, vm.output()


if __name__ == "__main__":
    t.main()
