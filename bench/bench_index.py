"""Benchmark the index layer on synthetic listings, against a naive FTS5 baseline in the same process.

    .venv/bin/python bench/bench_index.py --rows 1000000     # the reference run (default)
    .venv/bin/python bench/bench_index.py --rows 100000      # quick run

Generates listings with a realistic skew (a few very common substances, vendors and countries,
a long tail of NPS) BEFORE the clock starts, then bulk-indexes them into a temporary SQLite index
inside ``bulk_load()``: listings/s = listings / (time from the first write_batch until bulk_load()
has exited, its writer thread drained and the load finished). Nothing else runs in the process, so
the writer thread has nothing to hide behind. Beside the wall figure: listings per CPU-second (all
threads) and per CPU-second of the busiest thread (the rate when each thread of the pipeline has a
core; on a shared machine, the CPU figures are the contention-free cost). Then it measures p50/p95
of typical analyst queries: full text + filters, facets, weekly aggregation over 52 weeks, and
prints each of the issue's targets as met / NOT met. The naive schema (one FTS5 table ranked by
plain ``bm25`` ORDER BY, exact counts and facets) is loaded from the same batches, measured the same
way, and queried for the ratios (``--no-naive-queries`` skips its slow queries). It is the issue's
reference ("a naive FTS5 schema measured here: 27,000 rows/s loading"), so the 20,000 rows/s target
is 20/27 = 0.74x of the naive load in the same run: the machine's speed drifts ~1.7x between evenings,
the ratio does not. The verdict takes the naive schema's SQL statements alone (its faster figure, so
the stricter ratio). A bare FTS5 table of title and body, loaded the same way, is printed too: the
cost of FTS5 itself, which no schema with filters and weekly counts can load faster than. Last, a second
index is loaded with the corpus generated while indexing (as ``narcoscope index reindex`` reads the
store), counting only the time inside write_batch and the load's finish: the caller-visible figure,
in which the writer's work that overlaps generation is not counted. With NARCOSCOPE_ES_URL set, the
load and the queries also run against ES.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import math
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index import CrawlVolume, IndexDoc, ObservationDoc, SearchRequest, open_index
from index.base import Index
from index.documents import iso_week

START = datetime(2025, 5, 5, tzinfo=timezone.utc)  # a Monday; 52 weeks of data follow
SUBSTANCES: list[tuple[str, str, float, list[str]]] = [  # (id, class, weight, names used in titles)
    ("cannabis", "cannabinoid", 20, ["weed", "cannabis", "kush", "hash"]),
    ("cocaine", "stimulant", 15, ["cocaine", "coke", "fishscale cocaine"]),
    ("mdma", "entactogen", 12, ["mdma", "ecstasy pills", "mdma crystal"]),
    ("amphetamine", "stimulant", 8, ["speed", "amphetamine paste"]),
    ("ketamine", "dissociative", 6, ["ketamine", "ket shards"]),
    ("lsd", "psychedelic", 5, ["lsd tabs", "acid blotter"]),
    ("heroin", "opioid", 4, ["heroin", "brown heroin"]),
    ("methamphetamine", "stimulant", 4, ["crystal meth", "methamphetamine"]),
    ("alprazolam", "benzodiazepine", 3, ["xanax", "alprazolam bars"]),
    ("oxycodone", "opioid", 3, ["oxycodone", "oxy 30mg"]),
    ("psilocybin", "psychedelic", 3, ["magic mushrooms", "psilocybin"]),
    ("2c-b", "psychedelic", 1, ["2cb", "2c-b pills"]),
    ("fentanyl", "opioid", 1, ["fentanyl", "fent powder"]),
]
SUBSTANCES += [(f"nps-{i:03d}", "nps", 0.05, [f"mdmb-{i}en-pinaca" if i % 2 else f"{i}-mmc"]) for i in range(40)]
COUNTRIES = [("NL", 20), ("DE", 15), ("US", 15), ("GB", 10), ("ES", 6), ("FR", 5), ("CA", 4), ("AU", 3),
             ("PL", 3), ("BE", 3), ("CN", 2), ("IN", 2), ("EU", 4), ("WW", 3), ("XX", 5)]
WORDS = [
    "quality", "pure", "strong", "fast", "stealth", "shipping", "tracked", "escrow", "vacuum", "sealed",
    "discreet", "bulk", "deal", "sample", "reship", "guarantee", "tested", "lab", "premium", "uncut", "fresh",
    "batch", "gram", "grams", "pack", "order", "vendor", "review",
]
FILLER = [f"w{n}x" for n in range(3000)]


@dataclass(slots=True)
class Corpus:
    """Deterministic synthetic listings with skewed distributions."""

    rows: int
    seed: int = 7

    def batches(self, size: int) -> Iterator[tuple[list[IndexDoc], list[ObservationDoc]]]:
        rng = random.Random(self.seed)
        subs = list(SUBSTANCES)
        sub_w = list(itertools.accumulate(s[2] for s in subs))
        countries, c_w = [c for c, _ in COUNTRIES], list(itertools.accumulate(w for _, w in COUNTRIES))
        vendors = [f"vendor{n:04d}" for n in range(5000)]
        v_w = list(itertools.accumulate(1.0 / (n + 1) ** 0.9 for n in range(5000)))
        sources = [f"market{n:02d}" for n in range(12)]
        s_w = list(itertools.accumulate(1.0 / (n + 1) for n in range(12)))
        docs: list[IndexDoc] = []
        obs: list[ObservationDoc] = []
        for i in range(self.rows):
            doc, doc_obs = self._one(i, rng, subs, sub_w, countries, c_w, vendors, v_w, sources, s_w)
            docs.append(doc)
            obs.extend(doc_obs)
            if len(docs) == size:
                yield docs, obs
                docs, obs = [], []
        if docs:
            yield docs, obs

    def _one(self, i: int, rng: random.Random, subs: list, sub_w: list, countries: list, c_w: list,
             vendors: list, v_w: list, sources: list, s_w: list) -> tuple[IndexDoc, list[ObservationDoc]]:
        sub = rng.choices(subs, cum_weights=sub_w)[0]
        source = rng.choices(sources, cum_weights=s_w)[0]
        vendor = rng.choices(vendors, cum_weights=v_w)[0]
        origin = rng.choices(countries, cum_weights=c_w)[0]
        qty = rng.choice([0.5, 1, 2, 3.5, 5, 7, 10, 28, 50, 100])
        price = round(math.exp(rng.gauss(math.log(20 * qty ** 0.8), 0.5)), 2)
        name = rng.choice(sub[3])
        title = f"{qty}g {name} {rng.choice(WORDS)} {rng.choice(WORDS)} from {origin}"
        tail = "sample" if rng.random() < 0.1 else "lot"
        body = " ".join([name, *rng.choices(WORDS, k=8), *rng.choices(FILLER, k=30), name, tail])
        # Listings arrive in discovery order, as a crawl (or a reindex replaying it) delivers them.
        first = START + timedelta(seconds=int(i * 364 * 86400 / self.rows) + rng.randrange(6 * 3600))
        weeks_alive = min(int(rng.expovariate(1 / 1.5)), 20)
        last = first + timedelta(days=7 * weeks_alive, hours=rng.randrange(48))
        doc = IndexDoc(
            doc_id=f"bench-{i}", kind="listing", source=source, source_kind="market",
            url=f"http://{source}.onion/l/{i}", title=title, body=body, first_seen=first, last_seen=last,
            vendor=vendor, category=[sub[1]], substances=[sub[0]], classes=[sub[1]], ships_from=origin,
            ships_to=rng.sample(["US", "EU", "WW", "GB", "AU", "CA"], k=rng.randint(1, 3)),
            price_usd=price if rng.random() > 0.05 else None, price_display=f"${price}", price_amount=price,
            currency="USD", quantity_g=float(qty), lang="en", page_digest=f"{i:040x}",
        )
        doc_obs = [
            ObservationDoc(obs_id=f"bench-{i}-{w}", doc_id=doc.doc_id, observed_at=first + timedelta(days=7 * w),
                           source=source, vendor=vendor, substances=[sub[0]], classes=[sub[1]],
                           ships_from=origin, price_usd=doc.price_usd)
            for w in range(1 + (1 if weeks_alive >= 2 else 0))
        ]
        return doc, doc_obs


# (label, query in the narcoscope language, naive FTS5 MATCH or None, naive WHERE, naive params)
QUERIES: list[tuple[str, str, str | None, str, list[object]]] = [
    ("common word", "cocaine", '"cocaine"', "1", []),
    ("common + country", "cocaine from:NL", '"cocaine"', "l.ships_from = ?", ["NL"]),
    ("common + price range", "mdma price_usd:[10 TO 50]", '"mdma"', "l.price_usd BETWEEN ? AND ?", [10, 50]),
    ("phrase", '"crystal meth"', '"crystal meth"', "1", []),
    ("word + destination", "ketamine to:US", '"ketamine"', "l.ships_to LIKE ?", ["%US%"]),
    ("word NOT word", "heroin -sample", '"heroin" NOT "sample"', "1", []),
    ("prefix", "mdmb*", '"mdmb" *', "1", []),
    ("OR", "lsd OR psilocybin", '"lsd" OR "psilocybin"', "1", []),
    ("word + vendor", "weed vendor:vendor0003", '"weed"', "l.vendor = ?", ["vendor0003"]),
    ("rare word", "2cb", '"2cb"', "1", []),
    ("very common + seen", "quality seen:[2026-03-01 TO *]", '"quality"', "l.last_seen >= ?", ["2026-03-01"]),
    ("field only", "substance:cocaine from:DE", None, "l.substances = ? AND l.ships_from = ?", ["cocaine", "DE"]),
]
FACETS = ["substance", "source", "ships_from", "price_band"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


Samples = list[tuple[float, float]]  # (wall ms, CPU ms of this process)


def timeit(fn: Callable[[], object], repeat: int) -> Samples:
    """Wall and CPU time per call: on a shared machine CPU time is the contention-free cost."""
    out = []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        out.append(((time.perf_counter() - t0) * 1000.0, (time.process_time() - c0) * 1000.0))
    return out


def thread_cpu() -> dict[str, float]:
    """CPU seconds of each thread of this process so far (Linux ``/proc``; empty elsewhere)."""
    out: dict[str, float] = {}
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    with contextlib.suppress(OSError):
        for tid in os.listdir("/proc/self/task"):
            with contextlib.suppress(OSError), open(f"/proc/self/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
                out[tid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return out


@dataclass(slots=True)
class Span:
    """Wall time, process CPU (all threads) and the CPU of the busiest thread over a stretch of code:
    on a shared machine the CPU figures are the contention-free cost, and the busiest thread bounds
    the rate of a pipeline whose threads each have a core."""

    wall: float = 0.0
    cpu: float = 0.0
    busiest: float = 0.0

    @staticmethod
    @contextlib.contextmanager
    def measure() -> Iterator[Span]:
        span = Span()
        threads, t0, c0 = thread_cpu(), time.perf_counter(), time.process_time()
        yield span
        span.wall, span.cpu = time.perf_counter() - t0, time.process_time() - c0
        after = thread_cpu()
        span.busiest = max((v - threads.get(tid, 0.0) for tid, v in after.items()), default=0.0)

    def rates(self, rows: int) -> str:
        busiest = f", busiest thread {self.busiest:.1f}s CPU = {rows / self.busiest:,.0f}/s" if self.busiest else ""
        return (f"{rows / self.wall:,.0f} listings/s wall ({self.wall:.1f}s), {rows / self.cpu:,.0f} listings per "
                f"CPU-second ({self.cpu:.1f}s CPU, all threads){busiest}")


Batches = list[tuple[list[IndexDoc], list[ObservationDoc]]]


def volumes() -> list[CrawlVolume]:
    weeks = {iso_week(START + timedelta(days=7 * w)) for w in range(53)}
    return [CrawlVolume(f"market{m:02d}", w, 5000, 4000) for w in weeks for m in range(12)]


def load(ix: Index, batches: Batches) -> Span:
    """THE indexing figure: the corpus is generated beforehand, so the clock runs from the first
    ``write_batch`` until the load is finished (SQLite: ``bulk_load()`` exited, its writer thread
    drained, indexes built, weekly counts stored) with nothing else in the process to overlap."""
    bulk_load = getattr(ix, "bulk_load", None)
    with Span.measure() as span, bulk_load() if bulk_load else contextlib.nullcontext():
        for docs, obs in batches:
            ix.write_batch(docs, obs)
        ix.write_batch([], volumes=volumes())
    return span


def load_interleaved(ix: Index, corpus: Corpus, batch: int) -> tuple[Span, Span]:
    """The caller-visible figure: batches generated as they are indexed (as ``narcoscope index reindex``
    reads the store), the time spent inside the index counted (write_batch and the bulk-load finish);
    its writer thread's work that overlaps the generation is not in it. Returns (inside, end to end)."""
    inside = Span()
    bulk_load = getattr(ix, "bulk_load", None)
    with Span.measure() as total:
        ctx = bulk_load() if bulk_load else contextlib.nullcontext()
        batches = itertools.chain(corpus.batches(batch), [([], [])])
        with Span.measure() as part:
            ctx.__enter__()
        inside.wall, inside.cpu = part.wall, part.cpu
        for docs, obs in batches:
            with Span.measure() as part:
                ix.write_batch(docs, obs, () if docs else volumes())
            inside.wall, inside.cpu = inside.wall + part.wall, inside.cpu + part.cpu
        with Span.measure() as part:
            ctx.__exit__(None, None, None)
        inside.wall, inside.cpu = inside.wall + part.wall, inside.cpu + part.cpu
    return inside, total


def bench_index(ix: Index, repeat: int) -> dict[str, Samples]:
    res: dict[str, Samples] = {"search": [], "search_newest": [], "facets": [], "weekly": []}
    for _label, q, *_ in QUERIES:
        res["search"] += timeit(partial(ix.search, SearchRequest(query=q, size=20)), repeat)
        res["search_newest"] += timeit(partial(ix.search, SearchRequest(query=q, size=20, sort="newest")), repeat)
        res["facets"] += timeit(partial(ix.search, SearchRequest(query=q, size=20, facets=FACETS)), repeat)
    res["facets"] += timeit(partial(ix.search, SearchRequest(query="", size=20, facets=FACETS)), repeat)
    for by in ("substance", "class", "source", "ships_from"):
        res["weekly"] += timeit(partial(ix.weekly, by), repeat)
    res["weekly_query"] = timeit(partial(ix.weekly, "substance", query="cocaine from:NL"), max(3, repeat // 2))
    return res


def per_query(ix: Index, repeat: int) -> None:
    for label, q, *_ in QUERIES:
        samples = timeit(partial(ix.search, SearchRequest(query=q, size=20, facets=FACETS)), repeat)
        r = ix.search(SearchRequest(query=q, size=20, facets=FACETS))
        flag = ("≥" if r.total_is_lower_bound else "=") + str(r.total)
        wall, cpu = pct([w for w, _ in samples], 0.5), pct([c for _, c in samples], 0.5)
        print(f"    {label:22s} {q!r:34s} total{flag:>7s}  with facets: wall p50 {wall:6.1f} cpu p50 {cpu:6.1f} ms"
              f"  sampled={r.facets_sampled}", flush=True)


class Naive:
    """The baseline: content table + one FTS5 index, bm25 ORDER BY, exact count and facets."""

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.executescript("""
            PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144;
            CREATE TABLE l(id INTEGER PRIMARY KEY, doc_id TEXT UNIQUE, title TEXT, body TEXT, source TEXT,
              vendor TEXT, ships_from TEXT, ships_to TEXT, substances TEXT, price_usd REAL, last_seen TEXT);
            CREATE INDEX l_vendor ON l(vendor); CREATE INDEX l_from ON l(ships_from);
            CREATE VIRTUAL TABLE f USING fts5(title, body, content='l', content_rowid='id',
              tokenize='porter unicode61 remove_diacritics 2');
            CREATE TABLE o(obs_id TEXT PRIMARY KEY, doc_id TEXT, observed_at TEXT, source TEXT,
              vendor TEXT, substance TEXT, class TEXT, ships_from TEXT);
        """)

    def load(self, batches: Batches) -> tuple[Span, Span]:
        """Measured as :func:`load` (everything from the first batch to the last commit, building the
        rows included), and the SQL statements alone (the figure this bench printed before)."""
        rid = 0
        sql = Span()
        with Span.measure() as span:
            for docs, obs in batches:
                rows = []
                for d in docs:
                    rid += 1
                    rows.append((rid, d.doc_id, d.title, d.body, d.source, d.vendor, d.ships_from, ",".join(d.ships_to),
                                 ",".join(d.substances), d.price_usd, d.last_seen.date().isoformat()))
                obs_rows = [(o.obs_id, o.doc_id, o.observed_at.isoformat(), o.source, o.vendor, o.substances[0],
                             o.classes[0], o.ships_from) for o in obs]
                with Span.measure() as part:
                    self.conn.execute("BEGIN")
                    self.conn.executemany("INSERT INTO l VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
                    self.conn.executemany("INSERT INTO f(rowid, title, body) VALUES (?,?,?)",
                                          [(r[0], r[2], r[3]) for r in rows])
                    self.conn.executemany("INSERT INTO o VALUES (?,?,?,?,?,?,?,?)", obs_rows)
                    self.conn.execute("COMMIT")
                sql.wall, sql.cpu = sql.wall + part.wall, sql.cpu + part.cpu
        return span, sql

    def search(self, match: str | None, where: str, params: list[object], facets: bool) -> None:
        src = "FROM f JOIN l ON l.id = f.rowid WHERE f MATCH ? AND " if match else "FROM l WHERE "
        args = [match] if match else []
        order = "ORDER BY bm25(f)" if match else "ORDER BY l.id DESC"
        self.conn.execute(f"SELECT l.id {src}{where} {order} LIMIT 20", [*args, *params]).fetchall()
        self.conn.execute(f"SELECT count(*) {src}{where}", [*args, *params]).fetchone()
        if facets:
            for col in ("substances", "source", "ships_from", "CAST(price_usd / 50 AS INT)"):
                self.conn.execute(f"SELECT {col}, count(*) {src}{where} GROUP BY 1", [*args, *params]).fetchall()

    def weekly(self, col: str) -> None:
        self.conn.execute(
            f"SELECT strftime('%Y-%W', observed_at) wk, {col}, count(*), count(DISTINCT doc_id), "
            f"count(DISTINCT vendor), count(DISTINCT source) FROM o GROUP BY wk, {col}").fetchall()

    def bench(self, repeat: int) -> dict[str, Samples]:
        res: dict[str, Samples] = {"search": [], "facets": [], "weekly": []}
        for _label, _q, match, where, params in QUERIES:
            res["search"] += timeit(partial(self.search, match, where, params, False), repeat)
            res["facets"] += timeit(partial(self.search, match, where, params, True), repeat)
        res["facets"] += timeit(partial(self.search, None, "1", [], True), repeat)
        for col in ("substance", "class", "source", "ships_from"):
            res["weekly"] += timeit(partial(self.weekly, col), max(1, repeat // 3))
        return res


def load_bare(path: str, batches: Batches) -> Span:
    """One FTS5 table of the listings' title and body, nothing else, loaded like :meth:`Naive.load`."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; CREATE VIRTUAL TABLE f USING "
                       "fts5(title, body, tokenize='porter unicode61 remove_diacritics 2');")
    with Span.measure() as span:
        for docs, _obs in batches:
            conn.execute("BEGIN")
            conn.executemany("INSERT INTO f(title, body) VALUES (?,?)", [(d.title, d.body) for d in docs])
            conn.execute("COMMIT")
    conn.close()
    return span


def report(name: str, res: dict[str, Samples], base: dict[str, Samples] | None) -> None:
    for key, samples in res.items():
        wall, cpu = [w for w, _ in samples], [c for _, c in samples]
        line = (f"  {name:6s} {key:14s} wall p50 {pct(wall, .5):7.1f} p95 {pct(wall, .95):7.1f} ms | "
                f"cpu p50 {pct(cpu, .5):7.1f} p95 {pct(cpu, .95):7.1f} ms (n={len(samples)})")
        ref = (base or {}).get("search" if key == "search_newest" else key)
        if ref:
            ref_wall, ref_cpu = [w for w, _ in ref], [c for _, c in ref]
            line += (f"  naive/this p95: wall {pct(ref_wall, .95) / max(pct(wall, .95), 1e-3):5.1f}x"
                     f" cpu {pct(ref_cpu, .95) / max(pct(cpu, .95), 1e-3):5.1f}x")
        print(line, flush=True)


# The acceptance bar: (figure, target in ms).
TARGETS = (("search", 50.0), ("facets", 200.0), ("weekly", 1000.0))
INDEXING_TARGET = 20_000  # listings/s


def met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def check_targets(span: Span, rows: int, res: dict[str, Samples]) -> None:
    """Print each target next to the measured figure (wall, and CPU as the contention-free cost)."""
    rate, busiest = rows / span.wall, rows / span.busiest if span.busiest else 0.0
    print(f"  target bulk indexing >= {INDEXING_TARGET:,} listings/s: wall {rate:,.0f} "
          f"({met(rate >= INDEXING_TARGET)}), busiest thread's CPU {busiest:,.0f} ({met(busiest >= INDEXING_TARGET)})")
    for key, target in TARGETS:
        wall = pct([w for w, _ in res[key]], .95)
        cpu = pct([c for _, c in res[key]], .95)
        print(f"  target {key:8s} p95 <= {target:6.0f} ms: wall {wall:7.1f} ({met(wall <= target)}),"
              f" CPU {cpu:7.1f} ({met(cpu <= target)})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--no-naive", action="store_true")
    ap.add_argument("--no-naive-queries", action="store_true", help="load the naive schema, skip its (slow) queries")
    ap.add_argument("--no-interleaved", action="store_true", help="skip the caller-visible load (a second index)")
    ap.add_argument("--dir", default=None, help="where the temporary databases go")
    args = ap.parse_args()
    corpus = Corpus(args.rows)
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        print(f"SQLite index, {args.rows:,} listings (sqlite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs, "
              f"load average {os.getloadavg()[0]:.1f})", flush=True)
        with Span.measure() as gen:
            batches = list(corpus.batches(args.batch))
        n_obs = sum(len(obs) for _docs, obs in batches)
        print(f"  corpus generated beforehand: {args.rows:,} listings + {n_obs:,} observations in {gen.wall:.1f}s",
              flush=True)
        ix = open_index(f"sqlite://{tmp}/index.db")
        span = load(ix, batches)
        print(f"  bulk indexing (from the first write_batch to the load finished): {span.rates(args.rows)}",
              flush=True)
        t0 = time.perf_counter()
        weeks = ix.refresh_weekly()  # type: ignore[attr-defined]
        print(f"  weekly materialisation of {weeks} dirty weeks left after the load: {time.perf_counter() - t0:.2f}s")
        res = bench_index(ix, args.repeat)
        report("sqlite", res, None)
        check_targets(span, args.rows, res)
        per_query(ix, 3)
        ix.close()
        if not args.no_naive:
            nv = Naive(f"{tmp}/naive.db")
            naive, naive_sql = nv.load(batches)
            print(f"  naive bulk indexing, measured the same way: {naive.rates(args.rows)}")
            print(f"  naive, its SQL statements alone: {args.rows / naive_sql.wall:,.0f} listings/s wall, "
                  f"{args.rows / naive_sql.cpu:,.0f} per CPU-second")
            print(f"  bulk indexing / naive load: wall {naive.wall / span.wall:.2f}x, "
                  f"CPU (all threads) {naive.cpu / span.cpu:.2f}x, busiest thread {naive.busiest / span.busiest:.2f}x")
            # The reference: "a naive FTS5 schema measured here: 27,000 rows/s loading". Its queries
            # and weekly rollups need structured fields beside the text, as the naive schema above has;
            # its SQL statements alone load at 26,400-28,700/s on a fast evening here (2026-11-25) and at
            # about half that on a slow one, when the bare table below loaded at ~27,900/s (2026-11-24,
            # which took that one for the reference). The bare table cannot filter or count weeks at all.
            naive_rate = args.rows / naive_sql.wall
            print(f"  bulk indexing / naive SQL statements alone: {args.rows / span.wall / naive_rate:.2f}x "
                  f"(target >= {20 / 27:.2f}x: {met(args.rows / span.wall / naive_rate >= 20 / 27)})")
            bare = load_bare(f"{tmp}/bare.db", batches)
            print(f"  bare FTS5 table (title, body; FTS5's own cost, no filters or weekly counts): "
                  f"{bare.rates(args.rows)}")
            print(f"  bulk indexing / bare FTS5 load: wall {bare.wall / span.wall:.2f}x")
            if not args.no_naive_queries:
                naive_res = nv.bench(max(3, args.repeat // 5))
                report("naive", naive_res, None)
                print("  ratios (naive p95 / narcoscope p95):")
                report("sqlite", res, naive_res)
            nv.conn.close()
        del batches
        if not args.no_interleaved:
            again = open_index(f"sqlite://{tmp}/interleaved.db")
            inside, total = load_interleaved(again, corpus, args.batch)
            again.close()
            print(f"  caller-visible (corpus generated while indexing; time inside write_batch and the load's "
                  f"finish): {inside.rates(args.rows)}; end to end with generation {total.wall:.1f}s wall, "
                  f"{total.cpu:.1f}s CPU")
        print(f"  load average at the end: {os.getloadavg()[0]:.1f}")
    es_url = os.environ.get("NARCOSCOPE_ES_URL")
    if es_url:
        print(f"Elasticsearch at {es_url.split('@')[-1]}")
        es = open_index(es_url)
        print(f"  indexing: {load(es, list(corpus.batches(args.batch))).rates(args.rows)}")
        report("es", bench_index(es, args.repeat), None)
        es.close()


if __name__ == "__main__":
    main()
