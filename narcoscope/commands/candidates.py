"""``narcoscope candidates``: the registry of possible new psychoactive substances, and decisions on them."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from typing import Any

HELP = "possible new substances (NPS candidates): list, confirm, reject"
DESCRIPTION = """\
Names the extractor flagged as possible new substances (shaped like a synthetic cannabinoid,
cathinone, nitazene … but not in the gazetteer), with when, where and by whom each was first seen
(first observation time, source, vendor or forum author, document id, page digest) and how widely:
distinct vendors (one seller's accounts on several markets count once), markets and forums.

A candidate is a SIGNAL once it is seen from at least 2 vendors or on at least 2 markets.
`confirm` adds a name to the gazetteer (config/gazetteer/confirmed.yaml, the file the web
workbench also writes); the extractor tags it as a substance from then on. `reject` files the
name as a false alarm: it is not listed again."""

EPILOG = """\
examples:
  narcoscope candidates list --signals
  narcoscope candidates show MDMB-3en-PXINACA
  narcoscope candidates confirm MDMB-3en-PXINACA --class synthetic_cannabinoid
  narcoscope candidates confirm "4F-Foo" --class synthetic_cathinone --id 4f-foo
  narcoscope candidates reject ADB-BUTINACAX"""


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("candidates", help=HELP, description=DESCRIPTION, epilog=EPILOG, formatter_class=Formatter)
    p.add_argument("--home", help="data directory (default: $NARCOSCOPE_HOME or ./var)")
    p.add_argument("--no-update", action="store_true", help="read the registry as it stands, without updating")
    cmds = p.add_subparsers(dest="candidates_command", metavar="ACTION", required=True)
    lst = cmds.add_parser("list", help="candidates, signals first", formatter_class=Formatter)
    lst.add_argument("--signals", action="store_true", help="only signals (≥2 vendors or ≥2 markets)")
    lst.add_argument("--status", default="pending", choices=("pending", "confirmed", "rejected", "all"),
                     help="which decisions to list; rejected names are only shown when asked for")
    lst.add_argument("--json", action="store_true", help="print JSON lines")
    lst.set_defaults(func=run_list)
    show = cmds.add_parser("show", help="one candidate and every sighting", formatter_class=Formatter)
    show.add_argument("name")
    show.add_argument("--json", action="store_true", help="print JSON")
    show.set_defaults(func=run_show)
    conf = cmds.add_parser("confirm", help="add a candidate to the gazetteer (confirmed.yaml)",
                           formatter_class=Formatter)
    conf.add_argument("name", help="the candidate name as listed")
    conf.add_argument("--class", dest="cls", required=True, metavar="CLASS",
                      help="gazetteer class, e.g. synthetic_cannabinoid, synthetic_cathinone, nitazene")
    conf.add_argument("--id", dest="sid", default="", help="canonical id (default: the name, lower-cased)")
    conf.add_argument("--by", default="", help="analyst name recorded with the decision (default: $USER)")
    conf.set_defaults(func=run_confirm)
    rej = cmds.add_parser("reject", help="file a candidate as a false alarm; it is not listed again",
                          formatter_class=Formatter)
    rej.add_argument("name")
    rej.add_argument("--by", default="", help="analyst name recorded with the decision (default: $USER)")
    rej.set_defaults(func=run_reject)


def _paths(args: argparse.Namespace) -> Any:
    from narcoscope.paths import Paths

    return Paths.from_env(args.home)


def _open(args: argparse.Namespace) -> Any:
    import entities
    from entities.db import connect

    paths = _paths(args)
    if not args.no_update:
        entities.update(paths)
    return connect(paths.db)


def _analyst(args: argparse.Namespace) -> str:
    if args.by:
        return str(args.by)
    try:
        return os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def run_list(args: argparse.Namespace) -> int:
    from entities.candidates import registry

    db = _open(args)
    try:
        found = [c for c in registry(db, status=args.status) if c.signal or not args.signals]
    finally:
        db.close()
    if args.json:
        for c in found:
            sys.stdout.write(json.dumps(c.as_dict(), ensure_ascii=False) + "\n")
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    what = "signals" if args.signals else "candidates"
    table = Table(title=f"{len(found)} {what} ({args.status})", title_justify="left")
    table.add_column("name", overflow="fold", min_width=12)
    for col in ("signal", "vend", "mkts", "fora", "docs", "first seen"):
        table.add_column(col, no_wrap=True)
    table.add_column("first at / by", overflow="fold")
    if args.status != "pending":
        table.add_column("status", no_wrap=True)
    for c in found:
        row = [Text(c.name), "SIGNAL" if c.signal else "", str(c.vendors), str(c.markets), str(c.forums),
               str(c.documents), c.first_seen[:10], Text(f"{c.first_source} / {c.first_vendor}")]
        table.add_row(*row, *([c.status] if args.status != "pending" else []))
    Console().print(table)
    return 0


def run_show(args: argparse.Namespace) -> int:
    from entities.candidates import registry, sightings
    from narcoscope.cli import UserError

    db = _open(args)
    try:
        found = registry(db, status="all", name=args.name)
        if not found:
            raise UserError(f"no candidate called {args.name!r}; see `narcoscope candidates list --status all`")
        rows = [dict(r) for r in sightings(db, args.name)]
    finally:
        db.close()
    cand = found[0].as_dict()
    if args.json:
        json.dump({**cand, "sightings": rows}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
        return 0
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    console.print(Text(f"{cand['name']}: {'SIGNAL, ' if cand['signal'] else ''}{cand['vendors']} vendors, "
                       f"{cand['markets']} markets, {cand['forums']} forums, {cand['documents']} documents; "
                       f"status {cand['status']}", style="bold"))
    table = Table(title="sightings (first observation of each document)", title_justify="left")
    for col in ("seen", "kind", "source", "vendor / author", "doc id", "page digest"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(r["seen_at"][:19], r["kind"], Text(r["source"]), Text(r["vendor"]), r["doc_id"],
                      r["page_digest"][:16])
    console.print(table)
    return 0


def run_confirm(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from entities import candidates, confirmed
    from narcoscope.cli import UserError

    paths = _paths(args)
    db = _open(args)
    try:
        known = candidates.registry(db, status="all", name=args.name)
        prior = candidates.decision(db, args.name)
        if prior is not None:
            raise UserError(f"{args.name!r} was already {prior['decision']} by {prior['decided_by']} "
                            f"at {prior['decided_at']}")
        name = known[0].name if known else args.name
        now = datetime.now(timezone.utc).replace(microsecond=0)
        by = _analyst(args)
        try:
            entry = confirmed.make_entry(confirmed.Gazette.load(paths.config / "gazetteer"), name, args.cls,
                                         sid=args.sid, by=by, at=now)
            # the decision row holds the write lock until the file is written: both or neither
            candidates.decide(db, name, "confirmed", by=by, at=entry["confirmed_at"],
                              substance_id=entry["id"], cls=args.cls, commit=False)
            confirmed.append(paths.config / "gazetteer" / "confirmed.yaml", entry)
        except confirmed.ConfirmError as exc:
            db.rollback()
            raise UserError(str(exc)) from None
        except BaseException:
            db.rollback()
            raise
        db.commit()
    finally:
        db.close()
    print(f"confirmed {entry['name']!r} as {entry['id']} ({entry['class']}); appended to "
          f"{paths.config / 'gazetteer' / 'confirmed.yaml'}")
    if not known:
        print("note: the name was not in the candidate registry (confirmed anyway)")
    print("the extractor tags it from its next start; run `narcoscope reprocess` to re-extract stored pages")
    return 0


def run_reject(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from entities import candidates
    from narcoscope.cli import UserError

    db = _open(args)
    try:
        prior = candidates.decision(db, args.name)
        if prior is not None:
            raise UserError(f"{args.name!r} was already {prior['decision']} by {prior['decided_by']} "
                            f"at {prior['decided_at']}")
        if not candidates.registry(db, status="all", name=args.name):
            raise UserError(f"no candidate called {args.name!r}; see `narcoscope candidates list`")
        now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        candidates.decide(db, args.name, "rejected", by=_analyst(args), at=now)
    finally:
        db.close()
    print(f"rejected {args.name!r}: it will not be listed again (see --status rejected)")
    return 0
