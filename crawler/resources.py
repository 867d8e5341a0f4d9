"""The store and ingestor one crawl shares between its middlewares, pipeline and extension.

Scrapy builds each component separately from the crawler; they meet here, keyed by crawler, so
there is one record store connection and one ingest batch per crawl.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from crawler.completion import PageCompletion
from crawler.evidence_writer import EvidenceWriter
from narcoscope.ingest import Ingestor
from narcoscope.paths import Paths
from store import PageStore

if TYPE_CHECKING:
    from crawler.frontier import StoreFrontier

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

_BY_CRAWLER: weakref.WeakKeyDictionary[Crawler, CrawlResources] = weakref.WeakKeyDictionary()


class CrawlResources:
    def __init__(self, paths: Paths, batch_size: int, *, evidence_thread: bool = False) -> None:
        self.paths = paths
        self.pages = PageStore(paths.pages)
        self.evidence = EvidenceWriter(self.pages, threaded=evidence_thread)
        self.ingestor = Ingestor(paths, batch_size=batch_size)
        self.completion = PageCompletion()
        self.frontier: StoreFrontier | None = None
        # Order matters: pages are on disk and their rows added, then their requests are marked done.
        self.ingestor.before_commit.append(self._add_written_pages)
        self.ingestor.before_commit.append(self._settle_frontier)
        self.ingestor.extractor.rates.preload()  # before the first page, not in the middle of the crawl

    def _add_written_pages(self) -> None:
        self.evidence.drain(self.store)

    def _settle_frontier(self) -> None:
        """Mark finished pages done in the transaction that commits their records."""
        if self.frontier is None:
            return
        done, failed = self.completion.completed, self.completion.failed
        self.completion.completed, self.completion.failed = [], []
        self.frontier.mark(done, "done")
        self.frontier.mark(failed, "failed")

    @property
    def store(self):  # type: ignore[no-untyped-def]
        return self.ingestor.store


def resources(crawler: Crawler) -> CrawlResources:
    res = _BY_CRAWLER.get(crawler)
    if res is None:
        s = crawler.settings
        paths = Paths.from_env(s.get("NARCOSCOPE_HOME"), s.get("NARCOSCOPE_INDEX"))
        res = CrawlResources(paths, s.getint("NARCOSCOPE_INGEST_BATCH", 500),
                             evidence_thread=s.getbool("NARCOSCOPE_EVIDENCE_THREAD"))
        _BY_CRAWLER[crawler] = res
    return res
