#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The space bank's tests through its protocol (apps/banktest.c,
docs/testing.md "Space bank tests").

One boot of apps/banktest.image: the bank, the driver banktest with the
prime bank's key, an impostor that answers the bank protocol, a hostile
client and an honest one. The driver prints one line per case,
"banktest: <case>: ok" or "banktest: <case>: FAIL <what>", each awaited
with a timeout (a case that never prints fails, and the ones after it are
still awaited), then "banktest: done". Nothing on the console may show a
kernel panic or a checkpoint error, and the bank's own lines must show no
failure of its own.
"""
import re

from cairnvm import CairnVM, Runner, exit_on_sigterm, fresh

t = Runner()

# In the driver's order (apps/banktest.c, cases[]).
CASES = [
    "buy and sell one to three objects",
    "sold objects come back cleared",
    "a limit refuses with BANK_LIMIT",
    "an ancestor's limit refuses with BANK_LIMIT",
    "destroy cascades to sub-banks and objects",
    "remove hands objects and sub-banks to the parent",
    "each restriction refuses what it forbids",
    "REDUCE never widens",
    "verify accepts bank keys with kind and restrictions",
    "verify refuses an impostor",
    "transparent: inspect lists and reads the objects",
    "transparent: inspect rescinds an object",
    "opaque: the creator may only destroy",
    "selling a key not from this bank",
    "selling twice",
    "selling a void key",
    "a hinted sell",
    "a hint naming another object",
    "a hint naming no object, a void key",
    "selling twice with a hint",
    "buying into a destroyed bank",
    "nonsense counts, pools and kinds",
    "limits at the extremes",
    "unknown order codes",
    "keys of the wrong type",
    "the prime bank stays",
    "several clients at once, one hostile",
]
CASE_TIMEOUT = 30    # s, each case's line (the destroy waits are 10 s each)
CROWD_TIMEOUT = 90   # s, the crowd case: its own bound is 60 s
TROUBLE = r"PANIC|CKPT_ERR|checkpoint log unusable|UNEXPECTED|^bank: (audit:|.*(FAIL|error))"


@t.test
def bank_protocol(build, tmp):
    img = fresh(build, tmp, "banktest", size="128M")
    results = {}
    with CairnVM(build, img) as vm:
        vm.wait_for(r"^cairn: first boot", 60)
        _, at = vm.wait_for(r"^banktest: start$", 60)
        for name in CASES:
            limit = CROWD_TIMEOUT if name.startswith("several") else CASE_TIMEOUT
            pattern = r"^banktest: %s: (ok|FAIL .*)$" % re.escape(name)
            try:
                m, i = vm.wait_for(pattern, limit, at)
            except AssertionError:
                results[name] = "FAIL no line (hung?)"
                continue
            results[name] = m.group(1)
            at = i + 1
        if all(v != "FAIL no line (hung?)" for v in results.values()):
            vm.wait_for(r"^banktest: done$", 30, at)
        trouble = [l for l in vm.lines if re.search(TROUBLE, l)]
    for name, verdict in results.items():
        print("banktest: %s: %s" % (name, verdict), flush=True)
    bad = [n for n, v in results.items() if v != "ok"]
    assert not bad, "%d of %d cases failed: %s" % (len(bad), len(results), "; ".join(bad))
    assert not trouble, "trouble on the console: %s" % trouble[0]


if __name__ == "__main__":
    exit_on_sigterm()
    t.main()
