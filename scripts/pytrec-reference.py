#!/usr/bin/env python3
"""Writes the TREC metric fixtures and pytrec_eval's numbers for them.

    tests/fixtures/trec/qrels.trec       judgements, TREC format (`qid iter docid rel`)
    tests/fixtures/trec/qrels.tsv        the same judgements, BEIR tsv (`query-id corpus-id score`)
    tests/fixtures/trec/run_*.trec       runs, TREC format (`qid Q0 docid rank score tag`)
    tests/fixtures/trec/reference.json   pytrec_eval's numbers for every run, per query and mean

tests/it/metrics.rs checks src/eval/metrics.rs against reference.json.

Install (pytrec-eval-terrier ships wheels; the original `pytrec_eval` package fails to build here):

    python3 -m venv /tmp/pyt && /tmp/pyt/bin/pip install pytrec-eval-terrier
    # i.e. python3 -m pip install pytrec-eval-terrier

Run from anywhere (deterministic: fixed seed, only random.random() is used, so the fixtures come
out byte-identical on rerun):

    /tmp/pyt/bin/python scripts/pytrec-reference.py

What the fixtures exercise:
  q1  binary relevance;                      q2  graded 0/1/2, a grade-0 doc ranked first;
  q3  no relevant document (only grade 0);   q4  relevant docs, absent from run_a;
  q5  30 relevant, some only below rank 100; q6  score ties between ids that order differently
      bytewise than by eye ("D9" < "d10" < "d9" < "dé1"), and a 0 / -0 tie;
  q7  first relevant doc below rank 10 in some runs (MRR@10 = 0 while recip_rank > 0);
  q8  grades 1..3, more than 10 relevant (ideal DCG@10 is full);
  q99 is in runs but not in qrels (ignored, as pytrec_eval ignores it).
  run_a: short hand-made lists.  run_b: 150 docs per query in shuffled file order (rank column
  lies), scores with one decimal (many ties).  run_c: reciprocal-rank fusion computed in f32, as
  the engine does, so ties are exact f32 ties.  run_d: every score equal (pure tie-breaking).

Means in reference.json are over every query in the qrels (a query absent from a run is given to
pytrec_eval as an empty ranking, which it scores 0 on every measure) -- the definition used by
`landscape::eval::metrics::evaluate`.
"""

import json
import math
import os
import random
import struct
import sys

import pytrec_eval

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "fixtures", "trec")

MEASURES = {"ndcg_cut_10", "recip_rank", "recall_10", "recall_100", "map_cut_100", "P_1"}
# Field of landscape::eval::metrics::Metrics -> how it is obtained from pytrec_eval.
FIELDS = {
    "ndcg_10": "ndcg_cut_10",
    "mrr_10": "recip_rank of the run truncated to its top 10 (= recip_rank if >= 1/10, else 0)",
    "recall_10": "recall_10",
    "recall_100": "recall_100",
    "map_100": "map_cut_100",
    "p_1": "P_1",
}

rng = random.Random(20240917)


def pick(seq):
    return seq[int(rng.random() * len(seq))]


def shuffled(seq):
    out = list(seq)
    for i in range(len(out) - 1, 0, -1):  # Fisher-Yates on random.random() only
        j = int(rng.random() * (i + 1))
        out[i], out[j] = out[j], out[i]
    return out


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


DOCS = [f"d{i}" for i in range(160)]

# ---------------------------------------------------------------- qrels
qrels = {
    "q1": {"d3": 1, "d17": 1, "d42": 1, "d100": 1, "d5": 0},
    "q2": {"d1": 2, "d2": 1, "d10": 2, "d11": 1, "d12": 0, "d13": 0},
    "q3": {"d1": 0, "d2": 0, "d3": 0},
    "q4": {"d20": 1, "d21": 1, "d22": 0},
    "q5": {},
    "q6": {"d9": 1, "D9": 2, "dé1": 1, "d10": 1, "d90": 0},
    "q7": {"d140": 1, "d141": 1, "d0": 0},
    "q8": {},
}
for d in shuffled(DOCS)[:40]:
    qrels["q5"][d] = 0 if len(qrels["q5"]) >= 30 else 1 + int(rng.random() * 2)
for d in shuffled(DOCS)[:14]:
    qrels["q8"][d] = 0 if len(qrels["q8"]) >= 12 else 1 + int(rng.random() * 3)

# ---------------------------------------------------------------- runs
Q_ALL = ["q1", "q2", "q3", "q4", "q5", "q6", "q7", "q8", "q99"]

runs = {}

# run_a: hand-made. q4, q5, q8 absent.
runs["run_a"] = {
    "q1": [("d5", 3.0), ("d3", 2.5), ("d4", 2.5), ("d17", 2.0), ("d99", 1.0), ("d42", 0.5)],
    "q2": [("d12", 9.0), ("d2", 8.0), ("d1", 8.0), ("d13", 7.0), ("d77", 6.0), ("d10", 5.0)],
    "q3": [("d1", 1.0), ("d7", 0.9), ("d2", 0.8)],
    "q6": [("d9", 1.0), ("D9", 1.0), ("dé1", 1.0), ("d10", 1.0), ("d90", 1.0), ("D10", 1.0),
           ("d8", 0.0), ("d11", -0.0), ("d12", 0.0)],
    "q7": [("d0", 5.0)] + [(f"d{i}", 4.0 - i / 100) for i in range(1, 11)] + [("d140", 3.0)],
    "q99": [("d1", 1.0), ("d2", 0.5)],
}

# The ids q6 must hold in run_b and run_d: they sort differently by bytes than by eye.
TRICKY_IDS = ["d9", "D9", "dé1", "d10", "d90", "D10", "d900"]


def pool_of(q, n):
    """n shuffled docs; for q6 the last seven replaced by TRICKY_IDS (duplicates dropped)."""
    pool = shuffled(DOCS)[:n]
    if q == "q6":
        pool = list(dict.fromkeys(pool[:n - len(TRICKY_IDS)] + TRICKY_IDS))
    return pool


# run_b: 150 docs per query, one-decimal scores (ties), shuffled file order.
runs["run_b"] = {}
for q in Q_ALL:
    runs["run_b"][q] = [(d, round(rng.random() * 5.0, 1)) for d in pool_of(q, 150)]

# run_c: reciprocal-rank fusion (k = 60) of two random rankings, accumulated in f32.
runs["run_c"] = {}
for q in Q_ALL:
    lists = [shuffled(DOCS)[:110], shuffled(DOCS)[:110]]
    if q == "q6":
        lists = [["d9", "D9", "dé1"] + lists[0][:50], ["dé1", "D9", "d9", "d10"] + lists[1][:50]]
    fused = {}
    for ranking in lists:
        for rank, d in enumerate(ranking, start=1):
            fused[d] = f32(fused.get(d, 0.0) + f32(1.0 / (60 + rank)))
    runs["run_c"][q] = sorted(fused.items(), key=lambda kv: -kv[1])

# run_d: all scores equal; the order is trec_eval's tie-break alone. 105 docs (past the @100 cut).
runs["run_d"] = {}
for q in Q_ALL:
    runs["run_d"][q] = [(d, 1.0) for d in pool_of(q, 105)]

# ---------------------------------------------------------------- files
os.makedirs(OUT, exist_ok=True)


def write(name, text):
    with open(os.path.join(OUT, name), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


write("qrels.trec", "".join(
    f"{q} 0 {d} {g}\n" for q in sorted(qrels) for d, g in sorted(qrels[q].items())))
write("qrels.tsv", "query-id\tcorpus-id\tscore\n" + "".join(
    f"{q}\t{d}\t{g}\n" for q in sorted(qrels) for d, g in sorted(qrels[q].items())))

for name, run in runs.items():
    lines = []
    for q, docs in run.items():
        for rank, (d, s) in enumerate(docs, start=1):
            lines.append(f"{q} Q0 {d} {rank} {s!r} {name}\n")  # repr: shortest round-trip
    write(f"{name}.trec", "".join(lines))

# ---------------------------------------------------------------- reference numbers


def read_run(path):
    """The run as the Rust side sees it: parsed back from the file text."""
    with open(path, encoding="utf-8") as f:
        return pytrec_eval.parse_run(f)  # asserts there are no duplicate docs


def trec_order(docs):
    """Our claim about trec_eval's order: score descending, ties by docno descending (bytewise)."""
    return sorted(docs.items(), key=lambda kv: (kv[1], kv[0].encode()), reverse=True)


with open(os.path.join(OUT, "qrels.trec"), encoding="utf-8") as f:
    qrels_read = pytrec_eval.parse_qrel(f)
assert qrels_read == qrels
evaluator = pytrec_eval.RelevanceEvaluator(qrels_read, MEASURES)

# Evidence for the behaviours landscape::eval::metrics reproduces.
probe = pytrec_eval.RelevanceEvaluator({"t": {"a": 1}, "none": {"x": 0}}, MEASURES)
tie = probe.evaluate({"t": {"a": 1.0, "b": 1.0}})["t"]
assert tie["P_1"] == 0.0 and tie["recip_rank"] == 0.5, "tie: 'b' ranks before 'a'"
tie_case = probe.evaluate({"t": {"a": 1.0, "B": 1.0}})["t"]
assert tie_case["P_1"] == 1.0, "tie: bytewise, 'a' (0x61) ranks before 'B' (0x42)"
both = probe.evaluate({"none": {"x": 1.0}, "t": {}, "not-in-qrels": {"a": 1.0}})
assert sorted(both) == ["none", "t"], "queries not in qrels are dropped, empty rankings kept"
assert all(v == 0.0 for m in both.values() for v in m.values()), "no relevant / empty run: all 0"
ndcg2 = probe.evaluate({"t": {"z": 2.0, "a": 1.0}})["t"]["ndcg_cut_10"]
assert ndcg2 == 1.0 / math.log2(3), "discount 1/log2(rank + 1)"

reference = {
    "generator": "scripts/pytrec-reference.py",
    "pytrec_eval": f"pytrec-eval-terrier {pytrec_eval.__version__}",
    "qrels": "qrels.trec",
    "fields": FIELDS,
    "mean_over": "every query in qrels; a query absent from the run scores 0",
    "runs": {},
}
for name in runs:
    run = read_run(os.path.join(OUT, f"{name}.trec"))
    full = {q: dict(run.get(q, {})) for q in qrels}
    top10 = {q: dict(trec_order(docs)[:10]) for q, docs in full.items()}
    res_full = evaluator.evaluate(full)
    res_top10 = evaluator.evaluate(top10)
    assert sorted(res_full) == sorted(qrels)
    per_query = {}
    for q in sorted(qrels):
        m = res_full[q]
        rr = m["recip_rank"]
        mrr_10 = rr if rr >= 1.0 / 10 else 0.0
        # Self-checks of the claimed ordering against trec_eval's own: truncating our way
        # gives trec_eval's recip_rank cut at 10, and our top document is trec_eval's.
        assert res_top10[q]["recip_rank"] == mrr_10, (name, q)
        ordered = trec_order(full[q])
        top_rel = bool(ordered) and qrels[q].get(ordered[0][0], 0) >= 1
        assert m["P_1"] == (1.0 if top_rel else 0.0), (name, q)
        per_query[q] = {
            "ndcg_10": m["ndcg_cut_10"],
            "mrr_10": mrr_10,
            "recall_10": m["recall_10"],
            "recall_100": m["recall_100"],
            "map_100": m["map_cut_100"],
            "p_1": m["P_1"],
        }
    mean = {f: sum(per_query[q][f] for q in per_query) / len(per_query) for f in FIELDS}
    reference["runs"][f"{name}.trec"] = {"per_query": per_query, "mean": mean}

write("reference.json", json.dumps(reference, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
print(f"wrote {len(runs)} runs, qrels and reference.json to {os.path.normpath(OUT)}", file=sys.stderr)
