#!/usr/bin/env python3
"""Word counts per section for draft pages: python3 drafts/wc.py FILE... (prints problems only, or OK)."""
import re, sys
LIMITS = {"Simple explanation": (120, 220), "Technical deep dive": (150, 300),
          "How they relate": (40, 120), "How they differ": (60, 200), "When to use which": (40, 150)}
bad = 0
for path in sys.argv[1:]:
    text = open(path, encoding="utf-8").read()
    if not text.startswith("---\n"):
        print(f"{path}: no front matter"); bad += 1; continue
    body = text.split("\n---\n", 1)[1]
    sections = re.split(r"^## (.+)$", body, flags=re.M)
    found = {}
    for name, content in zip(sections[1::2], sections[2::2]):
        found[name.strip()] = len(content.split())
    kind = "comparison" if "kind: comparison" in text else "concept"
    want = ["How they relate", "How they differ", "When to use which"] if kind == "comparison" else ["Simple explanation", "Technical deep dive"]
    for w in want:
        lo, hi = LIMITS[w]
        n = found.get(w)
        if n is None:
            print(f"{path}: missing section '## {w}'"); bad += 1
        elif not lo <= n <= hi:
            print(f"{path}: '{w}' has {n} words, needs {lo}-{hi}"); bad += 1
        else:
            print(f"{path}: '{w}' {n} words ok")
sys.exit(1 if bad else 0)
