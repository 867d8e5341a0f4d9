"""Keep every fetched response as evidence, and keep non-content pages out of parsing.

Each body goes to the content-addressed page store, to the crawl's WARC file (ISO 28500, with
capture time and payload digests) and its metadata to the record store, written beside the reactor
(crawler/evidence_writer.py) and committed, with everything the page yielded, only once on disk.
A page the profile recognises as not content (captcha, login wall, seizure banner, not-found) is
stored with its reason, counted, and never parsed as listings.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from crawler.downloadermiddlewares.session import LOGIN_WALL, SessionMiddleware
from crawler.profiles.parse import blocked_reason, path_and_query
from crawler.resources import resources
from narcoscope.records import RawPage
from store import PageStore
from store.warc import WarcLog


class EvidenceMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.res = resources(crawler)
        self.warc: WarcLog | None = None
        self.session: SessionMiddleware | None = None
        self.retry_codes = set(crawler.settings.getlist("RETRY_HTTP_CODES", []))
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    def spider_closed(self) -> None:
        self.res.evidence.close()  # its last rows are added by the crawl's final commit
        if self.warc is not None:
            self.warc.close()

    def _warc_for(self, spider: Any) -> WarcLog:
        if self.warc is None:
            name = spider.crawl_id.replace("/", "_").replace(":", "")
            self.warc = WarcLog(self.res.paths.warc / spider.profile.name / f"{name}.warc.gz")
        return self.warc

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EvidenceMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw._find_session, signal=signals.engine_started)
        return mw

    def _find_session(self) -> None:
        engine = self.crawler.engine
        mws = engine.downloader.middleware.middlewares if engine is not None else ()
        self.session = next((m for m in mws if isinstance(m, SessionMiddleware)), None)

    def process_response(self, request: Request, response: Response) -> Any:
        spider: Any = self.crawler.spider
        profile = spider.profile
        body = response.body
        digest = PageStore.digest(body)
        fetched = datetime.now(timezone.utc)
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, vs in response.headers.items() for v in vs]
        reason = None
        if isinstance(response, TextResponse):
            reason = blocked_reason(profile, response.url, response.status, response.text, response.selector)
        transient = reason is None and response.status in self.retry_codes
        if reason is None and response.status >= 400:
            reason = f"http-{response.status}"
        rule = profile.rule_for(path_and_query(response.url))
        warc = self._warc_for(spider)
        # The body and its WARC record are written off the reactor; the row is added once they are.
        self.res.evidence.submit(RawPage(
            url=response.url, source=profile.name, fetched_at=fetched,
            observed_at=spider.observed_at, status=response.status,
            headers={k: v for k, v in headers},
            digest=digest, kind=rule.kind if rule else "other",  # type: ignore[arg-type]
            blocked=reason, crawl_id=spider.crawl_id, warc_path=str(warc.path),
        ), body, warc, headers)
        self.res.ingestor.flush_if_due()  # runs of index pages yield no items to flush on
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("narcoscope/evidence/pages")
        if transient:
            stats.inc_value(f"narcoscope/transient/http-{response.status}")
            return response  # kept as evidence; the retry middleware tries again
        if reason is not None:
            request.meta["blocked"] = reason
            if reason == LOGIN_WALL and self.session is not None:  # a session may have expired
                self.session.login_wall(spider)
            stats.inc_value("narcoscope/blocked")
            stats.inc_value(f"narcoscope/blocked/{reason}")
            spider.logger.info("not content (%s): %s", reason, response.url)
            raise IgnoreRequest(f"blocked page: {reason}")
        if self.session is not None:
            self.session.content_page()
        request.meta["page_digest"] = digest  # the spider reads it as response.meta
        return response
