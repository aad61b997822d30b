#!/usr/bin/env python3
"""Search-as-you-type under load: visitors type the development questions into the search
page, character by character, and this script sends what the page would send. It starts its
own `landscape serve` on a loopback port (the built index is reused), replays the keystrokes,
reads the server's CPU time and its count of query embeddings, stops the server and prints
one Markdown table row. Loopback only; it ends when the questions run out.

The page's protocol (src/web/assets/app.js, read from there so the two cannot drift): every
keystroke schedules a keyword-only search (k=8) QUICK_MS later and the full search in hybrid
mode (k=10) PAUSE_MS later; a later keystroke cancels both timers. Typing at 8 characters per
second (125 ms apart) fires a quick search at each keystroke and the full search once, after
the last character.

    scripts/typing-load.py [--binary target/release/landscape] [--visitors 8] [--cps 8]
                           [--questions corpus/queries/dev.jsonl] [--first 201]
"""
import argparse, json, os, re, socket, statistics, subprocess, sys, threading, time
import urllib.parse, urllib.request

ap = argparse.ArgumentParser()
ap.add_argument("--binary", default="target/release/landscape")
ap.add_argument("--corpus", default="corpus")
ap.add_argument("--index", default="index")
ap.add_argument("--questions", default="corpus/queries/dev.jsonl")
ap.add_argument("--first", type=int, default=201, help="the first N questions of the file")
ap.add_argument("--visitors", type=int, default=8)
ap.add_argument("--cps", type=float, default=8.0, help="characters typed per second")
ap.add_argument("--read-s", type=float, default=1.0, help="a visitor's pause between questions")
args = ap.parse_args()

app_js = open("src/web/assets/app.js").read()
m = re.search(r"const QUICK_MS = (\d+), PAUSE_MS = (\d+);", app_js)
if not m:
    sys.exit("typing-load: QUICK_MS / PAUSE_MS not found in src/web/assets/app.js")
QUICK, PAUSE = int(m.group(1)) / 1000, int(m.group(2)) / 1000

with open(args.questions) as fh:
    questions = [json.loads(l)["query"] for l in fh if l.strip()][: args.first]

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

port = free_port()
base = f"http://127.0.0.1:{port}"
server = subprocess.Popen(
    [args.binary, "serve", "--addr", f"127.0.0.1:{port}", "--corpus", args.corpus, "--index", args.index],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

def get(path):
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return json.loads(r.read())

def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

try:
    for _ in range(600):
        try:
            health = get("/healthz")
            break
        except Exception:
            if server.poll() is not None:
                sys.exit("typing-load: the server exited")
            time.sleep(0.1)
    else:
        sys.exit("typing-load: the server did not come up in 60 s")

    lock = threading.Lock()
    times = {"quick": [], "full": []}
    failed = []
    senders = []

    def send(kind, q):
        mode, k = ("keyword", 8) if kind == "quick" else ("hybrid", 10)
        url = f"{base}/search?" + urllib.parse.urlencode({"q": q, "k": k, "mode": mode})
        start = time.perf_counter()
        try:
            with urllib.request.urlopen(url, timeout=30) as r:
                r.read()
                ok = r.status == 200
        except Exception:
            ok = False
        elapsed = time.perf_counter() - start
        with lock:
            (times[kind] if ok else failed).append(elapsed)

    def fire(kind, q):
        # The page's fetch does not wait for the previous one: each request on its own thread.
        t = threading.Thread(target=send, args=(kind, q))
        t.start()
        with lock:
            senders.append(t)

    def visitor(mine):
        gap = 1 / args.cps
        for question in mine:
            for i in range(1, len(question) + 1):
                typed = time.perf_counter()
                last = i == len(question)
                # The quick timer fires if the next keystroke is later than QUICK.
                if last or gap > QUICK:
                    time.sleep(QUICK)
                    fire("quick", question[:i])
                if last:
                    time.sleep(max(0.0, PAUSE - QUICK))
                    fire("full", question)
                else:
                    time.sleep(max(0.0, gap - (time.perf_counter() - typed)))
            time.sleep(args.read_s)

    cpu0, emb0 = cpu_seconds(server.pid), get("/healthz")["query_embeddings"]
    started = time.perf_counter()
    visitors = [threading.Thread(target=visitor, args=(questions[v :: args.visitors],))
                for v in range(args.visitors)]
    for v in visitors: v.start()
    for v in visitors: v.join()
    for t in senders: t.join()
    wall = time.perf_counter() - started
    cpu = cpu_seconds(server.pid) - cpu0
    embedded = get("/healthz")["query_embeddings"] - emb0
finally:
    server.terminate()
    server.wait(timeout=30)

def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] * 1000 if xs else float("nan")

every = times["quick"] + times["full"]
print(f"{len(questions)} questions, {args.visitors} visitors at {args.cps:g} chars/s, "
      f"QUICK_MS {QUICK*1000:.0f}, PAUSE_MS {PAUSE*1000:.0f}, {wall:.0f} s")
print("| requests | quick (keyword) | full (hybrid) | failed | p50 ms | p99 ms | quick p99 ms | full p99 ms | embeddings / question | server CPU s |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
print(f"| {len(every)} | {len(times['quick'])} | {len(times['full'])} | {len(failed)} | "
      f"{pct(every, .5):.1f} | {pct(every, .99):.1f} | {pct(times['quick'], .99):.1f} | "
      f"{pct(times['full'], .99):.1f} | {embedded / len(questions):.2f} | {cpu:.1f} |")
