"""Which requests go through Tor, and on which circuit (the isolation credentials)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from scrapy import Request
from scrapy.utils.httpobj import urlparse_cached

from crawler.tor.errors import TorNotConfiguredError
from crawler.tor.settings import TorSettings
from crawler.tor.socks5 import Credentials

#: ``request.meta`` key naming the source (market/forum) a request belongs to; set by the spider.
META_SOURCE = "tor_source"
USERNAME_PREFIX = "narcoscope:"


def is_onion(host: str | None) -> bool:
    """True for ``*.onion`` hosts (any case, trailing dot tolerated)."""
    return host is not None and host.rstrip(".").lower().endswith(".onion")


def isolation_username(source: str) -> str:
    """The SOCKS username for a source: readable, and at most 255 bytes (hashed tail if longer)."""
    name = f"{USERNAME_PREFIX}{source}"
    if len(name.encode("utf-8")) <= 255:
        return name
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()[:32]
    return f"{USERNAME_PREFIX}{source.encode('utf-8')[:200].decode('utf-8', 'ignore')}#{digest}"


@dataclass(frozen=True, slots=True)
class TorRoute:
    """A request's way through Tor: the proxy and the credentials that pick its circuit."""

    proxy: tuple[str, int]
    source: str
    creds: Credentials | None

    @property
    def pool_key(self) -> tuple[object, ...]:
        """Keeps pooled keep-alive connections of different circuits apart."""
        return ("tor", self.proxy, self.creds.username if self.creds else "")


class Router:
    """Decides, per request, direct or Tor. Onion hosts never go direct, whatever the settings."""

    def __init__(self, settings: TorSettings, *, session_secret: str) -> None:
        self._settings = settings
        # Part of every SOCKS password: a new crawl process starts new circuits even when the
        # Tor daemon is long-running, while one source keeps one circuit within a crawl.
        self._secret = session_secret

    def route(self, request: Request) -> TorRoute | None:
        """The Tor route for ``request``, None for direct, or TorNotConfiguredError."""
        host = urlparse_cached(request).hostname
        source = request.meta.get(META_SOURCE)
        if is_onion(host):
            why = "onion address"
        elif source:
            why = f"source {source!r} is marked for Tor"
        elif self._settings.all_traffic:
            why = "TOR_ALL_TRAFFIC is on"
        else:
            return None
        if self._settings.socks is None:
            raise TorNotConfiguredError(request.url, why)
        source_name = str(source or (host or "").rstrip(".").lower())
        creds = (
            Credentials(isolation_username(source_name), self._secret) if self._settings.isolate else None
        )
        return TorRoute(self._settings.socks, source_name, creds)
