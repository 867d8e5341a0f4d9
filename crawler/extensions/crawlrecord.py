"""Record each crawl in the store: when it ran, how it ended, and its stats.

The crawl's volume (pages and distinct listings this week) goes to the index at the end, as the
denominator of trend counts; the ingest batch is flushed before the crawl is called finished, so a
crawl never reports success while items sit unindexed.
"""

from __future__ import annotations

from datetime import datetime, timezone

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler.resources import resources


class CrawlRecord:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRecord:
        return cls(crawler)

    def spider_opened(self, spider: Spider) -> None:
        res = resources(self.crawler)
        name = spider.profile.name  # type: ignore[attr-defined]
        res.store.begin_crawl(spider.crawl_id, name, spider.observed_at,  # type: ignore[attr-defined]
                              datetime.now(timezone.utc))
        # Last crawl's analysed texts: most of this source's listings and posts come back unchanged.
        res.ingestor.extractor.load_memo(res.paths.extraction_memo(name))

    def spider_closed(self, spider: Spider, reason: str) -> None:
        res = resources(self.crawler)
        ingestor = res.ingestor
        status = "finished" if reason in ("finished", "closespider_pagecount") else "failed"
        if self.crawler.stats and any(k.startswith("narcoscope/fatal/") for k in self.crawler.stats.get_stats()):
            status = "failed"
        try:
            ingestor.record_volume(spider.profile.name, spider.observed_at)  # type: ignore[attr-defined]
            ingestor.flush()
            ingestor.extractor.save_memo(res.paths.extraction_memo(spider.profile.name))  # type: ignore[attr-defined]
        except Exception:
            status = "failed"
            spider.logger.exception("could not flush the crawl's records to the index")
            raise
        finally:
            stats = dict(self.crawler.stats.get_stats()) if self.crawler.stats else {}
            stats.update({f"narcoscope/ingest/{k}": v for k, v in ingestor.stats.as_dict().items()})
            if status == "finished" and stats.get("log_count/ERROR"):
                status = "finished-with-errors"
            spooled = getattr(ingestor.index, "spooled_docs", 0)
            if spooled:
                status = "spooled"
                stats["narcoscope/index/spooled_docs"] = spooled
            res.store.finish_crawl(spider.crawl_id, status, datetime.now(timezone.utc), stats)  # type: ignore[attr-defined]
            ingestor.close()
