"""``narcoscope evidence``: what was captured for a URL or digest, when, and is it intact."""

from __future__ import annotations

import argparse
from typing import Any

HELP = "show and verify the captured evidence for a URL or a page digest"


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("evidence", help=HELP, formatter_class=Formatter, description=HELP + """.

Every capture of the URL (or every page with that SHA-256 digest) is listed with its capture time,
status, source and crawl. The body is re-read from the content-addressed page store and from its
WARC record, and both are verified against the digest recorded at capture. Exit status 1 when
anything fails to verify.""")
    p.add_argument("target", metavar="URL|DIGEST", help="a captured URL or a SHA-256 page digest")
    p.add_argument("--home", help="data directory (default: $NARCOSCOPE_HOME or ./var)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from narcoscope.cli import UserError
    from narcoscope.paths import Paths
    from store import PageStore, RecordStore
    from store.pages import DigestMismatch
    from store.warc import read_record

    paths = Paths.from_env(args.home)
    store = RecordStore(paths.db)
    pages = store.pages_for(args.target)
    store.close()
    if not pages:
        raise UserError(f"no capture of {args.target!r} in {paths.db}")
    bodies = PageStore(paths.pages)
    failures = 0
    for page in pages:
        try:
            bodies.get(page.digest, verify=True)
            stored = "verified"
        except (DigestMismatch, FileNotFoundError) as exc:
            stored, failures = f"FAILED ({type(exc).__name__})", failures + 1
        warc = "none"
        if page.warc_path:
            try:
                rec = read_record(page.warc_path, page.warc_offset)
                ok = rec.verified and rec.sha256_header == page.digest and rec.uri == page.url
                warc = f"{page.warc_path}@{page.warc_offset} {'verified' if ok else 'FAILED'}"
                failures += not ok
            except (OSError, ValueError) as exc:
                warc, failures = f"FAILED ({exc})", failures + 1
        print(f"url:       {page.url}\n"
              f"captured:  {page.fetched_at:%Y-%m-%d %H:%M:%S %Z} (observation {page.observed_at:%Y-%m-%d %H:%M})\n"
              f"source:    {page.source}   crawl: {page.crawl_id}   status: {page.status}   kind: {page.kind}"
              f"{'   blocked: ' + page.blocked if page.blocked else ''}\n"
              f"sha256:    {page.digest}\n"
              f"store:     {stored}\n"
              f"warc:      {warc}\n")
    return 1 if failures else 0
