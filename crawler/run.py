"""Run crawls: one Scrapy crawler per (source, observation time), sequentially in one reactor.

One process can replay many snapshots (the demo's 26 weeks, an archive import) without paying
Scrapy's and the extractor's start-up each time.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess, Crawler
from scrapy.settings import Settings

from crawler.profiles import SiteProfile
from crawler.settings import BASE, source_settings
from crawler.spiders.profiled import spider_for

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CrawlJob:
    profile: SiteProfile
    observed_at: datetime
    mirror: str = ""
    before: Callable[[], None] | None = None  # e.g. switch the demo sites to a week


@dataclass(slots=True)
class CrawlOutcome:
    source: str
    observed_at: datetime
    crawl_id: str
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return int(self.stats.get("narcoscope/evidence/pages", 0))

    @property
    def listings(self) -> int:
        return int(self.stats.get("narcoscope/items/listing", 0))

    @property
    def errors(self) -> int:
        return int(self.stats.get("log_count/ERROR", 0))

    @property
    def ok(self) -> bool:
        """Finished, with no error logged: a crawl with errors is reported, never called clean."""
        return crawl_succeeded(self.stats)


def crawl_succeeded(stats: dict[str, Any]) -> bool:
    """Finished, no error logged, nothing fatal (e.g. an expired session): the one definition of success."""
    return (stats.get("finish_reason") in ("finished", "closespider_pagecount")
            and not stats.get("log_count/ERROR") and not any(k.startswith("narcoscope/fatal/") for k in stats))


def build_settings(overrides: dict[str, Any] | None = None) -> Settings:
    """BASE, then the environment (deployment), then explicit overrides."""
    settings = Settings()
    settings.setdict(BASE, priority="project")
    if os.environ.get("NARCOSCOPE_TOR_SOCKS"):
        settings.set("TOR_SOCKS", os.environ["NARCOSCOPE_TOR_SOCKS"], priority="project")
    if os.environ.get("NARCOSCOPE_TOR_ALL_TRAFFIC"):
        settings.set("TOR_ALL_TRAFFIC", os.environ["NARCOSCOPE_TOR_ALL_TRAFFIC"], priority="project")
    settings.setdict(overrides or {}, priority="cmdline")
    return settings


def run_crawls(
    jobs: Iterable[CrawlJob], *, overrides: dict[str, Any] | None = None,
    progress: Callable[[CrawlOutcome], None] | None = None,
) -> list[CrawlOutcome]:
    """Run the jobs one after another and return what each crawl did."""
    settings = build_settings(overrides)
    for name in ("scrapy", "twisted", "py.warnings"):
        logging.getLogger(name).setLevel(settings.get("LOG_LEVEL", "INFO"))
    process = AsyncCrawlerProcess(settings)
    # Scrapy sets its loggers' levels when the process starts; narcoscope's LOG_LEVEL decides.
    for name in ("scrapy", "twisted", "py.warnings"):
        logging.getLogger(name).setLevel(settings.get("LOG_LEVEL", "INFO"))
    outcomes: list[CrawlOutcome] = []

    async def sequence() -> None:
        for job in jobs:
            if job.before:
                job.before()
            per_source = settings.copy()
            per_source.setdict(source_settings(job.profile), priority="spider")
            crawler = Crawler(spider_for(job.profile), per_source)
            await crawler.crawl_async(profile=job.profile, mirror=job.mirror,
                                      observed_at=job.observed_at)
            spider: Any = crawler.spider
            outcome = CrawlOutcome(job.profile.name, job.observed_at, spider.crawl_id,
                                   dict(crawler.stats.get_stats()) if crawler.stats else {})
            outcomes.append(outcome)
            if progress:
                progress(outcome)

    from twisted.internet import defer, reactor  # installed by the process above

    failure: list[BaseException] = []

    def stop(result: object) -> None:
        if hasattr(result, "value"):  # a twisted Failure: re-raised once the reactor has stopped
            failure.append(result.value)
        reactor.stop()  # type: ignore[attr-defined,misc]

    def start() -> None:
        defer.Deferred.fromFuture(asyncio.ensure_future(sequence())).addBoth(stop)

    reactor.callWhenRunning(start)  # type: ignore[attr-defined]
    process.start(stop_after_crawl=False)
    if failure:
        raise CrawlSequenceError(f"the crawl sequence stopped after {len(outcomes)} crawl(s)") from failure[0]
    return outcomes


class CrawlSequenceError(RuntimeError):
    """A crawl could not even start (bad configuration, store unavailable): nothing is skipped silently."""
