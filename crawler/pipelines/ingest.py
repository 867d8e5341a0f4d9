"""Item pipeline: every record the spider yields goes through the one ingest path."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawler.resources import resources
from narcoscope.records import Listing, Post, Vendor


class IngestPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.res = resources(crawler)
        self.ingestor = self.res.ingestor

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IngestPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, (Listing, Vendor, Post)):
            spider: Any = self.crawler.spider
            self.ingestor.add(item, spider.observed_at, spider.crawl_id)
            self.res.completion.item_ingested(item)
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value(f"narcoscope/items/{type(item).__name__.lower()}")
        return item
