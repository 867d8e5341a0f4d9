"""``narcoscope import``: ingest a historical market dump through the crawl's own ingest path."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HELP = "import a historical market dump (e.g. the Agora 2014-2015 CSV)"
DESCRIPTION = """\
Read a listing dump with the importer for its format and feed every row through the same path
as a crawl: record store, extraction, index, then vendor identities and NPS candidates. The source's
own columns are kept with each listing (its `extra` fields) beside what narcoscope extracts.

Listing ids are derived from the row (vendor, category, item, description, origin), so importing
the same file again adds nothing. The dump is stored as evidence in the page store; its SHA-256 is
every imported listing's page digest. Rows that cannot be read are counted by reason and written
with their line number to $NARCOSCOPE_HOME/imports/<source>-<digest>.rejects.jsonl.

The observation time is taken from a date column when the dump has one; otherwise --observed-at
is required (the date of the crawl the dump comes from), so trends are filed in the right week."""

EPILOG = """\
examples:
  narcoscope import --format agora Agora.csv --observed-at 2015-07-07
  narcoscope import --format agora Agora.csv --observed-at 2015-07-07 --source agora-kaggle --json
formats:
  agora   Vendor, Category, Item, Item Description, Price, Origin, Destination, Rating, Remarks"""


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("import", help=HELP, description=DESCRIPTION, epilog=EPILOG, formatter_class=Formatter)
    p.add_argument("file", type=Path, metavar="FILE", help="the dump file")
    p.add_argument("--format", required=True, metavar="FORMAT", help="dump format (importer name), e.g. agora")
    p.add_argument("--observed-at", metavar="DATE",
                   help="when the dump's data was observed (ISO date); required when it has no date column")
    p.add_argument("--source", help="source name in the store (default: the format's, e.g. agora)")
    p.add_argument("--home", help="data directory (default: $NARCOSCOPE_HOME or ./var)")
    p.add_argument("--index", help="index URL (default: $NARCOSCOPE_INDEX or sqlite in --home)")
    p.add_argument("--no-entities", action="store_true", help="skip updating vendor identities and candidates")
    p.add_argument("--json", action="store_true", help="print the import report as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from importers import ImportFailed, get
    from importers.run import run_import
    from narcoscope.cli import UserError
    from narcoscope.commands.extract import parse_when
    from narcoscope.paths import Paths

    try:
        when = parse_when(args.observed_at) if args.observed_at else None
    except ValueError as exc:
        raise UserError(f"--observed-at: {exc}") from None
    if not args.file.is_file():
        raise UserError(f"no such file: {args.file}")
    paths = Paths.from_env(args.home, args.index)
    try:
        importer = get(args.format, source=args.source, observed_at=when)
        report = _with_progress(lambda progress: run_import(
            importer, args.file, paths, progress=progress, update_entities=not args.no_entities))
    except ImportFailed as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"cannot read {args.file}: {exc.strerror or exc}") from None
    if args.json:
        json.dump(report.as_dict(), sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
    else:
        _print_report(report)
    return 0


def _with_progress(work: Any) -> Any:
    """Run ``work(progress)`` under a rich progress bar on stderr (hidden when stderr is not a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    with Progress(TextColumn("[bold]import"), BarColumn(), MofNCompleteColumn(), TextColumn("rows"),
                  TimeRemainingColumn(), console=console, transient=False) as bar:
        task = bar.add_task("rows", total=None)

        def progress(done: int, total: int) -> None:
            bar.update(task, completed=done, total=max(total, done))

        return work(progress)


def _print_report(r: Any) -> None:
    print(f"imported {r.file} as source {r.source!r} (dump sha256 {r.digest[:16]}…)")
    print(f"  rows read      {r.rows}  ({r.rows_per_second:.0f} rows/s; {r.seconds:.1f}s in all, "
          f"{r.startup_seconds:.1f}s of it loading the extractor)")
    print(f"  imported       {r.imported}  → {r.listings} listings ({r.new_observations} new observations, "
          f"{r.known_observations} already known), {r.vendors} vendors, {r.weeks} week(s)")
    print(f"  rejected       {r.rejected}" + (f"  → {r.rejects_file}" if r.rejects_file else ""))
    for reason, n in r.reasons.most_common():
        print(f"    {n:>6}  {reason}")
    if r.fixes:
        print("  repaired       " + ", ".join(f"{k} {v}" for k, v in r.fixes.most_common()))
    if r.entities:
        print(f"  entities       {r.entities.get('vendors/linked_identities', 0)} linked vendor identities, "
              f"{r.entities.get('candidates/sightings', 0)} new candidate sightings")
