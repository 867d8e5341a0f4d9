"""``narcoscope report``: write the NPS trend report for a week or a month."""

from __future__ import annotations

import argparse
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HELP = "write the NPS trend report (HTML, PDF, Markdown, JSON) for a week or a month"


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("report", help=HELP, formatter_class=Formatter, description=HELP + """.

Highlights, key figures and crawl coverage, substances new this period (confirmed and candidates),
emerging substances (GLR alarm for a rising share of listings crawled), class groups, supply geography,
prices, methods, and an evidence annex. Options (onion URLs, class groups) and annotations of takedowns
and scheduling changes are read from $NARCOSCOPE_CONFIG/reports/. PDF needs Debian's chromium.""",
                       epilog="examples:\n  narcoscope report --period week --as-of 2026-07-20 --format html,pdf\n"
                              "  narcoscope report --period month --as-of 2026-07-31 --format md,json\n"
                              "  narcoscope report --week 2026-W44   (= --period week --as-of 2026-10-26)")
    p.add_argument("--period", choices=("week", "month"), default="week", help="what the report covers")
    p.add_argument("--as-of", dest="as_of", help="last day of data, YYYY-MM-DD; unset: the latest week in the index")
    p.add_argument("--week", help="ISO week, e.g. 2026-W44: alias for --period week --as-of <its Monday>")
    p.add_argument("--format", default="html", help="comma list of html, pdf, md, json")
    p.add_argument("--out", type=Path, help="output directory (default: $NARCOSCOPE_HOME/reports)")
    p.add_argument("--home", help="data directory (default: $NARCOSCOPE_HOME or ./var)")
    p.add_argument("--index", help="index URL (default: $NARCOSCOPE_INDEX or sqlite in --home)")
    p.add_argument("--timings", action="store_true", help="print how long each step took")
    p.set_defaults(func=run)


def week_as_of(week: str) -> date:
    """The Monday of an ISO week label (``--week`` is ``--as-of`` that Monday)."""
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def _as_of(args: argparse.Namespace, idx: Any) -> tuple[str, date]:
    from narcoscope.cli import UserError

    if args.week:
        if not re.fullmatch(r"\d{4}-W\d{2}", args.week):
            raise UserError(f"--week must look like 2026-W44, got {args.week!r}")
        if args.as_of:
            raise UserError("give either --week or --as-of, not both")
        return "week", week_as_of(args.week)
    if args.as_of:
        try:
            return args.period, date.fromisoformat(args.as_of)
        except ValueError as exc:
            raise UserError(f"--as-of must be a date like 2026-07-20, got {args.as_of!r}") from exc
    week = latest_week(idx)
    if week is None:
        raise UserError("the index holds no observations yet: crawl something first")
    monday = week_as_of(week)
    return args.period, monday if args.period == "week" else monday + timedelta(days=6)


def run(args: argparse.Namespace) -> int:
    from index import open_index
    from narcoscope.cli import UserError
    from narcoscope.paths import Paths
    from reports.nps import (
        PdfRendererMissing,
        ReportConfigError,
        build_report,
        load_options,
        parse_formats,
        write_report,
    )

    try:
        formats = parse_formats(args.format)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    paths = Paths.from_env(args.home, args.index)
    try:
        options = load_options(paths.config, paths.db)
    except ReportConfigError as exc:
        raise UserError(str(exc)) from exc
    idx = open_index(paths.index_url)
    try:
        period, as_of = _as_of(args, idx)
        report = build_report(idx, period, as_of, options=options)
    finally:
        idx.close()
    try:
        written = write_report(report, args.out or paths.reports, formats)
    except PdfRendererMissing as exc:
        raise UserError(str(exc)) from exc
    print(f"NPS report for {report.period_kind} {report.period_label} (as of {as_of}):")
    for fmt, path in written.items():
        print(f"  {fmt:<5} {path}")
    if args.timings:
        for step, seconds in report.timings.items():
            print(f"  {seconds:7.3f}s  {step}")
    return 0


def latest_week(idx: Any) -> str | None:
    weeks = idx.weekly("source").weeks()
    return weeks[-1] if weeks else None
