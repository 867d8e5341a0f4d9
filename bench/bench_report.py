"""Benchmark the NPS trend report on a synthetic 1,000,000-observation, 52-week SQLite index.

    .venv/bin/python bench/bench_report.py                       # reference: 1M observations, 52 weeks
    .venv/bin/python bench/bench_report.py --observations 200000 # quick run
    .venv/bin/python bench/bench_report.py --pdf                 # also time the Chromium PDF

Target (issue 7): the report over 1,000,000 observations and 52 weeks in under 30 s.

The index is built once per parameter set and kept (``--db``, default in the temp directory), so
re-runs time only the report. Listings live for a geometric number of weeks (mean ~25), so 1M
observations are ~40k listings; substances are drawn with a Zipf skew from the real gazetteer
(NPS classes included), vendors, markets and origins likewise; two substances are planted as
rising, one candidate name as new, and one market disappears in week 40 (a takedown). Printed:
seconds for each report (week and month) and the builder's own breakdown, index calls first.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from index import CrawlVolume, IndexDoc, ObservationDoc, open_index
from index.documents import iso_week
from narcoscope.paths import REPO_ROOT
from reports.nps import build_report, load_options, write_report
from reports.nps.gazetteer import load_gazetteer

START = datetime(2025, 5, 5, 12, tzinfo=timezone.utc)  # a Monday
ORIGINS = ("NL", "DE", "GB", "US", "PL", "ES", "FR", "CN", "IN", "CA", "BE", "CZ", "EU", "WW", "XX")
SOURCES = tuple(f"market-{i}" for i in range(8))
TAKEDOWN_SOURCE, TAKEDOWN_WEEK = "market-3", 40
RISING = ("bromazolam", "n-pyrrolidino-etonitazene")
CANDIDATE = "ADB-4en-PINACA-bench"


def substance_pool(rng: np.random.Generator) -> tuple[list[tuple[str, str]], np.ndarray]:
    """(id, class) pairs from the gazetteer and Zipf weights (a few common, a long NPS tail)."""
    gaz = load_gazetteer(REPO_ROOT / "config" / "gazetteer")
    pool = sorted((s, c) for s, c in gaz.classes.items() if c and s not in RISING)
    rng.shuffle(pool)  # type: ignore[arg-type]
    pool = pool[:400]
    weights = 1.0 / np.arange(1, len(pool) + 1) ** 1.1
    return pool + [(s, gaz.class_of(s) or "designer_benzodiazepine") for s in RISING], np.append(
        weights / weights.sum(), [0.0] * len(RISING))


def generate(n_obs: int, weeks: int, seed: int) -> Iterator[tuple[list[IndexDoc], list[ObservationDoc]]]:
    """Listings with their weekly observations, in batches, until ``n_obs`` observations exist."""
    rng = np.random.default_rng(seed)
    pool, weights = substance_pool(rng)
    made, listing = 0, 0
    while made < n_obs:
        docs, obs = [], []
        for _ in range(5000):
            start = int(rng.integers(0, weeks))
            life = min(int(rng.geometric(1 / 25)), weeks - start)
            source = SOURCES[int(rng.integers(0, len(SOURCES)))]
            if source == TAKEDOWN_SOURCE and start >= TAKEDOWN_WEEK:
                source = SOURCES[0]
            end = start + life if source != TAKEDOWN_SOURCE else min(start + life, TAKEDOWN_WEEK)
            if end <= start:
                continue
            sub, cls = _pick(rng, pool, weights, start, weeks)
            doc = _doc(rng, listing, source, sub, cls, start, end)
            docs.append(doc)
            obs += [ObservationDoc(f"o{listing}-{w}", doc.doc_id, START + timedelta(weeks=w), source, doc.vendor,
                                   doc.substances, doc.classes, doc.ships_from, doc.price_usd)
                    for w in range(start, end)]
            listing += 1
        made += len(obs)
        yield docs, obs


def _pick(rng: np.random.Generator, pool: list[tuple[str, str]], weights: np.ndarray, week: int, weeks: int
          ) -> tuple[str, str]:
    """A substance: mostly the skewed pool; the planted ones rise over the last 20 weeks."""
    onset = weeks - 20
    if week >= onset and rng.random() < 0.004 * (week - onset + 1):
        return pool[len(pool) - 1 - int(rng.integers(0, len(RISING)))]
    return pool[int(rng.choice(len(pool), p=weights))]


def _doc(rng: np.random.Generator, i: int, source: str, sub: str, cls: str, start: int, end: int) -> IndexDoc:
    grams = bool(rng.random() < 0.7)
    qty = float(rng.choice([0.5, 1, 2, 5, 10, 25]))
    price = round(float(rng.lognormal(3.2, 0.6)) * (qty if grams else 1.0) ** 0.8, 2)
    candidates = [CANDIDATE] if rng.random() < 0.0005 and start > 44 else []
    return IndexDoc(
        doc_id=f"bench-{i}", kind="listing", source=source, source_kind="market",
        url=f"http://{source}xyzxyzxyzxyzxyz.onion/listing/{i}", title=f"{qty:g}{'g' if grams else 'x'} {sub} {i}",
        body=f"Top quality {sub}. Stealth shipping." + (f" Also {CANDIDATE}." if candidates else ""),
        first_seen=START + timedelta(weeks=start), last_seen=START + timedelta(weeks=end - 1),
        vendor=f"vendor{int(rng.zipf(1.6)) % 2000}", substances=[sub], classes=[cls], candidates=candidates,
        ships_from=ORIGINS[min(int(rng.zipf(1.7)) - 1, len(ORIGINS) - 1)], ships_to=["WW"], price_usd=price,
        quantity_g=qty if grams else None, units=None if grams else qty, lang="en", page_digest=f"{i:064x}")


def build_index(path: Path, n_obs: int, weeks: int, seed: int) -> None:
    idx = open_index(f"sqlite:///{path}")
    started, written = time.perf_counter(), 0
    try:
        for docs, obs in generate(n_obs, weeks, seed):
            idx.write_batch(docs, obs)
            written += len(obs)
            print(f"\r  indexed {written:,} observations ({written / (time.perf_counter() - started):,.0f}/s)",
                  end="", flush=True)
        volumes = _volumes(path)
        idx.write_batch([], [], volumes)
        idx.refresh_weekly()  # type: ignore[attr-defined]
    finally:
        idx.close()
    print(f"\n  built in {time.perf_counter() - started:.0f}s")


def _volumes(path: Path) -> list[CrawlVolume]:
    """Crawl volume = listings observed per source and week (every listing on a page is crawled)."""
    import sqlite3

    conn = sqlite3.connect(path)
    try:
        rows = conn.execute("SELECT source, week, count(*) FROM observations GROUP BY source, week").fetchall()
    finally:
        conn.close()
    return [CrawlVolume(source=s, week=w, pages=n // 20 + 1, listings=n) for s, w, n in rows]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--observations", type=int, default=1_000_000)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--db", type=Path, help="index file (kept between runs; default in the temp directory)")
    ap.add_argument("--pdf", action="store_true", help="also print the PDF with Chromium")
    args = ap.parse_args()
    name = f"narcoscope-bench-report-{args.observations}-{args.weeks}-{args.seed}.db"
    db = args.db or Path(tempfile.gettempdir()) / name
    if not db.exists():
        print(f"building {db} ...")
        build_index(db, args.observations, args.weeks, args.seed)
    as_of = (START + timedelta(weeks=args.weeks - 1)).date()
    options = load_options(REPO_ROOT / "config", annotations=())
    idx = open_index(f"sqlite:///{db}")
    formats = ("html", "md", "json", "pdf") if args.pdf else ("html", "md", "json")
    try:
        n_obs = sum(t.observations for t in idx.weekly("source").totals)
        print(f"index: {idx.count():,} listings, {n_obs:,} observations, {args.weeks} weeks; as of {as_of} "
              f"({iso_week(as_of)})")
        for period in ("week", "month"):
            _run(idx, period, as_of, options, formats)
    finally:
        idx.close()
    return 0


def _run(idx: object, period: str, as_of: date, options: object, formats: tuple[str, ...]) -> None:
    started = time.perf_counter()
    report = build_report(idx, period, as_of, options=options)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as out:
        write_report(report, Path(out), formats)
    total = time.perf_counter() - started
    verdict = "OK" if total < 30 else "OVER the 30 s target"
    print(f"\n{period} report {report.period_label}: {total:.2f}s ({verdict}); "
          f"new: {[n.name for n in report.new]}, emerging: {[e.name for e in report.emerging][:6]}")
    for step, seconds in sorted(report.timings.items(), key=lambda kv: -kv[1]):
        print(f"  {seconds:8.3f}s  {step}")


if __name__ == "__main__":
    sys.exit(main())
