#!/usr/bin/env python3
"""ONNX Runtime alone on the chunks of a built index: how many chunks per second the embedding
model reaches on this machine with each batch shape, without landscape around it (issue 16:
indexing should reach 90% of the best). Python's onnxruntime from the same wheel as
landscape's library, the same model.onnx and tokenizer.json (truncation at 256 tokens), in a
venv kept in the model cache.

    scripts/embed-peak.py [--chunks index/eval/scifact/gen-*/chunks.json] [--sample 1500]

Shapes: batches in the order given (what an unsorted build sees), sorted by length, and with a
token budget (a batch takes texts until its padded size, longest length x count, would pass
the budget); intra-op threads 1 and 2, and two sessions of one thread side by side.
Prints chunks/s, model tokens/s and the share of padding per shape. `--query-lengths`
instead prints the CPU one call of one text costs per token length (one thread), and
`--batch-sizes` the CPU per text of one call by batch size (one thread).
"""
import argparse, glob, json, os, random, subprocess, sys, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.environ.get("LANDSCAPE_CACHE") or os.path.join(
    os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "landscape")
VENV = os.path.join(CACHE, "bench-venv")

if sys.prefix != VENV:
    py = os.path.join(VENV, "bin/python")
    if not os.path.exists(os.path.join(VENV, ".ready")):
        subprocess.run([os.path.join(ROOT, "scripts/setup-model")], check=True)
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        wheel = glob.glob(os.path.join(CACHE, "wheels/onnxruntime-1.31.1-*.whl"))[0]
        subprocess.run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                        wheel, "numpy", "tokenizers"], check=True)
        open(os.path.join(VENV, ".ready"), "w").close()
    os.execv(py, [py] + sys.argv)

import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

ap = argparse.ArgumentParser()
default = sorted(glob.glob(os.path.join(ROOT, "index/eval/scifact/gen-*/chunks.json")))
ap.add_argument("--chunks", default=default[-1] if default else None)
ap.add_argument("--sample", type=int, default=1500)
ap.add_argument("--shapes", default="", help="comma-separated shape names to run")
ap.add_argument("--threads", default="", help="comma-separated thread layouts: 1, 2, 2x1")
ap.add_argument("--query-lengths", action="store_true",
                help="only the CPU of one call of one text per token length, one thread")
ap.add_argument("--batch-sizes", action="store_true",
                help="only the CPU per text of one call by batch size (10-token texts), one thread")
args = ap.parse_args()


def cpu_ms_per_call(batch, tokens, runs):
    """CPU of one call of `batch` texts of `tokens` tokens each, on one thread."""
    o = ort.SessionOptions()
    o.intra_op_num_threads = 1
    sess = ort.InferenceSession(os.path.join(CACHE, "model", "model.onnx"), o,
                                providers=["CPUExecutionProvider"])
    ids = np.full((batch, tokens), 1000, dtype=np.int64)
    feed = {"input_ids": ids, "attention_mask": np.ones_like(ids),
            "token_type_ids": np.zeros_like(ids)}
    for _ in range(3):
        sess.run(None, feed)
    started = time.process_time()
    for _ in range(runs):
        sess.run(None, feed)
    return (time.process_time() - started) / runs * 1000


if args.batch_sizes:
    # What batching queries saves (embed/batch.rs and http::EngineSlots::run rest on this).
    print("| tokens | batch | CPU ms per text |\n|---:|---:|---:|")
    for n in [10, 20]:
        for b in [1, 2, 4, 8, 16]:
            print(f"| {n} | {b} | {cpu_ms_per_call(b, n, max(10, 200 // b)) / b:.2f} |")
    sys.exit(0)
if args.query_lengths:
    # What one query costs the model by its length (MAX_QUERY_TOKENS is chosen from this).
    print("| tokens | CPU ms per call |\n|---:|---:|")
    for n in [8, 16, 24, 32, 48, 64, 128, 256]:
        print(f"| {n} | {cpu_ms_per_call(1, n, 50):.2f} |")
    sys.exit(0)
if not args.chunks:
    sys.exit("embed-peak: no chunks.json; build the SciFact evaluation index first")


def embedding_text(c):  # chunk::Chunk::embedding_text
    title, section = c["title"], c["section"]
    prefix = title if not section else section if not title else f"{title} — {section}"
    return f"{prefix}\n{c['text']}"


chunks = json.load(open(args.chunks))
texts = [embedding_text(c) for c in chunks]
random.Random(16).shuffle(texts)
texts = texts[: args.sample]
model_dir = os.path.join(CACHE, "model")
tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
tok.enable_truncation(256)
tok.no_padding()
ids = [e.ids for e in tok.encode_batch(texts)]
print(f"{len(texts)} chunks of {args.chunks}, {sum(map(len, ids)) / len(ids):.0f} tokens on "
      f"average (max {max(map(len, ids))})\n")


def session(threads):
    o = ort.SessionOptions()
    o.intra_op_num_threads = threads
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(os.path.join(model_dir, "model.onnx"), o,
                                providers=["CPUExecutionProvider"])


def run(sess, batch):
    n = max(map(len, batch))
    input_ids = np.zeros((len(batch), n), dtype=np.int64)
    mask = np.zeros((len(batch), n), dtype=np.int64)
    for i, row in enumerate(batch):
        input_ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    sess.run(None, {"input_ids": input_ids, "attention_mask": mask,
                    "token_type_ids": np.zeros_like(input_ids)})
    return n * len(batch)


def fixed(seqs, size):
    return [seqs[i : i + size] for i in range(0, len(seqs), size)]


def budget(seqs, tokens):
    out, cur = [], []
    for s in seqs:
        if cur and max(len(s), max(map(len, cur))) * (len(cur) + 1) > tokens:
            out.append(cur)
            cur = []
        cur.append(s)
    return out + [cur] if cur else out


by_len = sorted(ids, key=len)
shapes = {
    "given-16": fixed(ids, 16),
    "sorted-1": fixed(by_len, 1),
    "sorted-2": fixed(by_len, 2),
    "sorted-4": fixed(by_len, 4),
    "sorted-8": fixed(by_len, 8),
    "sorted-16": fixed(by_len, 16),
    "sorted-32": fixed(by_len, 32),
    "sorted-64": fixed(by_len, 64),
    "budget-256": budget(by_len, 256),
    "budget-512": budget(by_len, 512),
    "budget-1024": budget(by_len, 1024),
    "budget-2048": budget(by_len, 2048),
    "budget-4096": budget(by_len, 4096),
    "budget-8192": budget(by_len, 8192),
    "budget-16384": budget(by_len, 16384),
}
only = set(filter(None, args.shapes.split(",")))
layouts = set(filter(None, args.threads.split(",")))
real = sum(map(len, ids))
print("| shape | threads | chunks/s | model tokens/s | padding |")
print("|---|---|---:|---:|---:|")
sessions = {1: session(1), 2: session(2)}
second = session(1)
for name, batches in shapes.items():
    if only and name not in only:
        continue
    for threads in ("1", "2", "2 x 1"):
        if layouts and threads.replace(" ", "") not in layouts:
            continue
        if not layouts and threads == "1" and name not in ("sorted-16", "budget-4096"):
            continue
        run(sessions[1], batches[0])  # warm
        started = time.perf_counter()
        if threads == "2 x 1":
            padded = [0, 0]

            def worker(k, sess):
                padded[k] = sum(run(sess, b) for b in batches[k::2])

            ts = [threading.Thread(target=worker, args=(k, s))
                  for k, s in enumerate([sessions[1], second])]
            for t in ts: t.start()
            for t in ts: t.join()
            padded = sum(padded)
        else:
            padded = sum(run(sessions[int(threads)], b) for b in batches)
        secs = time.perf_counter() - started
        print(f"| {name} | {threads} | {len(ids) / secs:.1f} | {real / secs:,.0f} | "
              f"{1 - real / padded:.1%} |", flush=True)
