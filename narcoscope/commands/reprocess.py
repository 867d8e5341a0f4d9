"""``narcoscope reprocess``: re-parse and re-extract stored pages without crawling again."""

from __future__ import annotations

import argparse
import sys
from typing import Any

HELP = "re-parse stored pages with the current profiles and extractor, then re-index"


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("reprocess", help=HELP, formatter_class=Formatter, description=HELP + """.

Use it after improving a site profile or the extraction: every stored page is read again from
the content-addressed store (no network), its records re-extracted and re-indexed. Listings and
observations keep their ids, so nothing is duplicated.""")
    p.add_argument("--source", help="only this source")
    p.add_argument("--home", help="data directory (default: $NARCOSCOPE_HOME or ./var)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from narcoscope.paths import Paths
    from narcoscope.reprocess import reprocess

    def progress(done: int, total: int) -> None:
        sys.stderr.write(f"\rreprocess: {done}/{total} pages")
        sys.stderr.flush()

    from narcoscope.aftercrawl import after_crawls

    paths = Paths.from_env(args.home)
    stats = reprocess(paths, source=args.source, progress=progress)
    after_crawls(paths)
    sys.stderr.write("\n")
    print(f"reprocessed {stats.pages} pages ({stats.blocked} blocked, {stats.skipped} of unknown "
          f"sources) → {stats.records} records in {stats.seconds:.1f}s "
          f"({stats.pages_per_second:.0f} pages/s)")
    return 0
