"""``narcoscope search``: search listings and posts from the terminal."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

HELP = "search listings and posts (query language, filters, facets)"
DESCRIPTION = """\
Search the index with the query language analysts know from Kibana:

  words and "phrases", AND / OR / NOT, parentheses, -word
  field:value      substance: class: vendor: market: from: to: lang: kind:
  ranges           price_usd:[10 TO 50]  price_usd:>100  seen:[2026-01-01 TO *]
  wildcards        mdmb*

The filter options below are shortcuts that add field clauses to the query."""

EPILOG = """\
examples:
  narcoscope search 'substance:bromazolam' --facets
  narcoscope search 'crystal AND from:NL' --price 10-200 --sort price_asc
  narcoscope search 'class:synthetic_cathinone' --since 2026-08-01 --json"""

FILTERS = (("substance", "substance"), ("class_", "class"), ("market", "market"),
           ("vendor", "vendor"), ("ships_from", "from"), ("ships_to", "to"))


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("search", help=HELP, description=DESCRIPTION, epilog=EPILOG, formatter_class=Formatter)
    p.add_argument("query", nargs="?", default="", help="query in the narcoscope query language")
    p.add_argument("--substance", help="canonical substance id, e.g. 3-mmc")
    p.add_argument("--class", dest="class_", metavar="CLASS", help="substance class, e.g. nitazene")
    p.add_argument("--market", help="source name")
    p.add_argument("--vendor", help="vendor name")
    p.add_argument("--ships-from", help="origin code (ISO 3166, EU, WW, XX)")
    p.add_argument("--ships-to", help="destination code")
    p.add_argument("--price", metavar="MIN-MAX", help="USD price range, e.g. 10-50 or 100-")
    p.add_argument("--since", metavar="DATE", help="seen on or after this date")
    p.add_argument("--until", metavar="DATE", help="seen on or before this date")
    p.add_argument("--kind", choices=("listing", "post"), help="only listings or only posts")
    p.add_argument("--sort", default="relevance",
                   choices=("relevance", "newest", "price_asc", "price_desc", "last_seen"))
    p.add_argument("-n", "--limit", type=int, default=20, help="results per page")
    p.add_argument("--offset", type=int, default=0, help="skip this many results")
    p.add_argument("--facets", action="store_true", help="also print facet counts")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--home", help="data directory (default: $NARCOSCOPE_HOME or ./var)")
    p.add_argument("--index", help="index URL (default: $NARCOSCOPE_INDEX or sqlite in --home)")
    p.set_defaults(func=run)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def build_query(args: argparse.Namespace) -> str:
    """The query plus one field clause per filter option, all ANDed."""
    parts = [f"({args.query})"] if args.query.strip() else []
    for attr, field in FILTERS:
        value = getattr(args, attr)
        if value:
            parts.append(f"{field}:{_quote(value)}")
    if args.price:
        low, _, high = args.price.partition("-")
        parts.append(f"price_usd:[{low.strip() or '*'} TO {high.strip() or '*'}]")
    if args.since or args.until:
        parts.append(f"seen:[{args.since or '*'} TO {args.until or '*'}]")
    return " AND ".join(parts)


def run(args: argparse.Namespace) -> int:
    from index import open_index
    from index.base import FACET_FIELDS, InvalidRequestError, SearchRequest
    from index.query import QuerySyntaxError
    from narcoscope.cli import UserError
    from narcoscope.paths import Paths

    paths = Paths.from_env(args.home, args.index)
    req = SearchRequest(query=build_query(args), kind=args.kind, sort=args.sort, size=args.limit,
                        offset=args.offset, facets=list(FACET_FIELDS) if args.facets else [])
    idx = open_index(paths.index_url)
    try:
        result = idx.search(req)
    except (QuerySyntaxError, InvalidRequestError) as exc:
        raise UserError(str(exc)) from None
    finally:
        idx.close()
    if args.json:
        from index.documents import to_json

        out = {"query": req.query, "total": result.total, "took_ms": result.took_ms,
               "hits": [to_json(h.doc) for h in result.hits], "facets": result.facets}
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1, default=str)
        sys.stdout.write("\n")
        return 0
    _print_table(req.query, result)
    return 0


def _print_table(query: str, result: Any) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    bound = "≥" if result.total_is_lower_bound else ""
    table = Table(title=f"{bound}{result.total} results for {query or '*'}  ({result.took_ms:.0f} ms)",
                  title_justify="left")
    for col in ("source", "title", "substances", "vendor", "from", "price", "USD", "last seen"):
        table.add_column(col, overflow="fold")
    for hit in result.hits:
        d = hit.doc
        usd = f"{d.price_usd:,.2f}" if d.price_usd is not None else ""
        # Text(): scraped strings are never interpreted as console markup.
        table.add_row(*(Text(x) for x in (d.source, d.title[:70], ", ".join(d.substances), d.vendor,
                                          d.ships_from, d.price_display[:28], usd, f"{d.last_seen:%Y-%m-%d}")))
    console.print(table)
    for field, counts in result.facets.items():
        if counts:
            console.print(Text(f"{field}: " + ", ".join(f"{v} ({n})" for v, n in counts[:10])))
