"""Keep every fetched response as evidence, and keep non-content pages out of parsing.

Each body goes to the content-addressed page store and its metadata to the record store *before*
the spider sees it. A page the profile recognises as not content (captcha, login wall, seizure
banner, not-found) is stored with its reason, counted, and never parsed as listings.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse

from crawler.profiles.parse import blocked_reason, path_and_query
from crawler.resources import resources
from narcoscope.records import RawPage


class EvidenceMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.res = resources(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EvidenceMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Any:
        spider: Any = self.crawler.spider
        profile = spider.profile
        digest = self.res.pages.put(response.body)
        reason = None
        if isinstance(response, TextResponse):
            reason = blocked_reason(profile, response.url, response.status, response.text, response.selector)
        elif response.status >= 400:
            reason = f"http-{response.status}"
        rule = profile.rule_for(path_and_query(response.url))
        self.res.store.add_page(RawPage(
            url=response.url, source=profile.name, fetched_at=datetime.now(timezone.utc),
            observed_at=spider.observed_at, status=response.status,
            headers={k.decode("latin-1"): b",".join(v).decode("latin-1") for k, v in response.headers.items()},
            digest=digest, kind=rule.kind if rule else "other",  # type: ignore[arg-type]
            blocked=reason, crawl_id=spider.crawl_id,
        ))
        stats = self.crawler.stats
        assert stats is not None
        stats.inc_value("narcoscope/evidence/pages")
        if reason is None and response.status >= 400:
            reason = f"http-{response.status}"
        if reason is not None:
            stats.inc_value("narcoscope/blocked")
            stats.inc_value(f"narcoscope/blocked/{reason}")
            spider.logger.info("not content (%s): %s", reason, response.url)
            raise IgnoreRequest(f"blocked page: {reason}")
        request.meta["page_digest"] = digest  # the spider reads it as response.meta
        return response
