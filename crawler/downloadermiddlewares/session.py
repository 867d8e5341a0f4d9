"""Replay an analyst-supplied session, and notice when it has expired.

Markets often need a login. narcoscope never logs in, creates accounts or solves CAPTCHAs: the
analyst supplies a session cookie through the environment or a secrets file outside the
repository (the profile names only *where* it is). The value is sent as a Cookie header and never
logged. When pages keep hitting the profile's ``login-wall`` rule, the session has expired: the
crawl stops with ``session_expired`` and says so, instead of crawling garbage.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from crawler.profiles.model import SessionSpec

log = logging.getLogger(__name__)
LOGIN_WALL = "login-wall"


class SessionError(Exception):
    """The profile asks for a session that was not supplied."""


def load_cookie(spec: SessionSpec, source: str) -> str:
    if spec.cookies_env:
        value = os.environ.get(spec.cookies_env, "")
        if value:
            return value.strip()
    if spec.cookies_file:
        path = Path(spec.cookies_file).expanduser()
        if path.exists():
            return path.read_text(encoding="utf-8").strip()
    where = " or ".join(x for x in (f"${spec.cookies_env}" if spec.cookies_env else "", spec.cookies_file) if x)
    raise SessionError(f"source {source!r} needs a session cookie in {where}; none was found")


class SessionMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.cookie: str | None = None
        self.missing = ""
        self.walls = 0
        self.content = 0
        self._closing: asyncio.Future[None] | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SessionMiddleware:
        return cls(crawler)

    def spider_opened(self, spider: Any) -> None:
        spec: SessionSpec | None = spider.profile.session
        if spec is None:
            return
        try:
            self.cookie = load_cookie(spec, spider.profile.name)
        except SessionError as exc:
            self.missing = str(exc)
            log.error("%s", exc)
            self._fatal("session_missing")

    def process_request(self, request: Request) -> None:
        if self.missing:  # without its session a members-only site shows only login walls: fetch nothing
            raise IgnoreRequest(self.missing)
        if self.cookie and b"Cookie" not in request.headers:
            request.headers[b"Cookie"] = self.cookie.encode("latin-1")

    def content_page(self) -> None:
        self.content += 1

    def login_wall(self, spider: Any) -> None:
        """Called by the evidence middleware for each page the profile says is a login wall.

        Expired when the walls reach the profile's limit, or when the very first pages are walls.
        """
        if spider.profile.session is None:
            return
        self.walls += 1
        if self.walls == spider.profile.session.expired_after or (self.content == 0 and self.walls == 1):
            log.error("the session for %s appears to have expired (%d login-wall pages): supply a fresh "
                      "one; the crawl stops here", spider.profile.name, self.walls)
            self._fatal("session_expired")

    def _fatal(self, reason: str) -> None:
        """Stop the crawl; ``narcoscope/fatal/*`` stats make it a failed crawl wherever it is reported."""
        assert self.crawler.stats is not None
        self.crawler.stats.set_value(f"narcoscope/fatal/{reason}", 1)
        engine = self.crawler.engine
        if engine is not None:
            self._closing = asyncio.ensure_future(engine.close_spider_async(reason=reason))
