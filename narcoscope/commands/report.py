"""``narcoscope report``: write the weekly HTML report."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

HELP = "write the weekly report (HTML) for an ISO week"


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("report", help=HELP, formatter_class=Formatter, description=HELP + """.

Key figures, listings per substance with their trend, and the substances seen for the first time
that week. The week defaults to the latest week with observations.""",
                       epilog="example: narcoscope report --week 2026-W44")
    p.add_argument("--week", help="ISO week, e.g. 2026-W44 (default: the latest in the index)")
    p.add_argument("--out", type=Path, help="output directory (default: $NARCOSCOPE_HOME/reports)")
    p.add_argument("--home", help="data directory (default: $NARCOSCOPE_HOME or ./var)")
    p.add_argument("--index", help="index URL (default: $NARCOSCOPE_INDEX or sqlite in --home)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from index import open_index
    from narcoscope.cli import UserError
    from narcoscope.paths import Paths
    from reports.weekly import write

    if args.week and not re.fullmatch(r"\d{4}-W\d{2}", args.week):
        raise UserError(f"--week must look like 2026-W44, got {args.week!r}")
    paths = Paths.from_env(args.home, args.index)
    idx = open_index(paths.index_url)
    try:
        week = args.week or latest_week(idx)
        if week is None:
            raise UserError("the index holds no observations yet: crawl something first")
        path = write(idx, week, args.out or paths.reports)
    finally:
        idx.close()
    print(f"report for {week}: {path}")
    return 0


def latest_week(idx: Any) -> str | None:
    weeks = idx.weekly("source").weeks()
    return weeks[-1] if weeks else None
