#!/usr/bin/env python3
"""Distinct realistic queries for load tests, one JSON line each ({"query": ...}), never the
same text twice, in a fixed order (seeded), written to stdout.

    scripts/question-pool.py builtin [--min 3000]   # questions about the built-in corpus
    scripts/question-pool.py scifact [--min 1500]   # SciFact claims and rewordings of them
    scripts/question-pool.py paste   [--min 300]    # 1,000-character pastes of corpus text

builtin: the development and verdict questions as written (misspellings, half-typed words and
paraphrases included), then questions people ask about each concept (its title and aliases in
a dozen everyday forms: "what is X", "X explained", "is X a kind of <parent>?", "X vs Y", ...),
then each development question with one typo or its last word half typed.
scifact: the 300 test claims, then each lowercased, and asked as "is it true that ...",
"evidence that ...", "studies on ...".
paste: windows of 1,000 characters (the longest query the API takes) over the corpus pages'
text, each from its own starting point.
"""
import argparse, glob, json, os, random, re, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ap = argparse.ArgumentParser()
ap.add_argument("kind", choices=["builtin", "scifact", "paste"])
ap.add_argument("--min", type=int, default=0, help="fail unless at least this many come out")
args = ap.parse_args()
rng = random.Random(16)
seen, out = set(), []


def add(q):
    q = re.sub(r"\s+", " ", q).strip()
    if q and len(q) <= 1000 and q.lower() not in seen:
        seen.add(q.lower())
        out.append(q)


def jsonl(path, field):
    with open(path) as f:
        return [json.loads(line)[field] for line in f if line.strip()]


def front_matter(path):
    text = open(path).read()
    m = re.match(r"---\n(.*?)\n---\n", text, re.S)
    fields = {}
    for line in (m.group(1).splitlines() if m else []):
        k, _, v = line.partition(":")
        fields[k.strip()] = v.strip()
    return fields, text[m.end():] if m else text


def names(value):
    value = value.strip().strip("[]")
    return [n.strip().strip('"') for n in value.split(",") if n.strip()]


def typo(q):
    words = q.split()
    long = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
    if not long:
        return None
    i = rng.choice(long)
    w = words[i]
    j = rng.randrange(1, len(w) - 2)
    words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def half_typed(q):
    words = q.rstrip("?").split()
    if len(words) < 2 or len(words[-1]) < 6:
        return None
    return " ".join(words[:-1] + [words[-1][: rng.randrange(3, len(words[-1]) - 1)]])


if args.kind == "builtin":
    dev = jsonl(os.path.join(ROOT, "corpus/queries/dev.jsonl"), "query")
    for q in dev + jsonl(os.path.join(ROOT, "corpus/queries/verdicts.jsonl"), "query"):
        add(q)
    concepts = []
    for path in sorted(glob.glob(os.path.join(ROOT, "corpus/concepts/*.md"))):
        fields, _ = front_matter(path)
        title = re.sub(r"\s*\(.*\)$", "", fields.get("title", ""))
        parents = names(fields.get("parents", ""))
        concepts.append((title, names(fields.get("aliases", "")), parents))
    titles = {os.path.basename(p)[:-3]: front_matter(p)[0].get("title", "")
              for p in glob.glob(os.path.join(ROOT, "corpus/concepts/*.md"))}
    forms = ["what is {x}", "what is {x}?", "{x} explained", "how does {x} work",
             "what is {x} used for", "{x} in simple terms", "why does {x} matter",
             "examples of {x}", "what are the limits of {x}", "history of {x}",
             "how is {x} trained", "{x} definition"]
    for title, aliases, parents in concepts:
        for form in forms:
            add(form.format(x=title.lower()))
        for alias in aliases[:3]:
            add(rng.choice(forms).format(x=alias))
        for parent in parents:
            if parent in titles:
                add(f"is {title} a kind of {titles[parent]}?")
    for _ in range(len(concepts)):
        (a, _, _), (b, _, _) = rng.sample(concepts, 2)
        add(f"{a} vs {b}")
    for q in dev:
        for v in (typo(q), half_typed(q)):
            if v:
                add(v)
elif args.kind == "scifact":
    claims = jsonl(os.path.join(ROOT, "../shared/datasets/scifact/queries.jsonl"), "text")
    for c in claims:
        add(c)
    for c in claims:
        low = c[0].lower() + c[1:]
        add(c.lower())
        add(f"is it true that {low.rstrip('.')}?")
        add(f"evidence that {low}")
        add(f"studies on {low}")
else:
    text = []
    for path in sorted(glob.glob(os.path.join(ROOT, "corpus/concepts/*.md"))):
        body = front_matter(path)[1]
        text.append(re.sub(r"[#*`\[\]]", "", body))
    text = re.sub(r"\s+", " ", " ".join(text))
    starts = sorted(rng.sample(range(0, len(text) - 1000), max(args.min, 300)))
    for s in starts:
        add(text[s : s + 1000])

if len(out) < args.min:
    sys.exit(f"question-pool: only {len(out)} distinct queries, {args.min} asked")
for q in out:
    print(json.dumps({"query": q}))
