"""``narcoscope crawl``: crawl configured sources now (or as of a given observation time)."""

from __future__ import annotations

import argparse
from datetime import datetime, timezone
from typing import Any

HELP = "crawl one or more configured sources"
DESCRIPTION = """\
Crawl sources configured in config/sites. Every response is kept as evidence; listings, vendors
and posts are extracted and indexed as they arrive. The observation time defaults to now; give
--observed-at to file a crawl under another time (replaying archived snapshots)."""


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("crawl", help=HELP, description=DESCRIPTION, formatter_class=Formatter)
    p.add_argument("sources", nargs="*", metavar="SOURCE",
                   help="source names (see `narcoscope profiles`) or paths to profile files")
    p.add_argument("--all", action="store_true", help="crawl every configured source")
    p.add_argument("--observed-at", help="ISO time the crawl stands for (default: now)")
    p.add_argument("--mirror", help="base URL to use instead of the profile's first mirror")
    p.add_argument("--home", help="data directory (default: $NARCOSCOPE_HOME or ./var)")
    p.add_argument("--index", help="index URL (default: $NARCOSCOPE_INDEX or sqlite in --home)")
    p.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                   help="override a crawler setting (Scrapy's or NARCOSCOPE_*), e.g. -s DOWNLOAD_DELAY=2")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from crawler.profiles import ProfileError, load_profile, load_profiles
    from crawler.run import CrawlJob, run_crawls
    from narcoscope.cli import UserError

    try:
        profiles = load_profiles()
        for arg in list(args.sources):
            if arg.endswith((".yaml", ".yml")):
                prof = load_profile(arg)
                profiles[prof.name] = prof
                args.sources[args.sources.index(arg)] = prof.name
    except ProfileError as exc:
        raise UserError(str(exc)) from None
    names = list(profiles) if args.all else args.sources
    if not names:
        raise UserError("name at least one source, or --all")
    unknown = [n for n in names if n not in profiles]
    if unknown:
        raise UserError(f"unknown source(s): {', '.join(unknown)}; known: {', '.join(profiles)}")
    when = datetime.fromisoformat(args.observed_at) if args.observed_at else datetime.now(timezone.utc)
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    jobs = [CrawlJob(profiles[n], when, mirror=args.mirror or "") for n in names]
    outcomes = run_crawls(jobs, overrides=_overrides(args), progress=_print_outcome)
    from narcoscope.aftercrawl import after_crawls
    from narcoscope.paths import Paths

    after_crawls(Paths.from_env(args.home, args.index))
    return 0 if outcomes and all(o.ok for o in outcomes) else 1


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    out: dict[str, Any] = {"LOG_LEVEL": "DEBUG" if args.verbose >= 2 else "INFO" if args.verbose else "WARNING"}
    for item in args.set:
        name, sep, value = item.partition("=")
        if not sep or not name:
            from narcoscope.cli import UserError

            raise UserError(f"--set takes NAME=VALUE, got {item!r}")
        out[name] = value
    if args.home:
        out["NARCOSCOPE_HOME"] = args.home
    if args.index:
        out["NARCOSCOPE_INDEX"] = args.index
    return out


def _print_outcome(o: Any) -> None:
    blocked = o.stats.get("narcoscope/blocked", 0)
    errors = o.stats.get("log_count/ERROR", 0)
    state = "ok" if o.ok else f"FAILED ({o.stats.get('finish_reason')})"
    print(f"{o.source:<16} {o.observed_at:%Y-%m-%d %H:%M}  pages {o.pages:>5}  listings {o.listings:>5}"
          f"  blocked {blocked:>3}  errors {errors:>3}  {state}", flush=True)
