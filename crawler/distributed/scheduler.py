"""Scrapy scheduler and dupefilter on a Redis frontier shared by crawl workers on several machines.

Enable on each worker (``SCHEDULER`` + ``DUPEFILTER_CLASS``, see ``DISTRIBUTED``); every worker
crawling the same source and observation time shares one frontier, keyed ``SOURCE@OBSERVED``.
A request leaves the shared frontier only once its page is stored and its records committed:
the worker hands out requests tagged ``frontier_fp`` and the crawl's page-completion bookkeeping
(``crawler/completion.py``) reports them finished through :meth:`RedisScheduler.mark`, like the
single-machine ``StoreFrontier``. Until then the request is leased to the worker; a worker that
dies stops renewing, and the others take its requests back.

Settings: ``NARCOSCOPE_REDIS_URL`` (required), ``NARCOSCOPE_REDIS_LEASE`` (seconds, default 30),
``NARCOSCOPE_WORKER_ID`` (default host:pid), ``NARCOSCOPE_REDIS_BATCH`` (requests per pop, 8),
``NARCOSCOPE_STORE_BUSY_TIMEOUT`` (seconds to wait for the shared SQLite store's write lock, 120)
and ``NARCOSCOPE_STORE_COMMIT_SECONDS`` (longest write transaction, 0.5).
"""

from __future__ import annotations

import json
import logging
import os
import socket
from collections import deque
from collections.abc import Iterable
from typing import Any

import redis
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.dupefilters import BaseDupeFilter
from scrapy.exceptions import NotConfigured
from scrapy.utils.request import request_from_dict
from twisted.internet import task

from crawler.distributed.queue import RedisFrontier
from crawler.distributed.volume import SharedVolume
from crawler.frontier import _jsonable, _unbytes
from crawler.resources import resources

log = logging.getLogger(__name__)

DISTRIBUTED: dict[str, Any] = {
    "SCHEDULER": "crawler.distributed.scheduler.RedisScheduler",
    "DUPEFILTER_CLASS": "crawler.distributed.scheduler.RedisDupeFilter",
}


def crawl_key(spider: Spider) -> str:
    """What workers share: one source at one observation time (not the per-worker crawl id)."""
    return f"{spider.profile.name}@{spider.observed_at.strftime('%Y%m%dT%H%M%S')}"  # type: ignore[attr-defined]


def _client(crawler: Crawler) -> redis.Redis:
    url = crawler.settings.get("NARCOSCOPE_REDIS_URL")
    if not url:
        raise NotConfigured("NARCOSCOPE_REDIS_URL is not set")
    return redis.Redis.from_url(url, socket_timeout=10, health_check_interval=30)


class RedisDupeFilter(BaseDupeFilter):
    """Seen-set in Redis. The scheduler's push is dupe-checked atomically; this answers the rest."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.client = _client(crawler)
        self.key = ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisDupeFilter:
        return cls(crawler)

    def fingerprint(self, request: Request) -> str:
        assert self.crawler.request_fingerprinter is not None
        return self.crawler.request_fingerprinter.fingerprint(request).hex()

    def request_seen(self, request: Request) -> bool:
        return bool(self.client.sismember(self.key, self.fingerprint(request)))


class RedisScheduler:
    """The engine's scheduler for a distributed crawl (Scrapy's ``BaseScheduler`` interface)."""

    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.client = _client(crawler)
        self.lease = s.getfloat("NARCOSCOPE_REDIS_LEASE", 30.0)
        self.batch = s.getint("NARCOSCOPE_REDIS_BATCH", 8)
        self.busy_timeout = s.getfloat("NARCOSCOPE_STORE_BUSY_TIMEOUT", 120.0)
        self.commit_seconds = s.getfloat("NARCOSCOPE_STORE_COMMIT_SECONDS", 0.5)
        self.worker = s.get("NARCOSCOPE_WORKER_ID") or f"{socket.gethostname()}:{os.getpid()}"
        self.df = RedisDupeFilter(crawler)
        self.frontier: RedisFrontier | None = None
        self.spider: Spider | None = None
        self.buffer: deque[Request] = deque()
        self.inflight: set[str] = set()  # leased to this worker, not yet acknowledged
        self.settled: list[str] = []  # finished pages, acknowledged after their commit
        self.loop: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisScheduler:
        return cls(crawler)

    # lifecycle ---------------------------------------------------------------------------------
    def open(self, spider: Spider) -> None:
        self.spider = spider
        key = crawl_key(spider)
        self.frontier = RedisFrontier(self.client, key, self.worker, self.lease)
        self.df.key = self.frontier.keys.seen
        res = resources(self.crawler)
        res.frontier = self  # type: ignore[assignment]  # the same hook as StoreFrontier
        # Workers share the record store: wait for the other writers instead of failing at 5 s,
        # and hold the write lock for short transactions so that they get their turn.
        res.store.db.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        res.ingestor.commit_seconds = min(res.ingestor.commit_seconds, self.commit_seconds)
        res.ingestor.volume_share = SharedVolume(self.client, res.store).publish  # stores may be per host
        self.loop = task.LoopingCall(self._keepalive)
        self.loop.start(max(min(self.lease / 3, self.commit_seconds), 0.1), now=False)
        log.info("worker %s joins shared frontier %s (%d pending)", self.worker, key, self.frontier.pending())

    def close(self, reason: str) -> None:
        if self.loop and self.loop.running:
            self.loop.stop()
        self._settle()
        if self.inflight and self.frontier:  # not finished here: hand them back at once
            log.info("returning %d unfinished request(s) to the shared queue", len(self.inflight))
            self.client.zadd(self.frontier.keys.processing, dict.fromkeys(self.inflight, 0), xx=True)

    # the engine's interface --------------------------------------------------------------------
    def has_pending_requests(self) -> bool:
        """True while anything is queued or in flight on any worker: a dead worker's leases return."""
        assert self.frontier is not None
        return bool(self.buffer) or self.frontier.pending() > 0

    def enqueue_request(self, request: Request) -> bool:
        assert self.frontier is not None
        predecessor = request.meta.pop("frontier_fp", None)  # a retry or redirect of a leased request
        payload = json.dumps(_jsonable(request.to_dict(spider=self.spider)))
        added = self.frontier.push(self.df.fingerprint(request), payload, request.priority, request.dont_filter)
        if predecessor is not None:  # its successor is queued: the original is done, with nothing to commit
            self.frontier.ack([predecessor])
            self.inflight.discard(predecessor)
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("narcoscope/distributed/enqueued" if added else "narcoscope/distributed/duplicate")
        return added

    def next_request(self) -> Request | None:
        if not self.buffer:
            assert self.frontier is not None
            for fp, raw in self.frontier.pop(self.batch):
                request = request_from_dict(json.loads(raw, object_hook=_unbytes), spider=self.spider)
                request.meta["frontier_fp"] = fp
                self.inflight.add(fp)
                self.buffer.append(request)
        if not self.buffer:
            return None
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("narcoscope/distributed/dequeued")
        return self.buffer.popleft()

    # completion -------------------------------------------------------------------------------
    def mark(self, fps: Iterable[str], state: str) -> None:
        """Called just before the store commits finished pages; acknowledged after that commit."""
        self.settled.extend(fps)

    def _keepalive(self) -> None:
        """Renew this worker's leases; commit finished pages so that they can be acknowledged."""
        try:
            res = resources(self.crawler)
            if res.completion.completed or res.completion.failed or res.store.db.in_transaction:
                res.ingestor.flush()  # runs mark() then commits: never a write lock held for long
            self._settle()
            if self.frontier and self.inflight:
                self.frontier.renew(sorted(self.inflight))
        except Exception:  # a looping call that raises stops for good: log, count, keep going
            log.exception("distributed frontier keep-alive failed")
            if self.crawler.stats:
                self.crawler.stats.inc_value("narcoscope/distributed/errors")

    def _settle(self) -> None:
        if self.settled and self.frontier:
            done, self.settled = self.settled, []
            self.frontier.ack(done)
            self.inflight.difference_update(done)
