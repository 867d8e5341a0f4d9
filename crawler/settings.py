"""The map of every crawler component and its order, and the safe defaults for hostile sites.

Like Scrapy's own ``default_settings.py``: read this file to know what runs in a crawl.
Per-source values (rate limits, caps) come from the site profile, see :func:`source_settings`.
"""

from __future__ import annotations

from typing import Any

from crawler.profiles import SiteProfile
from crawler.tor.settings import DEFAULTS as TOR_DEFAULTS

# A common browser user agent: a crawler must not stand out, nor name its operator.
USER_AGENT = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"

BASE: dict[str, Any] = {
    "BOT_NAME": "narcoscope",
    "USER_AGENT": USER_AGENT,
    "ROBOTSTXT_OBEY": False,
    "TELNETCONSOLE_ENABLED": False,  # never a console listening on a crawling machine
    "COOKIES_ENABLED": True,
    "LOG_LEVEL": "INFO",
    "LOG_INSTALL_ROOT_HANDLER": False,  # narcoscope's CLI configures logging
    "LOGSTATS_INTERVAL": 30.0,
    # Hostile pages: hard caps on size, redirects and depth.
    "DOWNLOAD_MAXSIZE": 8 * 1024 * 1024,
    "DOWNLOAD_WARNSIZE": 2 * 1024 * 1024,
    "REDIRECT_MAX_TIMES": 5,
    "METAREFRESH_ENABLED": False,
    "DOWNLOAD_TIMEOUT": 60,
    "RETRY_TIMES": 3,
    "RETRY_HTTP_CODES": [500, 502, 503, 504, 522, 524, 408, 429],
    "HTTPERROR_ALLOWED_CODES": [403, 404, 410],  # stored as evidence, classified by the profile
    # Only HTTP(S): no file://, ftp, s3 or data: handlers. HTTP(S) goes through the Tor-aware
    # handler: .onion hosts only ever through Tor's SOCKS port with remote DNS (crawler/tor).
    "DOWNLOAD_HANDLERS": {
        "file": None, "s3": None, "ftp": None, "data": None,
        "http": "crawler.tor.handler.TorDownloadHandler",
        "https": "crawler.tor.handler.TorDownloadHandler",
    },
    **TOR_DEFAULTS,
    "EXTENSIONS": {
        "scrapy.extensions.telnet.TelnetConsole": None,
        "scrapy.extensions.feedexport.FeedExporter": None,
        "scrapy.extensions.spiderstate.SpiderState": None,
        "scrapy.extensions.remote_control.RemoteControl": None,
        "crawler.extensions.crawlrecord.CrawlRecord": 100,
        "crawler.extensions.heartbeat.EngineHeartbeat": 110,
    },
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": None,
        "crawler.downloadermiddlewares.mirrors.MirrorFailoverMiddleware": 560,  # just above Retry (550)
        "crawler.downloadermiddlewares.session.SessionMiddleware": 720,  # after Scrapy's cookies (700)
        # Below HttpCompression (590): evidence keeps the decoded body, bombs never get that far;
        # above Retry (550): a 503 is kept as evidence and then retried.
        "crawler.downloadermiddlewares.evidence.EvidenceMiddleware": 585,
        "crawler.downloadermiddlewares.contenttype.ContentTypeMiddleware": 586,
    },
    # The frontier lives in the record store, not in memory or pickles: crawls resume after a kill.
    "SCHEDULER": "crawler.frontier.StoreFrontier",
    "SPIDER_MIDDLEWARES": {
        "crawler.frontier.PageCompletionMiddleware": 10,
    },
    "ITEM_PIPELINES": {
        "crawler.pipelines.ingest.IngestPipeline": 500,
    },
    "NARCOSCOPE_ALLOWED_CONTENT_TYPES": ["text/html", "application/xhtml+xml", "text/plain"],
    "NARCOSCOPE_INGEST_BATCH": 500,
    # Write page bodies and WARC records on a background thread (crawler/evidence_writer.py). Off: on
    # 2 cores shared with the sites and other work it measured no faster, the interpreter lock eats it.
    "NARCOSCOPE_EVIDENCE_THREAD": False,
    "NARCOSCOPE_ENGINE_HEARTBEAT": 0.2,  # seconds; see crawler/extensions/heartbeat.py
    "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
    # Scrapy inspects callbacks' source for `return` in generators; ours are known, and the check
    # (inspect.getsource per callback) costs more CPU than parsing a page.
    "WARN_ON_GENERATOR_RETURN_VALUE": False,
}


def source_settings(profile: SiteProfile) -> dict[str, Any]:
    """Per-source politeness: the profile's rate limit and caps become this crawl's settings."""
    rl = profile.rate_limit
    return {
        "DOWNLOAD_DELAY": rl.delay,
        "DOWNLOAD_DELAY_JITTER": 0.5 if rl.delay > 0 else 0,  # ±50%: no fixed rhythm to fingerprint
        "CONCURRENT_REQUESTS": max(rl.concurrency, 1),
        "CONCURRENT_REQUESTS_PER_DOMAIN": max(rl.concurrency, 1),
        "CLOSESPIDER_PAGECOUNT": rl.max_pages,
        "DEPTH_LIMIT": rl.max_depth,
    }
