#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The space bank domain, basic functions (test 'bank_basic'): through
apps/bankbasic.c, buy and sell one node, one page and three objects at
once, a purchase past a sub-bank's limit refused BANK_LIMIT, a sub-bank
with objects and a sub-bank of its own destroyed (its keys dead at once,
its objects' keys void once the reaper has reclaimed them), verify of
genuine keys and of a key that is not a bank's, an unknown order, 60
banks and 400 pages (the books grow past their first pages), and the
prime's audit. The full suite, with hostile clients and kills, is
test/qemu/test_bank.py."""
from cairnvm import CairnVM, Runner, fresh

t = Runner()
CHECKS = ["buy and sell a node", "buy and sell a page", "three at once", "limit",
          "destroy", "verify", "many", "unknown order", "audit"]


@t.test
def bank_serves_its_basic_orders(build, tmp):
    img = fresh(build, tmp, "bankbasic")
    with CairnVM(build, img) as vm:
        vm.wait_for(r"^cairn: first boot", 60)
        m, _ = vm.wait_for(r"^bank: prime nodes=0/(\d+) pages=0/(\d+)$", 30)
        assert int(m.group(1)) > 7000 and int(m.group(2)) > 13000, m.group(0)
        vm.wait_for(r"^bankbasic: done$", 60)
        for check in CHECKS:
            assert vm.count(r"^bankbasic: %s ok$" % check) == 1, (check, vm.output())
        assert vm.count(r"FAILED|PANIC|halted") == 0, vm.output()


if __name__ == "__main__":
    t.main()
