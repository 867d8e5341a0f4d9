"""Errors of the Tor layer, each with the fix in its message (shown as-is by the crawl and doctor)."""

from __future__ import annotations


class TorError(Exception):
    """Base class for Tor-layer errors."""


class TorNotConfiguredError(TorError):
    """A request needs Tor (onion host, ``tor_source`` or ``TOR_ALL_TRAFFIC``) but ``TOR_SOCKS`` is empty.

    Deliberately not an ``OSError``: Scrapy's retry middleware must not retry it, and nothing is
    fetched or resolved.
    """

    def __init__(self, url: str, why: str) -> None:
        super().__init__(
            f"refusing to fetch {url}: it must go through Tor ({why}) but TOR_SOCKS is not set. "
            "Start Tor and set TOR_SOCKS=127.0.0.1:9050 (the SocksPort); check with `narcoscope doctor`."
        )
        self.url = url


class TorSettingsError(TorError, ValueError):
    """A ``TOR_*`` setting has an invalid value."""
