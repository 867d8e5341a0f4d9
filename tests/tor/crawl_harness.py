"""Run one small crawl in a fresh process and write what happened as JSON.

Usage: ``python tests/tor/crawl_harness.py CONFIG.json``. A fresh process gives each crawl its own
reactor, and lets an audit hook, installed before anything else is imported, record every host
name this process asks the system resolver about (``socket.getaddrinfo``/``gethostbyname``…).
Config keys: ``mode`` ("scrapy" or "requests-socks5", the latter a deliberately leaky control),
``requests`` ([[url, tor_source or null], ...]), ``settings`` (Scrapy settings), ``out`` (path).
"""

from __future__ import annotations

import sys

RESOLVED: list[str] = []
_RESOLVER_EVENTS = {
    "socket.getaddrinfo",
    "socket.gethostbyname",
    "socket.gethostbyname_ex",
    "socket.gethostbyaddr",
}


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event in _RESOLVER_EVENTS and args:
        host = args[0]
        RESOLVED.append(host.decode() if isinstance(host, bytes) else str(host))


sys.addaudithook(_audit)

# Imports below this line are covered by the audit hook.
import json  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402
from urllib.parse import urlparse  # noqa: E402


def run_scrapy(cfg: dict[str, Any]) -> dict[str, Any]:
    import scrapy
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    result: dict[str, Any] = {"fetched": [], "failed": [], "close_reason": None, "stats": {}}

    class TinySpider(scrapy.Spider):
        name = "tiny"

        async def start(self) -> Any:
            for url, source in cfg["requests"]:
                meta = {"tor_source": source} if source else {}
                yield scrapy.Request(url, meta=meta, errback=self.failed)

        def parse(self, response: Any) -> Any:
            result["fetched"].append(
                {"url": response.url, "status": response.status, "source": response.meta.get("tor_source"),
                 "bytes": len(response.body), "server": response.headers.get("Server", b"").decode()}
            )
            host = urlparse(response.url).hostname
            for href in response.css("a::attr(href)").getall():
                url = response.urljoin(href)
                if urlparse(url).hostname == host:
                    meta = {"tor_source": response.meta["tor_source"]} if "tor_source" in response.meta else {}
                    yield response.follow(url, meta=meta, errback=self.failed)

        def failed(self, failure: Any) -> None:
            req = failure.request
            result["failed"].append(
                {"url": req.url, "source": req.meta.get("tor_source"),
                 "error": type(failure.value).__name__, "message": str(failure.value)}
            )

    settings = {
        "LOG_LEVEL": "INFO",
        "TELNETCONSOLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "RETRY_ENABLED": False,
        **cfg.get("settings", {}),
    }
    process = CrawlerProcess(settings=settings)
    crawler = process.create_crawler(TinySpider)

    def closed(spider: Any, reason: str) -> None:
        result["close_reason"] = reason
        stats = crawler.stats.get_stats().items()
        result["stats"] = {k: v for k, v in stats if isinstance(v, int | float | str)}

    crawler.signals.connect(closed, signal=signals.spider_closed)
    started = time.monotonic()
    process.crawl(crawler)
    process.start()
    result["elapsed"] = time.monotonic() - started
    return result


def run_requests_socks5(cfg: dict[str, Any]) -> dict[str, Any]:
    """The control: ``socks5://`` (not ``socks5h://``) resolves names locally before the proxy."""
    import requests

    proxy = f"socks5://{cfg['settings']['TOR_SOCKS']}"
    result: dict[str, Any] = {"fetched": [], "failed": []}
    for url, _ in cfg["requests"]:
        try:
            resp = requests.get(url, proxies={"http": proxy, "https": proxy}, timeout=10)
            result["fetched"].append({"url": url, "status": resp.status_code})
        except Exception as exc:  # noqa: BLE001 - the control records any failure
            result["failed"].append({"url": url, "error": type(exc).__name__, "message": str(exc)[:300]})
    return result


def main() -> None:
    cfg = json.loads(Path(sys.argv[1]).read_text())
    runner = run_requests_socks5 if cfg.get("mode") == "requests-socks5" else run_scrapy
    result = runner(cfg)
    result["resolved"] = sorted(set(RESOLVED))
    Path(cfg["out"]).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
