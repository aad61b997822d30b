#!/usr/bin/env python3
"""How fast a write becomes searchable, over HTTP, against a `landscape serve` this script
starts on loopback (its own temporary index; the corpus folder is only read) and stops.

    scripts/write-bench.py [--corpus builtin|scifact] [--edits 20] [--batch 100]
                           [--compact-at 0.1]

builtin  the built-in corpus (concept format: edits keep its house rules);
scifact  the 5,183 SciFact abstracts (../shared/datasets/scifact) written as Markdown pages
         of a plain site, 256-token chunks as the evaluation uses: about 10,500 chunks.
The embedding cache is seeded from index/embeddings or index/eval/scifact/embeddings when
present, so the first build embeds only what those lack.

1. Edits: each replaces one page with a new word in it (PUT, no wait), then searches for that
   word (keyword mode) every 10 ms until the page is first: the time from sending the write
   to the page being found, and the time to the 202.
2. A batch of new pages (POST ?wait=true, each page's text new to the model): its time, the
   time the server spent embedding them (`landscape_update_embedding_seconds` in /metrics),
   and the difference.
Also the server's peak RSS (VmHWM) and the compactions it ran.
"""
import argparse, json, os, re, shutil, signal, statistics, subprocess, sys, tempfile, threading
import time, urllib.error, urllib.parse, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = "write-bench"

ap = argparse.ArgumentParser()
ap.add_argument("--corpus", choices=["builtin", "scifact"], default="builtin")
ap.add_argument("--edits", type=int, default=20)
ap.add_argument("--batch", type=int, default=100)
ap.add_argument("--compact-at", default="0.1")
args = ap.parse_args()

binary = os.path.join(ROOT, "target/release/landscape")
if not os.path.exists(binary):
    subprocess.run(["cargo", "build", "--release", "--locked", "--quiet"], cwd=ROOT, check=True)

work = tempfile.mkdtemp(prefix="write-bench-")
index = os.path.join(work, "index")
os.makedirs(index)


def seed_cache(source):
    if os.path.isdir(source):
        shutil.copytree(source, os.path.join(index, "embeddings"))


extra = []
if args.corpus == "builtin":
    corpus = os.path.join(ROOT, "corpus")
    seed_cache(os.path.join(ROOT, "index/embeddings"))
else:
    corpus = os.path.join(work, "corpus")
    os.makedirs(corpus)
    with open(os.path.join(ROOT, "../shared/datasets/scifact/corpus.jsonl")) as f:
        for line in f:
            doc = json.loads(line)
            with open(os.path.join(corpus, f"d{doc['_id']}.md"), "w") as out:
                out.write(f"---\ntitle: {json.dumps(doc['title'])}\n---\n\n{doc['text']}\n")
    seed_cache(os.path.join(ROOT, "index/eval/scifact/embeddings"))
    extra = ["--chunk-tokens", "256"]

log = open(os.path.join(work, "serve.log"), "w+")
server = subprocess.Popen(
    [binary, "serve", "--corpus", corpus, "--index", index, "--addr", "127.0.0.1:0",
     "--admin-key", KEY, "--no-query-log", "--compact-at", args.compact_at] + extra,
    stdout=subprocess.DEVNULL, stderr=log)


def stop(*_):
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
    shutil.rmtree(work, ignore_errors=True)


signal.signal(signal.SIGTERM, lambda *a: (stop(), sys.exit(1)))
base = None
try:
    deadline = time.time() + 3600
    while base is None:
        if server.poll() is not None or time.time() > deadline:
            log.seek(0)
            sys.exit("the server did not start:\n" + log.read()[-3000:])
        log.seek(0)
        m = re.search(r"(http://127\.0\.0\.1:\d+)/search", log.read())
        base = m.group(1) if m else None
        time.sleep(0.2)
    assert urllib.parse.urlparse(base).hostname == "127.0.0.1"

    def call(method, path, body=None, content_type=None, auth=True):
        req = urllib.request.Request(base + path, data=body, method=method)
        if auth:
            req.add_header("Authorization", f"Bearer {KEY}")
        if content_type:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, timeout=600) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    while call("GET", "/readyz", auth=False)[0] != 200:
        time.sleep(0.2)

    def metric(name):
        text = call("GET", "/metrics", auth=False)[1].decode()
        m = re.search(rf"^{name} ([0-9.e+-]+)$", text, re.M)
        return float(m.group(1)) if m else 0.0

    def first_hit(word):
        q = urllib.parse.urlencode({"q": word, "mode": "keyword", "k": 1})
        status, body = call("GET", f"/search?{q}", auth=False)
        results = json.loads(body)["results"] if status == 200 else []
        return results[0]["id"] if results else None

    # The pages to edit: their source as the corpus folder has it.
    files = []
    for dirpath, _, names in os.walk(corpus):
        files += [os.path.join(dirpath, n) for n in sorted(names) if n.endswith(".md") and n != "README.md"]
    files.sort()
    pages = json.loads(call("GET", "/concepts", auth=False)[1])
    ids = {p["id"] for p in (pages if isinstance(pages, list) else pages.get("pages", []))}

    def page_id(path):
        if args.corpus == "builtin":
            m = re.search(r"^id: (\S+)", open(path).read(), re.M)
            return m.group(1)
        return os.path.splitext(os.path.basename(path))[0]

    edit_times, ack_times, during_compaction = [], [], []
    candidates = iter(files[:: max(1, len(files) // (args.edits * 3))])
    i = 0
    while i < args.edits:
        path = next(candidates)
        pid = page_id(path)
        word = f"zqedit{i}x"
        source = open(path).read().rstrip("\n")
        # A word added at the end of the page's last paragraph.
        edited = source + f" It is also filed under {word}.\n"
        compacting = metric("landscape_compaction_running") == 1
        started = time.perf_counter()
        status, body = call("PUT", f"/pages/{urllib.parse.quote(pid)}", edited.encode(), "text/markdown")
        acked = time.perf_counter() - started
        if status == 422:  # the page is at its house rules' word limit: take another
            continue
        assert status == 202, (status, body)
        while first_hit(word) != pid:
            if time.perf_counter() - started > 120:
                sys.exit(f"edit {i} of {pid} never became searchable")
            time.sleep(0.01)
        edit_times.append(time.perf_counter() - started)
        ack_times.append(acked)
        if compacting:
            during_compaction.append(edit_times[-1])
        i += 1

    # A batch of new pages, each with text the model has not seen.
    filler = ("It is a page made for a benchmark of batch writes. Its text is new to the model, "
              "so each of its chunks is embedded when the batch is indexed. ")
    batch = []
    for n in range(args.batch):
        if args.corpus == "builtin":
            simple = (f"Benchmark network {n} is a neural network that exists only to test how fast a "
                      f"batch of pages becomes searchable. ") + filler * 6
            deep = (f"Benchmark network {n} is a neural network with {n + 3} layers of made-up units "
                    f"numbered for batch item zqbatch{n}x. ") + filler * 8
            batch.append({"id": f"benchmark-network-{n}", "title": f"Benchmark network {n}",
                          "parents": ["neural-network"],
                          "body": f"## Simple explanation\n\n{simple}\n\n## Technical deep dive\n\n{deep}\n"})
        else:
            source = open(files[n]).read().split("---\n", 2)[2].strip()
            batch.append({"id": f"new-{n}", "title": f"New abstract {n}",
                          "body": f"Batch item zqbatch{n}x. {source}"})
    embedded_before = metric("landscape_update_embedding_seconds_sum")
    started = time.perf_counter()
    status, body = call("POST", "/pages?wait=true", json.dumps({"pages": batch}).encode(), "application/json")
    batch_time = time.perf_counter() - started
    assert status == 200 and json.loads(body)["status"] == "succeeded", (status, body[:500])
    embedding = metric("landscape_update_embedding_seconds_sum") - embedded_before
    found = first_hit(f"zqbatch{args.batch - 1}x")
    assert found is not None, "the batch's last page is not found"

    # A compaction still running is waited for, so that its time is reported.
    waited = time.time()
    while metric("landscape_compaction_running") == 1 and time.time() - waited < 600:
        time.sleep(0.5)
    with open(f"/proc/{server.pid}/status") as f:
        rss = int(re.search(r"VmHWM:\s+(\d+) kB", f.read()).group(1)) / 1024
    compactions = metric("landscape_compaction_seconds_count")
    compaction_sum = metric("landscape_compaction_seconds_sum")
    health = json.loads(call("GET", "/healthz", auth=False)[1])

    q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))] * 1000
    print(f"corpus {args.corpus}: {health['pages']} pages, {health['chunks']} chunks, compact at {args.compact_at}")
    print(f"one-page edits ({len(edit_times)}): searchable after p50 {q(edit_times, .5):.0f} ms, "
          f"max {max(edit_times) * 1000:.0f} ms; 202 after p50 {q(ack_times, .5):.0f} ms")
    if during_compaction:
        print(f"  of which {len(during_compaction)} sent while a compaction ran: searchable after "
              f"max {max(during_compaction) * 1000:.0f} ms")
    print(f"batch of {args.batch} new pages (wait=true): {batch_time:.2f} s, of which embedding "
          f"{embedding:.2f} s; the rest {batch_time - embedding:.2f} s")
    print(f"compactions: {compactions:.0f}" + (f", {compaction_sum / compactions:.1f} s each" if compactions else ""))
    print(f"server peak RSS {rss:.0f} MiB")
finally:
    stop()
