#!/usr/bin/env python3
"""Regenerates the rule table of crates/kehu-core/src/rules.rs from shared/spec/RULES.md.

Usage: scripts/catalogue.py [path/to/RULES.md]   (default: ../shared/spec/RULES.md)

The table between the `// BEGIN CATALOGUE` and `// END CATALOGUE` markers is rewritten with every
rule ID in document order, its section and its whole text; the test `catalogue_matches_rules_md`
compares the same three things, so run this after RULES.md changes and then add the Chinese titles
(rules_zh.rs) of any new IDs.
"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
spec = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared/spec/RULES.md"
target = root / "crates/kehu-core/src/rules.rs"

ID = re.compile(r"^[A-Z0-9-]+$")
rows = []
section = ""
in_paragraph = False  # inside a `**ID.** text` paragraph of §2, which runs to the next blank line
for line in spec.read_text(encoding="utf-8").splitlines():
    m = re.match(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", line)
    if m:
        section, in_paragraph = m.group(1), False
        continue
    m = re.match(r"^\| ([^|]+?) \| (.*) \|$", line)
    if m and "-" in m.group(1) and ID.match(m.group(1)):
        rows.append((m.group(1), section, m.group(2).strip()))
        continue
    m = re.match(r"^\*\*([A-Z0-9-]+)\.\*\* (.*)$", line)
    if m and "-" in m.group(1):
        rows.append((m.group(1), section, m.group(2).strip()))
        in_paragraph = True
        continue
    if not line.strip():
        in_paragraph = False
    elif in_paragraph:
        i, s, t = rows[-1]
        rows[-1] = (i, s, t + " " + line.strip())

def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

body = "".join(
    f"    RuleInfo {{ id: {rust_str(i)}, section: {rust_str(s)}, text: {rust_str(t)} }},\n"
    for i, s, t in rows
)
src = target.read_text(encoding="utf-8")
begin, end = "// BEGIN CATALOGUE\n", "    // END CATALOGUE\n"
a, b = src.index(begin) + len(begin), src.index(end)
target.write_text(src[:a] + body + src[b:], encoding="utf-8")
print(f"{len(rows)} rules written to {target.relative_to(root)}")
