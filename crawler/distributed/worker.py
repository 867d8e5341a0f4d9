"""A crawl worker: ``python -m crawler.distributed.worker SOURCE --observed-at T --redis URL``.

Start the same command on several machines (or several times on one): the workers share the
crawl's frontier in Redis and each fetches a part of the site. Each worker files its pages under
its own crawl id (``SOURCE@OBSERVED~WORKER``), so the evidence says which worker fetched what;
listings and observations are keyed by source and observation time, so the index holds one copy.
Each worker uses its own Tor client (``--tor-socks``, i.e. ``TOR_SOCKS``).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import socket
import sys
from datetime import datetime, timezone
from typing import Any

log = logging.getLogger(__name__)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m crawler.distributed.worker", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source")
    p.add_argument("--observed-at", required=True, help="ISO time the crawl stands for (all workers alike)")
    p.add_argument("--redis", default=os.environ.get("NARCOSCOPE_REDIS_URL", ""), help="redis://host:port/db")
    p.add_argument("--worker-id", default=f"{socket.gethostname()}-{os.getpid()}")
    p.add_argument("--mirror", default="", help="base URL instead of the profile's first mirror")
    p.add_argument("--home", help="data directory (shared store): default $NARCOSCOPE_HOME")
    p.add_argument("--index", help="index URL (shared): default $NARCOSCOPE_INDEX")
    p.add_argument("--tor-socks", default=os.environ.get("TOR_SOCKS", ""), help="this worker's Tor SocksPort")
    p.add_argument("--lease", type=float, default=30.0, help="seconds a request stays leased without renewal")
    p.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a Scrapy setting")
    p.add_argument("--log-level", default="WARNING")
    return p.parse_args(argv)


def worker_settings(args: argparse.Namespace) -> dict[str, Any]:
    from crawler.distributed.scheduler import DISTRIBUTED

    out: dict[str, Any] = {**DISTRIBUTED, "NARCOSCOPE_REDIS_URL": args.redis, "NARCOSCOPE_WORKER_ID": args.worker_id,
                           "NARCOSCOPE_REDIS_LEASE": args.lease, "LOG_LEVEL": args.log_level}
    if args.home:
        out["NARCOSCOPE_HOME"] = args.home
    if args.index:
        out["NARCOSCOPE_INDEX"] = args.index
    if args.tor_socks:
        out["TOR_SOCKS"] = args.tor_socks
    for pair in args.set:
        name, _, value = pair.partition("=")
        out[name] = value
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Crawl until the shared frontier is empty; return this worker's stats."""
    from scrapy.crawler import AsyncCrawlerProcess, Crawler

    from crawler.profiles import load_profile
    from crawler.run import build_settings
    from crawler.settings import source_settings
    from crawler.spiders.profiled import spider_for

    profile = load_profile(args.source)
    when = datetime.fromisoformat(args.observed_at)
    when = when if when.tzinfo else when.replace(tzinfo=timezone.utc)
    settings = build_settings(worker_settings(args))
    settings.setdict(source_settings(profile), priority="spider")
    process = AsyncCrawlerProcess(settings)
    crawler = Crawler(spider_for(profile), settings)
    crawl_id = f"{profile.name}@{when.strftime('%Y%m%dT%H%M%S')}~{args.worker_id}"
    process.crawl(crawler, profile=profile, mirror=args.mirror, observed_at=when, crawl_id=crawl_id)
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    return {"worker": args.worker_id, "crawl_id": crawl_id, **stats}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.redis:
        print("worker: --redis (or NARCOSCOPE_REDIS_URL) is required", file=sys.stderr)
        return 2
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    stats = run(args)
    print(json.dumps(stats, default=str, sort_keys=True), flush=True)
    ok = stats.get("finish_reason") == "finished" and not stats.get("log_count/ERROR")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
