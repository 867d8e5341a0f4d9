"""Close a finished crawl promptly instead of on Scrapy's 5-second engine heartbeat.

Scrapy notices that a spider is idle only when a request is scheduled or the engine heartbeat
fires (every 5 s). narcoscope runs many short crawls in a row (one per source and observation
time), so each would idle for up to 5 s after its last page: on the demo's 130 crawls that is
minutes of nothing. The heartbeat is a class attribute of the engine with no setting, so this
extension sets it on the crawl's engine instance from ``NARCOSCOPE_ENGINE_HEARTBEAT``.
"""

from __future__ import annotations

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class EngineHeartbeat:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler, self.interval = crawler, interval
        crawler.signals.connect(self.engine_started, signal=signals.engine_started)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EngineHeartbeat:
        interval = crawler.settings.getfloat("NARCOSCOPE_ENGINE_HEARTBEAT", 0.0)
        if interval <= 0:
            raise NotConfigured
        return cls(crawler, interval)

    def engine_started(self) -> None:
        if self.crawler.engine is not None:
            self.crawler.engine._SLOT_HEARTBEAT_INTERVAL = self.interval  # type: ignore[misc]
