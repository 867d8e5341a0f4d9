"""Benchmark the workbench API: search + facets at 1, 8 and 32 concurrent clients.

Run from the project root:  .venv/bin/python -m bench.bench_api [--rows 1000000] [--home DIR]

Builds (or reuses, with --home) a SQLite index of ``--rows`` synthetic listings written through
``Index.write_batch``, creates a user and an API token in the workbench database, serves the app
with uvicorn in a subprocess on 127.0.0.1, and drives ``GET /api/search`` (query language,
filters, all facets, highlighting) from bounded thread pools of keep-alive ``http.client``
connections. Prints requests/s and latency percentiles for each concurrency level.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

from index import open_index
from index.documents import IndexDoc
from narcoscope.paths import REPO_ROOT, Paths

SUBSTANCES = [
    ("bromazolam", "designer_benzodiazepine"), ("etizolam", "designer_benzodiazepine"),
    ("flualprazolam", "designer_benzodiazepine"), ("3-mmc", "synthetic_cathinone"),
    ("4-cmc", "synthetic_cathinone"), ("a-pvp", "synthetic_cathinone"), ("protonitazene", "nitazene"),
    ("metonitazene", "nitazene"), ("isotonitazene", "nitazene"), ("mdma", "mdma_type"), ("cocaine", "cocaine"),
    ("amphetamine", "amphetamine_type"), ("methamphetamine", "amphetamine_type"), ("ketamine", "arylcyclohexylamine"),
    ("2c-b", "phenethylamine"), ("lsd", "lysergamide"), ("heroin", "opioid"), ("oxycodone", "opioid"),
    ("cannabis", "cannabis"), ("mdmb-4en-pinaca", "synthetic_cannabinoid"), ("fentanyl", "fentanyl_analogue"),
    ("alprazolam", "benzodiazepine"), ("diazepam", "benzodiazepine"), ("psilocybin", "tryptamine"),
]
WORDS = ["pure", "crystal", "powder", "pellets", "tabs", "blotters", "stealth", "shipping", "lab", "tested", "premium",
         "quality", "fast", "escrow", "sample", "bulk", "discount", "fresh", "batch", "potent", "research", "chemical",
         "vacuum", "sealed", "tracked", "reship", "guarantee"]
COUNTRIES = ["NL", "DE", "GB", "US", "CN", "PL", "ES", "FR", "BE", "CA", "AU", "SE", "IN", "EU", "WW"]
SOURCES = [f"market-{i:02d}" for i in range(12)]
QUERIES = [
    {"q": "crystal"}, {"q": "bromazolam"}, {"substance": "3-mmc"}, {"q": "pure AND from:NL"},
    {"class": "nitazene", "sort": "newest"}, {"q": "stealth shipping", "price_band": "10-50"},
    {"market": "market-03", "ships_from": "DE"}, {"q": "tabs OR blotters", "sort": "price_asc"},
    {"q": "potent -sample", "first_seen_from": "2026-03-01"}, {"vendor": "vendor-0042"},
    {"q": "mdma*"}, {}, {"q": 'substance:cocaine AND price_usd:[50 TO 200]'},
]


def synthetic_docs(rows: int, seed: int = 7) -> Iterator[IndexDoc]:
    rnd = random.Random(seed)
    start = datetime(2025, 12, 1, tzinfo=timezone.utc)
    for i in range(rows):
        sid, cls = SUBSTANCES[int(rnd.paretovariate(1.2)) % len(SUBSTANCES)]
        words = rnd.sample(WORDS, 6)
        qty = rnd.choice((0.5, 1.0, 2.0, 5.0, 10.0, 28.0))
        price = round(qty * rnd.uniform(4, 60), 2)
        first = start + timedelta(minutes=rnd.randrange(0, 52 * 7 * 24 * 60))
        yield IndexDoc(
            doc_id=f"bench{i:08d}", kind="listing", source=rnd.choice(SOURCES), source_kind="market",
            url=f"http://bench{i % 997}.onion/l/{i}", title=f"{sid} {words[0]} {words[1]} {qty:g}g",
            body=" ".join([sid, *words, *rnd.sample(WORDS, 10)]), first_seen=first,
            last_seen=first + timedelta(days=rnd.randrange(0, 60)),
            vendor=f"vendor-{int(rnd.paretovariate(0.8)) % 5000:04d}", substances=[sid], classes=[cls],
            ships_from=rnd.choice(COUNTRIES), ships_to=rnd.sample(COUNTRIES, 2), price_usd=price,
            price_display=f"${price:.2f}", price_amount=price, currency="USD", quantity_g=qty, lang="en")


def build(paths: Paths, rows: int, batch: int = 5000) -> None:
    idx = open_index(paths.index_url)
    try:
        have = idx.count()
        if have >= rows:
            print(f"index has {have:,} documents; reusing it")
            return
        started = time.perf_counter()
        buf: list[IndexDoc] = []
        bulk = getattr(idx, "bulk_load", None)  # SQLite: secondary indexes built once at the end
        with bulk() if bulk is not None else contextlib.nullcontext():
            for n, doc in enumerate(synthetic_docs(rows), start=1):
                if n <= have:
                    continue
                buf.append(doc)
                if len(buf) >= batch:
                    idx.write_batch(buf)
                    buf = []
                    if n % 100_000 == 0:
                        print(f"  {n:,} docs  {n / (time.perf_counter() - started):,.0f} docs/s", flush=True)
            if buf:
                idx.write_batch(buf)
        print(f"built {rows:,} docs in {time.perf_counter() - started:,.0f} s")
    finally:
        idx.close()


def make_token(paths: Paths) -> str:
    from web import accounts
    from web.webdb import WebDB

    db = WebDB(paths.home / "web.db")
    found = next((u for u in accounts.list_users(db) if u["name"] == "bench"), None)
    user = (accounts.User(int(str(found["id"])), "bench", "analyst") if found
            else accounts.add_user(db, "bench", "bench-password-" + os.urandom(8).hex()))
    return accounts.create_token(db, user, "bench")[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve(paths: Paths, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "NARCOSCOPE_HOME": str(paths.home), "NARCOSCOPE_INDEX": paths.index_url,
           "NARCOSCOPE_WEB_SECRET": "bench-secret"}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "web.app:create_app", "--factory", "--host", "127.0.0.1",
                             "--port", str(port), "--workers", str(workers), "--log-level", "warning",
                             "--no-access-log"], cwd=REPO_ROOT, env=env)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise RuntimeError("uvicorn did not start")


def client(port: int, token: str, n: int, seed: int, out: list[float], errors: list[str], stop: float) -> None:
    rnd = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    for _ in range(n):
        if time.perf_counter() > stop:
            break
        params = dict(rnd.choice(QUERIES))
        params["page"] = str(rnd.choice((1, 1, 1, 2, 3)))
        t0 = time.perf_counter()
        try:
            conn.request("GET", "/api/search?" + urllib.parse.urlencode(params), headers=headers)
            resp = conn.getresponse()
            body = resp.read()
            if resp.status != 200:
                errors.append(f"{resp.status} {body[:200]!r}")
                continue
            json.loads(body)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(repr(exc))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        out.append(time.perf_counter() - t0)
    conn.close()


def level(port: int, token: str, clients: int, requests: int, max_seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[str] = []
    per = max(1, requests // clients)
    stop = time.perf_counter() + max_seconds
    threads = [threading.Thread(target=client, args=(port, token, per, i, latencies, errors, stop))
               for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = sorted(latencies)
    pct = (lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] * 1000) if lat else (lambda p: float("nan"))
    if errors:
        print(f"  {len(errors)} errors, first: {errors[0]}")
    return {"clients": clients, "requests": len(lat), "errors": len(errors), "rps": len(lat) / wall,
            "p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99),
            "mean": statistics.fmean(lat) * 1000 if lat else float("nan")}


def baseline(paths: Paths, n: int) -> dict[str, float]:
    """The same requests straight through ``Index.search`` in-process: the index's share of the latency."""
    sys.path.insert(0, str(REPO_ROOT))
    from web.search import DATE_PARAMS, FILTER_FIELDS, SearchParams

    idx = open_index(paths.index_url)
    rnd = random.Random(1)
    lat = []
    try:
        for _ in range(n):
            q = dict(rnd.choice(QUERIES))
            p = SearchParams(q=q.pop("q", ""), sort=q.pop("sort", "relevance"), page=rnd.choice((1, 1, 1, 2, 3)),
                             price_band=[q.pop("price_band")] if "price_band" in q else [])
            p.dates = {k: q.pop(k) for k in list(q) if k in DATE_PARAMS}
            p.filters = {k: [v] for k, v in q.items() if k in FILTER_FIELDS}
            t0 = time.perf_counter()
            idx.search(p.request())
            lat.append(time.perf_counter() - t0)
    finally:
        idx.close()
    lat.sort()
    return {"p50": lat[len(lat) // 2] * 1000, "p95": lat[int(0.95 * len(lat))] * 1000,
            "rps": len(lat) / sum(lat)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000, help="synthetic listings in the index")
    ap.add_argument("--home", help="data directory to build in / reuse (default: a new temporary one)")
    ap.add_argument("--clients", default="1,8,32", help="concurrency levels")
    ap.add_argument("--requests", type=int, default=640, help="requests per level (bounded)")
    ap.add_argument("--max-seconds", type=float, default=120.0, help="time cap per level")
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    args = ap.parse_args()
    home = Path(args.home or tempfile.mkdtemp(prefix="narcoscope-bench-"))
    paths = Paths(home=home, config=REPO_ROOT / "config", index_url=f"sqlite:///{home / 'index.db'}")
    home.mkdir(parents=True, exist_ok=True)
    build(paths, args.rows)
    base = baseline(paths, 200)
    print(f"index.search alone (in-process, 1 thread): p50 {base['p50']:.1f} ms, p95 {base['p95']:.1f} ms, "
          f"{base['rps']:.1f} searches/s")
    token = make_token(paths)
    port = _free_port()
    proc = serve(paths, port, args.workers)
    try:
        level(port, token, 4, 40, 60)  # warm-up: page cache, per-thread connections
        print(f"\nGET /api/search (all facets + highlights), {args.rows:,} docs, uvicorn workers={args.workers}")
        print(f"{'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
        for n in (int(x) for x in args.clients.split(",")):
            r = level(port, token, n, args.requests, args.max_seconds)
            print(f"{n:>7} {r['requests']:>8.0f} {r['errors']:>6.0f} {r['rps']:>8.1f} {r['p50']:>8.1f} "
                  f"{r['p95']:>8.1f} {r['p99']:>8.1f}", flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    return 0


if __name__ == "__main__":
    sys.exit(main())
