"""Refuse responses whose content type is not on the allow-list (no binaries, no scripts)."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

logger = logging.getLogger(__name__)


class ContentTypeMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.allowed = tuple(crawler.settings.getlist("NARCOSCOPE_ALLOWED_CONTENT_TYPES"))
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ContentTypeMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Any:
        raw = response.headers.get(b"Content-Type") or b"text/html"
        ctype = raw.decode("latin-1").split(";")[0].strip().lower()
        if ctype and not ctype.startswith(self.allowed):
            assert self.stats is not None
            self.stats.inc_value("narcoscope/refused/content_type")
            logger.warning("refused %s: content type %r is not allowed", response.url, ctype)
            raise IgnoreRequest(f"content type {ctype!r} not allowed")
        return response
