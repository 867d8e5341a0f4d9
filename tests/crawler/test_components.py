"""Crawler components built from a crawler and called directly (Scrapy's first test tier)."""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler

from crawler.downloadermiddlewares.contenttype import ContentTypeMiddleware
from crawler.downloadermiddlewares.evidence import EvidenceMiddleware
from crawler.profiles import load_profile
from crawler.settings import BASE
from crawler.spiders.profiled import ForumSpider, MarketSpider
from store import PageStore

PROFILE = textwrap.dedent("""\
    name: mini
    kind: market
    mirrors: ["http://127.0.0.1:9999"]
    start: ["/"]
    blocked:
      - {reason: captcha, css: "form#captcha"}
      - {reason: not-found, status: 404}
    pages:
      index: {match: '^/$'}
      listing:
        match: '^/item/(?P<id>\\d+)'
        record: listing
        fields: {listing_id: {url: id}, title: h1}
    """)


@pytest.fixture
def crawler(tmp_path: Path) -> Any:
    (tmp_path / "mini.yaml").write_text(PROFILE)
    profile = load_profile(tmp_path / "mini.yaml")
    settings = {**BASE, "NARCOSCOPE_HOME": str(tmp_path / "home"),
                "NARCOSCOPE_INDEX": f"sqlite:///{tmp_path / 'home' / 'index.db'}"}
    c = get_crawler(MarketSpider, settings)
    c.spider = c._create_spider(profile=profile, observed_at=datetime(2026, 5, 4, 12, tzinfo=timezone.utc))
    return c


def _resp(url: str, body: bytes, status: int = 200, ctype: bytes = b"text/html; charset=utf-8") -> HtmlResponse:
    return HtmlResponse(url, status=status, body=body, headers={b"Content-Type": ctype}, request=Request(url))


def test_evidence_keeps_every_body_and_marks_non_content(crawler: Any, tmp_path: Path) -> None:
    mw = EvidenceMiddleware.from_crawler(crawler)
    ok = _resp("http://127.0.0.1:9999/item/1", b"<h1>5g MDMA</h1>")
    assert mw.process_response(ok.request, ok) is ok
    digest = ok.request.meta["page_digest"]
    captcha = _resp("http://127.0.0.1:9999/item/2", b"<form id='captcha'></form>")
    with pytest.raises(IgnoreRequest, match="captcha"):
        mw.process_response(captcha.request, captcha)
    gone = _resp("http://127.0.0.1:9999/item/3", b"not here", status=404)
    with pytest.raises(IgnoreRequest, match="not-found"):
        mw.process_response(gone.request, gone)
    store = mw.res.store
    mw.res.ingestor.flush()  # the crawl's commit: bodies written off the reactor, then their rows added
    rows = {r["url"]: r for r in store.query("SELECT * FROM pages")}
    assert rows["http://127.0.0.1:9999/item/1"]["blocked"] is None
    assert rows["http://127.0.0.1:9999/item/1"]["kind"] == "listing"
    assert rows["http://127.0.0.1:9999/item/2"]["blocked"] == "captcha"
    assert rows["http://127.0.0.1:9999/item/3"]["blocked"] == "not-found"
    assert PageStore(tmp_path / "home" / "pages").get(digest, verify=True) == b"<h1>5g MDMA</h1>"
    assert crawler.stats.get_value("narcoscope/blocked/captcha") == 1
    assert crawler.stats.get_value("narcoscope/evidence/pages") == 3


def test_content_type_allow_list(crawler: Any) -> None:
    mw = ContentTypeMiddleware.from_crawler(crawler)
    html = _resp("http://127.0.0.1:9999/", b"<p>x</p>")
    assert mw.process_response(html.request, html) is html
    exe = Response("http://127.0.0.1:9999/x.exe", body=b"MZ", headers={b"Content-Type": b"application/octet-stream"},
                   request=Request("http://127.0.0.1:9999/x.exe"))
    with pytest.raises(IgnoreRequest):
        mw.process_response(exe.request, exe)
    assert crawler.stats.get_value("narcoscope/refused/content_type") == 1


def test_spider_family_must_match_profile(tmp_path: Path) -> None:
    (tmp_path / "mini.yaml").write_text(PROFILE)
    with pytest.raises(ValueError, match="is a market, not a forum"):
        ForumSpider(profile=load_profile(tmp_path / "mini.yaml"))


def test_safe_defaults() -> None:
    assert BASE["TELNETCONSOLE_ENABLED"] is False
    assert BASE["DOWNLOAD_HANDLERS"]["file"] is None
    assert BASE["DOWNLOAD_MAXSIZE"] <= 16 * 1024 * 1024
    assert "Mozilla/5.0" in BASE["USER_AGENT"] and "narcoscope" not in BASE["USER_AGENT"].lower()

