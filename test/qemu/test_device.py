#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The DEVICE key (test 'device'): apps/devtest.c, booted with a
virtio-net device on QEMU user networking (no port forwarded: nothing
leaves the machine). Checks that the first use of a device key after a
boot answers DEVICE_RESET and then INFO names the device; that the
kernel's own disk and an absent device are NO_DEVICE; that the key in a
leaf slot of the domain's own space maps the device's registers (magic,
version, device ID read; a Status write lands); that the register page is
never a string; and, after a SIGKILL and a boot from the checkpoint, that
the resumed domain's first INFO answers DEVICE_RESET again while its
checkpointed mapping still reads the device."""
from cairnvm import CairnVM, Runner, fresh

t = Runner()
# A virtio-net device on user networking, no port forwarded.
NET = ("-netdev", "user,id=net0", "-device", "virtio-net-device,netdev=net0")
CASES = ["first use answers DEVICE_RESET, then INFO",
         "the kernel's disk and absent devices are NO_DEVICE",
         "the key in a space maps the registers",
         "device registers are never a string"]


@t.test
def device_key_maps_registers_and_reports_resets(build, tmp):
    img = fresh(build, tmp, "devtest")
    with CairnVM(build, img, extra=NET) as vm:
        vm.wait_for(r"^cairn: first boot", 60)
        for case in CASES:
            m, _ = vm.wait_for(r"^devtest: %s: (ok|FAIL.*)$" % case, 30)
            assert m.group(1) == "ok", (case, m.group(0))
        vm.wait_for(r"^devtest: ready: checkpoint \d+ committed$", 60)
        vm.kill()
    with CairnVM(build, img, extra=NET) as vm:
        vm.wait_for(r"^cairn: resumed from checkpoint", 60)
        m, _ = vm.wait_for(r"^devtest: after the restart: DEVICE_RESET, magic (0x[0-9a-f]+)$", 30)
        assert m.group(1) == "0x74726976", m.group(0)
        assert vm.count(r"FAIL|PANIC|panic") == 0, vm.output()


if __name__ == "__main__":
    t.main()
