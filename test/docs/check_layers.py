#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check that kern/'s includes follow the layering in docs/architecture.md.

Every kernel file has a rank (its layer, bottom to top). An include of a
header of a higher rank is an upcall; the only upcalls allowed are the
named seams in UPCALLS below, each documented in docs/architecture.md
("Which layer may include which"). A new upward include fails this test:
either route it through a seam or argue for a new one in the doc and here.

Usage: check_layers.py <source root>
"""
import os
import re
import sys

# Bottom to top. A file's rank is the first pattern its path matches.
RANKS = [
    ("hw", r"^hw/"),
    ("mem", r"^mem/(frame|vm)\.[ch]$"),
    ("dev", r"^dev/"),
    ("store", r"^mem/(objcache\.[ch]|karea\.[ch]|node\.h)$"),
    ("key", r"^key/"),
    ("dom", r"^dom/"),
    ("ckpt", r"^ckpt/"),
    ("inv", r"^inv/"),
    ("entry", r"^entry/"),
]

# The seams: headers any lower layer may include, and why.
UPCALLS = {
    "dom/park.h": "any prepare step may wait: park the activity, restart the operation",
    "dom/kctx.h": "on whose behalf the kernel runs and whether it has committed",
    "dom/act.h": "the activity lists a parked operation waits on",
    "ckpt/ckpt_hooks.h": "the object cache tells the checkpointer before blocks change",
    "ckpt/ckpt.h": "the checkpointer's entry points: safe points, thread reservation",
    "entry/trap.h": "struct trap_frame, printed by panic and embedded in proc",
}

# Single upcalls that are not seams, each with its reason.
EXCEPTIONS = {
    ("mem/objcache.c", "dom/aspace.h"): "evicting a page removes its user mappings (the reverse map)",
    ("mem/objcache.c", "dom/sched.h"): "the run queue a refused read retries on",
    ("dom/park.c", "inv/fault.h"): "a failed read the domain needed becomes FAULT_IO for its keeper",
}


def rank_of(path):
    for i, (_, pattern) in enumerate(RANKS):
        if re.search(pattern, path):
            return i
    return None


def main():
    kern = os.path.join(sys.argv[1], "kern")
    bad = []
    for folder, _, files in os.walk(kern):
        for name in files:
            if not name.endswith((".c", ".h", ".S")):
                continue
            path = os.path.relpath(os.path.join(folder, name), kern)
            r = rank_of(path)
            if r is None:
                bad.append(f"{path}: not in any layer of check_layers.py")
                continue
            with open(os.path.join(kern, path)) as f:
                for lineno, line in enumerate(f, 1):
                    m = re.match(r'#include "([a-z]+/[a-z0-9_]+\.h)"', line)
                    if not m:
                        continue
                    hdr = m.group(1)
                    hr = rank_of(hdr)
                    if hr is None:
                        bad.append(f"{path}:{lineno}: {hdr} is not a kernel header")
                    elif hr > r and hdr not in UPCALLS and (path, hdr) not in EXCEPTIONS:
                        bad.append(f"{path}:{lineno}: {RANKS[r][0]} includes {hdr} ({RANKS[hr][0]}): an upward include that is not a seam")
    for b in bad:
        print(b)
    if bad:
        print(f"check_layers: {len(bad)} problems (docs/architecture.md, 'Which layer may include which')")
        return 1
    print("check_layers: every include goes down a layer or through a named seam")
    return 0


if __name__ == "__main__":
    sys.exit(main())
