"""Scrapy download handler for http/https that sends onion (and chosen) requests through Tor.

It is Scrapy's own ``HTTP11DownloadHandler`` with one change: for a request routed to Tor the
connection is opened by ``Socks5ClientEndpoint`` (hostname sent to Tor, per-source credentials)
instead of a direct TCP connection. Everything after the connection — timeouts, DOWNLOAD_MAXSIZE
and DOWNLOAD_WARNSIZE, headers, keep-alive pooling, redirects (a middleware) — is Scrapy's code.

Enable with::

    DOWNLOAD_HANDLERS = {
        "http": "crawler.tor.handler.TorDownloadHandler",
        "https": "crawler.tor.handler.TorDownloadHandler",
    }

It relies on private helpers of ``scrapy.core.downloader.handlers.http11`` (``_ScrapyAgent``),
so Scrapy is pinned to a minor version; tests/tor exercise that seam against real Tor.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler, _ScrapyAgent
from scrapy.exceptions import ResponseDataLossError
from scrapy.http import Response
from scrapy.utils._download_handlers import get_dataloss_msg, wrap_twisted_exceptions
from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred
from twisted.internet.endpoints import TCP4ClientEndpoint, wrapClientTLS
from twisted.web.client import URI, Agent
from twisted.web.error import SchemeNotSupported
from twisted.web.iweb import IAgentEndpointFactory
from zope.interface import implementer

from crawler.tor.endpoint import Socks5ClientEndpoint
from crawler.tor.errors import TorNotConfiguredError
from crawler.tor.routing import Router, TorRoute
from crawler.tor.settings import TorSettings

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from twisted.internet.interfaces import IReactorTCP, IStreamClientEndpoint

logger = logging.getLogger(__name__)

CLOSE_REASON_NOT_CONFIGURED = "tor_not_configured"


@implementer(IAgentEndpointFactory)
class _TorEndpointFactory:
    """Endpoints for one route: TCP to the SOCKS port, SOCKS5 by hostname, then TLS for https."""

    def __init__(
        self, reactor: IReactorTCP, route: TorRoute, context: Any, timeout: float
    ) -> None:
        self._reactor = reactor
        self._route = route
        self._context = context
        self._timeout = timeout

    def endpointForURI(self, uri: URI) -> IStreamClientEndpoint:
        host, port = self._route.proxy
        to_proxy = TCP4ClientEndpoint(self._reactor, host, port, timeout=self._timeout)
        target = uri.host.decode("ascii")
        endpoint: Any = Socks5ClientEndpoint(
            to_proxy, target, uri.port, self._route.creds
        )
        if uri.scheme == b"https":
            creator = self._context.creatorForNetloc(uri.host, uri.port)  # IPolicyForHTTPS
            return wrapClientTLS(creator, endpoint)
        if uri.scheme != b"http":
            raise SchemeNotSupported(f"unsupported scheme through Tor: {uri.scheme!r}")
        return endpoint


class _TorAgent(Agent):
    """Twisted Agent whose pooled connections are keyed by circuit as well as by origin."""

    _route_key: tuple[object, ...] = ()

    def _requestWithEndpoint(self, key: Any, *args: Any, **kwargs: Any) -> Deferred[Any]:
        return super()._requestWithEndpoint(key + self._route_key, *args, **kwargs)  # type: ignore[misc]


class _TorScrapyAgent(_ScrapyAgent):
    """Scrapy's agent (timeouts, size limits, body reading) with the connection made through Tor."""

    def __init__(self, *, route: TorRoute, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._route = route

    def _get_agent(self, request: Request, timeout: float) -> Agent:
        from twisted.internet import reactor

        factory = _TorEndpointFactory(reactor, self._route, self._contextFactory, timeout)  # type: ignore[arg-type]
        agent = _TorAgent.usingEndpointFactory(reactor, factory, pool=self._pool)
        agent._route_key = self._route.pool_key
        return agent


_TOLD_NOT_CONFIGURED: list[bool] = []


class TorDownloadHandler(HTTP11DownloadHandler):
    """HTTP(S) handler: direct for clearnet by default, Tor for onions / ``tor_source`` / all."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.tor_settings = TorSettings.from_mapping(crawler.settings)
        self.router = Router(self.tor_settings, session_secret=secrets.token_hex(8))
        self._closing = False
        if self.tor_settings.socks is None and not _TOLD_NOT_CONFIGURED:
            # Once a process: a demo or a schedule runs many crawls, each with its own handlers.
            _TOLD_NOT_CONFIGURED.append(True)
            logger.info("Tor not configured (TOR_SOCKS empty): onion requests will be refused")

    async def download_request(self, request: Request) -> Response:
        try:
            route = self.router.route(request)
        except TorNotConfiguredError as exc:
            self._stop_crawl(exc)
            raise
        if route is None:
            return await super().download_request(request)
        stats = self._crawler.stats
        if stats is not None:
            stats.inc_value("tor/request_count")
        request.meta["tor_route_source"] = route.source
        agent = _TorScrapyAgent(route=route, **self._agent_kwargs())
        try:
            with wrap_twisted_exceptions():
                return await maybe_deferred_to_future(agent.download_request(request))
        except ResponseDataLossError:
            if not self._fail_on_dataloss_warned:
                logger.warning(get_dataloss_msg(request.url))
                self._fail_on_dataloss_warned = True
            raise

    def _agent_kwargs(self) -> dict[str, Any]:
        spider = self._crawler.spider
        return {
            "contextFactory": self._contextFactory,
            "bindAddress": None,  # the connection goes to the SOCKS port; bindaddress is moot
            "pool": self._pool,
            "maxsize": getattr(spider, "download_maxsize", self._default_maxsize),
            "warnsize": getattr(spider, "download_warnsize", self._default_warnsize),
            "fail_on_dataloss": self._fail_on_dataloss,
            "crawler": self._crawler,
            "tls_verbose_logging": self._tls_verbose_logging,
        }

    def _stop_crawl(self, exc: TorNotConfiguredError) -> None:
        """Close the spider on the first refused onion request: one clear error, not one per URL."""
        stats = self._crawler.stats
        if stats is not None:
            stats.inc_value("tor/not_configured")
        if self._closing or self._crawler.engine is None:
            return
        self._closing = True
        logger.error("%s Stopping the crawl.", exc)
        d = deferred_from_coro(self._crawler.engine.close_spider_async(reason=CLOSE_REASON_NOT_CONFIGURED))
        d.addErrback(lambda f: logger.error("could not close the spider: %s", f.value))

