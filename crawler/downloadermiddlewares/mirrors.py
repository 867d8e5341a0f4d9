"""Mirror failover: a source's dead mirror is backed off and the crawl moves to another.

Markets publish several addresses (onion mirrors) and some are down at any moment. Requests to a
mirror that fails at the connection level are re-issued on the next usable mirror; the dead one
is retried only after an exponential back-off (crawler/tor/mirrors.py). Responses mark a mirror
alive again. When every mirror is backing off, requests are refused and counted, not hammered.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response
from twisted.internet.error import ConnectError, ConnectionLost, DNSLookupError, TCPTimedOutError, TimeoutError

from crawler.tor.errors import TorError, TorNotConfiguredError
from crawler.tor.mirrors import MirrorPool, origin

log = logging.getLogger(__name__)
CONNECTION_FAILURES = (
    DownloadConnectionRefusedError, DownloadTimeoutError, CannotResolveHostError, DownloadFailedError,  # Scrapy ≥ 2.14
    ConnectError, ConnectionLost, DNSLookupError, TCPTimedOutError, TimeoutError, ConnectionRefusedError, TorError,
)


class MirrorFailoverMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.pool: MirrorPool | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MirrorFailoverMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        mirrors = [spider.base_url, *(m for m in spider.profile.mirrors if origin(m) != origin(spider.base_url))]
        self.pool = MirrorPool(mirrors, base_delay=self.crawler.settings.getfloat("NARCOSCOPE_MIRROR_BACKOFF", 30.0))

    def process_request(self, request: Request) -> Request | None:
        if self.pool is None or not self.pool.owns(request.url):
            return None
        mirror = self.pool.pick()
        if mirror is None:
            self._inc("narcoscope/mirror/all_backing_off")
            raise IgnoreRequest(f"every mirror is backing off ({self.pool.retry_in():.0f}s to go)")
        if origin(request.url) != mirror:
            return request.replace(url=self.pool.rewrite(request.url, mirror), dont_filter=True)
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if self.pool is not None and self.pool.owns(response.url):
            self.pool.mark_alive(response.url)
        return response

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        if self.pool is None or not self.pool.owns(request.url) or not isinstance(exception, CONNECTION_FAILURES):
            return None
        if isinstance(exception, TorNotConfiguredError):  # a set-up problem, not a dead mirror
            return None
        delay = self.pool.mark_dead(request.url, type(exception).__name__)
        self._inc("narcoscope/mirror/dead")
        log.warning("mirror %s failed (%s): backing off %.0fs", origin(request.url), type(exception).__name__, delay)
        mirror = self.pool.pick()
        if mirror is None:
            return None  # let retries and the errback record the failure
        return request.replace(url=self.pool.rewrite(request.url, mirror), dont_filter=True)

    def _inc(self, key: str) -> None:
        if self.crawler.stats is not None:
            self.crawler.stats.inc_value(key)
