"""The crawl frontier in narcoscope's own store: a `kill -9` at any moment, a restart, and the
crawl resumes without losing or duplicating anything.

Scrapy's JOBDIR keeps pickled queues beside the data; here the frontier is a table in the record
store, written on the same connection and in the same transactions as the pages and records. A
request is marked *done* only once its page is stored and every record it yielded has been
ingested, so the committed state is always a consistent prefix of the crawl: on restart, requests
left *inflight* go back to *pending* and are fetched again (re-ingesting is idempotent).
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.utils.request import request_from_dict

from crawler.resources import resources

log = logging.getLogger(__name__)


class StoreFrontier:
    """A Scrapy scheduler backed by the ``frontier`` table (also the crawl's dupefilter)."""

    BATCH = 64
    MEMO_MAX = 10_000  # requests kept as objects until fetched (beyond: rebuilt from their row)

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.res = resources(crawler)
        self.res.frontier = self
        self.db = self.res.store.db
        self.buffer: deque[Request] = deque()
        self.pending = 0
        self.seq = 0
        self.crawl_id = ""
        self.spider: Spider | None = None
        self.seen: set[str] = set()  # fingerprints already in the frontier: most links are repeats
        # The row is the durable copy; the object enqueued this session saves decoding it again.
        self.memo: dict[str, Request] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreFrontier:
        return cls(crawler)

    def fingerprint(self, request: Request) -> str:
        assert self.crawler.request_fingerprinter is not None
        return self.crawler.request_fingerprinter.fingerprint(request).hex()

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.crawl_id = spider.crawl_id  # type: ignore[attr-defined]
        resumed = self.db.execute(
            "UPDATE frontier SET state='pending' WHERE crawl_id=? AND state='inflight'", (self.crawl_id,)).rowcount
        self.pending = self.db.execute(
            "SELECT count(*) FROM frontier WHERE crawl_id=? AND state='pending'", (self.crawl_id,)).fetchone()[0]
        self.seq = self.db.execute(
            "SELECT coalesce(max(seq), 0) FROM frontier WHERE crawl_id=?", (self.crawl_id,)).fetchone()[0]
        self.seen = {r[0] for r in self.db.execute("SELECT fp FROM frontier WHERE crawl_id=?", (self.crawl_id,))}
        self.db.commit()
        if self.pending:
            log.info("resuming crawl %s: %d request(s) pending (%d were in flight)", self.crawl_id,
                     self.pending, resumed)
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("narcoscope/frontier/resumed", self.pending)

    def close(self, reason: str) -> None:
        self.res.store.commit()

    def has_pending_requests(self) -> bool:
        return bool(self.buffer) or self.pending > 0

    def enqueue_request(self, request: Request) -> bool:
        try:
            return self._enqueue(request)
        except Exception:  # the engine would swallow it: a lost request must be loud and counted
            log.exception("could not add %s to the frontier", request.url)
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("narcoscope/frontier/errors")
            self.crawler.stats.inc_value("log_count/ERROR")
            return False

    def _enqueue(self, request: Request) -> bool:
        fp = self.fingerprint(request)
        if request.dont_filter:
            fp = f"{fp}:{self.seq + 1}"
        elif fp in self.seen:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("narcoscope/frontier/duplicate")
            return False
        self.seen.add(fp)
        self.seq += 1
        cur = self.db.execute(
            "INSERT OR IGNORE INTO frontier VALUES (?,?,?,?,?,?)",
            (self.crawl_id, fp, self.seq, request.priority, "pending",
             json.dumps(_jsonable(request_dict(request, self.spider)))),
        )
        if cur.rowcount == 0:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("narcoscope/frontier/duplicate")
            return False
        self.pending += 1
        if len(self.memo) < self.MEMO_MAX:
            self.memo[fp] = request
        return True

    def next_request(self) -> Request | None:
        if not self.buffer and self.pending:
            self._refill()
        return self.buffer.popleft() if self.buffer else None

    def _refill(self) -> None:
        rows = self.db.execute(
            "SELECT fp, request FROM frontier WHERE crawl_id=? AND state='pending'"
            " ORDER BY priority DESC, seq LIMIT ?", (self.crawl_id, self.BATCH)).fetchall()
        self.db.executemany("UPDATE frontier SET state='inflight' WHERE crawl_id=? AND fp=?",
                            [(self.crawl_id, r[0]) for r in rows])
        self.pending -= len(rows)
        for fp, raw in rows:
            request = self.memo.pop(fp, None)
            if request is None:
                request = request_from_dict(json.loads(raw, object_hook=_unbytes), spider=self.spider)
            request.meta["frontier_fp"] = fp
            self.buffer.append(request)

    def mark(self, fps: Iterable[str], state: str) -> None:
        self.db.executemany("UPDATE frontier SET state=? WHERE crawl_id=? AND fp=?",
                            [(state, self.crawl_id, fp) for fp in fps])


def request_dict(request: Request, spider: Spider | None) -> dict[str, Any]:
    """``request.to_dict(spider=spider)``, without its cost.

    Scrapy finds a callback's name with ``inspect.getmembers(spider)`` for every request, which costs
    more than the rest of enqueueing; a bound method of the spider is named by its ``__name__`` once
    checked to be that spider's attribute. Anything else goes through Scrapy's own lookup.
    """
    callback, errback = request.callback, request.errback
    if _spider_method(spider, callback) and _spider_method(spider, errback):
        d: dict[str, Any] = {
            "url": request.url,
            "callback": callback.__name__ if callable(callback) else callback,
            "errback": errback.__name__ if callable(errback) else errback,
            "headers": dict(request.headers),
        }
        for attr in request.attributes:
            d.setdefault(attr, getattr(request, attr))
        if type(request) is not Request:
            d["_class"] = type(request).__module__ + "." + type(request).__name__
        return d
    return request.to_dict(spider=spider)


def _spider_method(spider: Spider | None, func: Any) -> bool:
    """Not a callable, or a method bound to ``spider`` reachable under its own name."""
    if not callable(func):
        return True
    name = getattr(func, "__name__", None)
    if spider is None or getattr(func, "__self__", None) is not spider or not isinstance(name, str):
        return False
    found = getattr(spider, name, None)
    return getattr(found, "__func__", None) is getattr(func, "__func__", object())


def _jsonable(value: Any) -> Any:
    """Request dicts hold bytes (headers, body): tag them so they come back as bytes.

    Shared with the Redis frontier (crawler/distributed), which stores requests the same way.
    """
    if isinstance(value, bytes):
        return {"__bytes__": value.decode("latin-1")}
    if isinstance(value, dict):
        return {(k.decode("latin-1") if isinstance(k, bytes) else k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _unbytes(obj: dict[str, Any]) -> Any:
    return obj["__bytes__"].encode("latin-1") if set(obj) == {"__bytes__"} else obj


class PageCompletionMiddleware:
    """Spider middleware: learns which records each page yielded, and when the page is finished."""

    def __init__(self, crawler: Crawler) -> None:
        self.completion = resources(crawler).completion

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageCompletionMiddleware:
        return cls(crawler)

    async def process_spider_output_async(self, response: Any, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        fp = response.meta.get("frontier_fp")
        if fp is not None:
            self.completion.started(fp)
        async for out in result:
            if fp is not None and not isinstance(out, Request):
                self.completion.item(fp, out)
            yield out
        if fp is not None:
            self.completion.output_finished(fp)

    def process_spider_output(self, response: Any, result: Iterable[Any]) -> Iterable[Any]:
        fp = response.meta.get("frontier_fp")
        if fp is not None:
            self.completion.started(fp)
        for out in result:
            if fp is not None and not isinstance(out, Request):
                self.completion.item(fp, out)
            yield out
        if fp is not None:
            self.completion.output_finished(fp)
