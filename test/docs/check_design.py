#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Every "design.md invariant N" cited in the tree names an invariant that
docs/design.md states (a heading "## N. ..."), and no file cites the
workspace's DESIGN.md, which a clone does not have. Run by meson test
`docs_design`; prints each broken citation as file:line."""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FOLDERS = ["kern", "ckpt", "disk-format", "lib", "apps", "sbi", "docs", "test", "scripts"]
SUFFIXES = (".c", ".h", ".S", ".py", ".md", ".sh", ".build", ".image")
# "design.md invariant 4", "design.md](design.md) invariant 4", across a
# line break and a comment's leading " * ".
CITE = re.compile(r"design\.md\)?[\s*]*(?:,\s*)?invariants?[\s*]+(\d+)")
OLD = re.compile(r"\bDESIGN\.md\b")


def stated():
    with open(os.path.join(ROOT, "docs", "design.md")) as f:
        return {int(m.group(1)) for m in re.finditer(r"(?m)^## (\d+)\. ", f.read())}


def main():
    have = stated()
    bad, cited = [], 0
    for folder in FOLDERS:
        for dirpath, _, files in os.walk(os.path.join(ROOT, folder)):
            for name in files:
                if not name.endswith(SUFFIXES) or name == "check_design.py":
                    continue
                path = os.path.join(dirpath, name)
                with open(path, errors="replace") as f:
                    text = f.read()
                rel = os.path.relpath(path, ROOT)
                for m in CITE.finditer(text):
                    cited += 1
                    if int(m.group(1)) not in have:
                        line = text.count("\n", 0, m.start()) + 1
                        bad.append(f"{rel}:{line}: invariant {m.group(1)} is not in docs/design.md")
                for m in OLD.finditer(text):
                    line = text.count("\n", 0, m.start()) + 1
                    bad.append(f"{rel}:{line}: cites DESIGN.md; cite docs/design.md")
    for b in bad:
        print(b)
    print(f"docs_design: {cited} citations of {len(have)} invariants, {len(bad)} broken")
    return 1 if bad or cited == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
