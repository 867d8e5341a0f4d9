"""``narcoscope demo``: the main job, end to end, on the embedded default."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

HELP = "run the whole pipeline on the bundled demo sites (the main job)"
DESCRIPTION = """\
Serve the bundled, fictional demo sites on 127.0.0.1 (three markets, two forums), crawl them as of
26 simulated weeks, extract, index into the embedded SQLite store, write the weekly report, and
print where to look next. Running it again is idempotent: no listing or observation is duplicated."""


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("demo", help=HELP, description=DESCRIPTION, formatter_class=Formatter)
    p.add_argument("--weeks", default="0-25", help="which simulated weeks to crawl, e.g. 0-25 or 0,5,10")
    p.add_argument("--home", type=Path, help="data directory (default: $NARCOSCOPE_HOME or ./var)")
    p.add_argument("--port", type=int, default=8400,
                   help="the demo sites' control port; the five sites take the next five ports")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from demosites.weeks import parse_weeks
    from index import open_index
    from narcoscope.demo import run_demo, week_label
    from narcoscope.paths import Paths
    from reports.weekly import write
    from store import RecordStore

    weeks = parse_weeks(args.weeks)
    paths = Paths.from_env(args.home)
    total = len(weeks) * 5
    started = time.perf_counter()
    failures: list[str] = []
    with Progress(TextColumn("[bold]crawl"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("{task.description}")) as bar:
        task = bar.add_task("starting the demo sites", total=total)
        counts = {"pages": 0, "listings": 0}

        def progress(o: Any) -> None:
            counts["pages"] += o.pages
            counts["listings"] += o.listings
            if not o.ok:
                failures.append(f"{o.source} {week_label(o.observed_at)}")
            bar.update(task, advance=1, description=f"{week_label(o.observed_at)} {o.source:<13} "
                       f"{counts['pages']} pages, {counts['listings']} listings")

        outcomes = run_demo(paths.home, weeks, control_port=args.port, progress=progress,
                            log_level="DEBUG" if args.verbose >= 2 else "INFO" if args.verbose else "WARNING")
    elapsed = time.perf_counter() - started
    from narcoscope.aftercrawl import after_crawls

    after_crawls(paths)
    store = RecordStore(paths.db)
    c = store.counts()
    store.close()
    idx = open_index(paths.index_url)
    try:
        last = week_label(outcomes[-1].observed_at) if outcomes else None
        report = write(idx, last, paths.reports, config_dir=paths.config, store_db=paths.db) if last else None
    finally:
        idx.close()
    print(f"\ncrawled {len(outcomes)} snapshots in {elapsed:.0f}s: {c['pages']} pages stored, "
          f"{c['listings']} listings, {c['observations']} observations, {c['vendors']} vendors, "
          f"{c['posts']} posts")
    if failures:
        print(f"FAILED crawls: {', '.join(failures)}")
    print(f"\n  report:  {report}")
    print("  search:  narcoscope search 'substance:bromazolam' --facets")
    print("           narcoscope search 'class:synthetic_cathinone AND from:NL' --sort price_asc")
    print("  UI:      narcoscope user add analyst --role admin   (once; asks for a password)")
    print("           narcoscope web   → http://127.0.0.1:8080")
    print(f"  data:    {paths.home}")
    return 1 if failures else 0
