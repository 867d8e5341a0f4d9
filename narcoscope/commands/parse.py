"""``narcoscope parse``: run a site profile over saved HTML pages and print what it reads."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

HELP = "run a site profile over saved HTML pages; print the records as JSON lines"
DESCRIPTION = """\
Run a site profile over saved pages and print every record it extracts as one JSON line.
This is how a new profile is written and checked: save a few pages of the site, then iterate on
the YAML until the records are right. Blocked pages (captcha, login wall …) are reported as such.

The page's URL decides which page rule applies; give it with --url when the file name does not
say it (e.g. `--url http://host/item?id=7`), or let narcoscope read a `<!-- url: … -->` comment or
`<link rel=canonical>` from the file."""


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("parse", help=HELP, description=DESCRIPTION, formatter_class=Formatter)
    p.add_argument("--profile", required=True, help="profile name (config/sites/NAME.yaml) or a path")
    p.add_argument("--url", help="the URL (or path) the page was fetched from (default: read from the file)")
    p.add_argument("--links", action="store_true", help="also print the links the crawler would follow")
    p.add_argument("pages", nargs="+", type=Path, metavar="PAGE", help="saved HTML files")
    p.set_defaults(func=run)


def _url_of(path: Path, html: str, base: str) -> str:
    import re

    m = re.search(r"<!--\s*url:\s*(\S+)\s*-->", html) or re.search(
        r"<link[^>]+rel=[\"']canonical[\"'][^>]+href=[\"']([^\"']+)", html)
    if m:
        url = m.group(1)
        return url if "://" in url else base + url
    return f"{base}/{path.name}"


def run(args: argparse.Namespace) -> int:
    from crawler.profiles import ProfileError, load_profile, parse_page
    from narcoscope.cli import UserError

    try:
        profile = load_profile(args.profile)
    except ProfileError as exc:
        raise UserError(str(exc)) from None
    for path in args.pages:
        if not path.exists():
            raise UserError(f"no such file: {path}")
        html = path.read_text(encoding="utf-8", errors="replace")
        url = args.url or _url_of(path, html, profile.mirrors[0])
        if url.startswith("/"):
            url = profile.mirrors[0] + url
        page = parse_page(profile, url, html)
        if page.blocked:
            _emit({"page": str(path), "url": url, "kind": page.kind, "blocked": page.blocked})
        for rec in page.records:
            _emit({"page": str(path), "type": type(rec).__name__.lower(), **asdict(rec)})
        if args.links:
            _emit({"page": str(path), "url": url, "kind": page.kind, "links": page.links})
        if not page.records and not page.blocked and not args.links:
            _emit({"page": str(path), "url": url, "kind": page.kind, "records": 0})
    return 0


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
