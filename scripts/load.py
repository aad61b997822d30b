#!/usr/bin/env python3
"""Load over HTTP against a running `landscape serve` on loopback: each question sent once
(distinct queries, so the query-vector cache does not hide the model), from N concurrent
clients; stops after the questions run out. Prints requests/s, p50 and p99.

    scripts/load.py [--url http://127.0.0.1:7878] [--path /search] [--clients 8]
                    [--extra mode=keyword] FILE.jsonl [FILE.jsonl ...]
"""
import argparse, json, statistics, sys, threading, time, urllib.parse, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("files", nargs="+")
ap.add_argument("--url", default="http://127.0.0.1:7878")
ap.add_argument("--path", default="/search")
ap.add_argument("--clients", type=int, default=8)
ap.add_argument("--extra", action="append", default=[], help="name=value added to each request")
args = ap.parse_args()
host = urllib.parse.urlparse(args.url).hostname
if host not in ("127.0.0.1", "localhost", "::1"):
    sys.exit("load.py sends traffic to loopback only")
queries = []
for f in args.files:
    with open(f) as fh:
        queries += [json.loads(line)["query"] for line in fh if line.strip()]
queries = list(dict.fromkeys(queries))  # distinct, in file order
extra = [tuple(e.split("=", 1)) for e in args.extra]
lock, times, errors = threading.Lock(), [], []

def client():
    while True:
        with lock:
            if not queries:
                return
            q = queries.pop()
        url = f"{args.url}{args.path}?" + urllib.parse.urlencode([("q", q)] + extra)
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                r.read()
                ok = r.status == 200
        except Exception as e:  # a failed request is counted, not retried
            ok = False
        elapsed = time.perf_counter() - start
        with lock:
            (times if ok else errors).append(elapsed)

n = len(queries)
started = time.perf_counter()
threads = [threading.Thread(target=client) for _ in range(args.clients)]
for t in threads: t.start()
for t in threads: t.join()
wall = time.perf_counter() - started
times.sort()
p = lambda q: times[min(len(times) - 1, int(q * len(times)))] * 1000 if times else float("nan")
print(f"{n} distinct queries, {args.clients} clients, {args.path} {' '.join(args.extra)}: "
      f"{len(times) / wall:.0f} requests/s, p50 {p(0.5):.1f} ms, p99 {p(0.99):.1f} ms, "
      f"{len(errors)} failed")
