"""The generic spider: follows the links its profile allows and yields what pages said.

Site-specific knowledge lives only in the profile (STYLE.md: no per-site branches in Python).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.profiles import SiteProfile, load_profile, parse_page
from crawler.resources import resources
from narcoscope.records import Listing, Post, Vendor


class ProfiledSpider(scrapy.Spider):
    """Crawl one source as of one observation time.

    Arguments (``-a`` on the command line or keywords to ``crawl()``): ``profile`` (name, path or
    :class:`SiteProfile`), ``mirror`` (base URL overriding the profile's first mirror),
    ``observed_at`` (ISO time the snapshot stands for; default: now), ``crawl_id``.
    """

    family: ClassVar[str] = ""

    def __init__(self, profile: SiteProfile | str, mirror: str = "", observed_at: str | datetime = "",
                 crawl_id: str = "", **kwargs: Any) -> None:
        self.profile = profile if isinstance(profile, SiteProfile) else load_profile(profile)
        if self.family and self.profile.kind != self.family:
            raise ValueError(f"profile {self.profile.name!r} is a {self.profile.kind}, not a {self.family}")
        super().__init__(name=self.profile.name, **kwargs)
        self.base_url = (mirror or self.profile.mirrors[0]).rstrip("/")
        if isinstance(observed_at, str):
            observed_at = datetime.fromisoformat(observed_at) if observed_at else datetime.now(timezone.utc)
        self.observed_at = observed_at if observed_at.tzinfo else observed_at.replace(tzinfo=timezone.utc)
        self.crawl_id = crawl_id or f"{self.profile.name}@{self.observed_at.strftime('%Y%m%dT%H%M%S')}"
        hosts = {m.split("://", 1)[1].split("/", 1)[0].split(":")[0] for m in (self.base_url, *self.profile.mirrors)}
        self.allowed_domains = sorted(hosts)
        self._requested: set[str] = set()

    @property
    def request_meta(self) -> dict[str, Any]:
        """Onion sources (or all, with TOR_ALL_TRAFFIC) get their own Tor circuit, named by source."""
        if self.profile.onion or ".onion" in self.base_url or self.settings.getbool("TOR_ALL_TRAFFIC"):
            return {"tor_source": self.profile.name}
        return {}

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for path in self.profile.start:
            yield scrapy.Request(self.base_url + path, callback=self.parse, errback=self.on_error,
                                 meta=self.request_meta)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Listing | Vendor | Post | scrapy.Request]:
        if not isinstance(response, TextResponse):  # the content-type middleware lets only text through
            return
        digest = response.meta.get("page_digest", "")
        page = parse_page(
            self.profile, response.url, response.text, status=response.status, digest=digest,
            sel=response.selector, check_blocked=False,  # the evidence middleware classified it
        )
        self.crawler.stats.inc_value(f"narcoscope/pages/{page.kind}")
        if not page.records and page.kind in ("listing", "vendor", "thread"):
            self.crawler.stats.inc_value(f"narcoscope/empty/{page.kind}")
            self.logger.warning("no record read from %s page %s", page.kind, response.url)
        yield from page.records
        for link in page.links:
            # Every page repeats the site's navigation: drop URLs this crawl already requested before
            # they cost a Request, the spider middlewares and a fingerprint (the frontier dedupes too).
            if link in self._requested:
                continue
            self._requested.add(link)
            yield response.follow(link, callback=self.parse, errback=self.on_error, meta=self.request_meta)

    def on_error(self, failure: Failure) -> None:
        """A request that ends without a parsed page: blocked/refused (recorded) or failed (counted)."""
        request = getattr(failure, "request", None)
        fp = request.meta.get("frontier_fp") if request is not None else None
        completion = resources(self.crawler).completion
        if failure.check(IgnoreRequest):
            if request is not None and "page_digest" not in request.meta and not request.meta.get("blocked"):
                # refused before it could be kept (size limit, decompression bomb, content type)
                self.crawler.stats.inc_value("narcoscope/refused")  # type: ignore[union-attr]
                self.logger.warning("refused %s: %s", request.url, failure.getErrorMessage())
            if fp:
                completion.page_without_output(fp)
            return
        self.crawler.stats.inc_value("narcoscope/failed")  # type: ignore[union-attr]
        self.logger.error("gave up on %s: %s", request.url if request else "?", failure.getErrorMessage())
        if fp:
            completion.failed.append(fp)


class MarketSpider(ProfiledSpider):
    """Marketplaces: category/search index pages → listing pages → vendor pages, paginated."""

    name = "market"
    family = "market"


class ForumSpider(ProfiledSpider):
    """Forums: boards → threads → posts, paginated."""

    name = "forum"
    family = "forum"


def spider_for(profile: SiteProfile) -> type[ProfiledSpider]:
    return MarketSpider if profile.kind == "market" else ForumSpider

