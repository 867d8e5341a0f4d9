"""Checks behind ``narcoscope doctor``: is Tor usable for crawling, and is nothing resolved locally?

``run_doctor(settings, onion_url=...)`` returns one ``Check`` per question, each with a fix hint.
The doctor only talks to the configured Tor ports and the onion it is given: no IP checks, no
third-party hosts.
"""

from __future__ import annotations

import re
import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scrapy.utils.misc import load_object

from crawler.tor import socks5
from crawler.tor.control import ControlError, TorControl
from crawler.tor.errors import TorSettingsError
from crawler.tor.handler import TorDownloadHandler
from crawler.tor.routing import is_onion, isolation_username
from crawler.tor.settings import TorSettings

START_TOR = "start Tor (e.g. `systemctl start tor` or `tor -f torrc`) with `SocksPort 127.0.0.1:9050`"


@dataclass(frozen=True, slots=True)
class Check:
    """One doctor finding. ``fix`` says what to do when ``ok`` is False (empty otherwise)."""

    name: str
    ok: bool
    message: str
    fix: str = ""


def run_doctor(settings: Mapping[str, Any], *, onion_url: str = "", timeout: float = 60.0) -> list[Check]:
    """Run every check that the settings allow; later checks are skipped when Tor is unreachable."""
    try:
        tor = TorSettings.from_mapping(settings)
    except TorSettingsError as exc:
        return [Check("tor-settings", False, str(exc), "fix the TOR_* settings")]
    checks = [check_handlers(settings)]
    if tor.socks is None:
        checks.append(Check("tor-socks", False, "TOR_SOCKS is not set: onion sources cannot be crawled",
                            f"{START_TOR}, then set TOR_SOCKS=127.0.0.1:9050"))
        return checks
    checks.append(check_socks(tor.socks, timeout=min(timeout, 10.0)))
    if not checks[-1].ok:
        return checks
    if tor.control:
        checks.append(check_bootstrap(tor.control, tor.control_password))
    if onion_url:
        checks.extend(check_onion(tor, onion_url, timeout=timeout))
    return checks


def check_handlers(settings: Mapping[str, Any]) -> Check:
    """Onion requests must reach TorDownloadHandler; Scrapy's default handler would resolve them."""
    handlers = dict(settings.get("DOWNLOAD_HANDLERS") or {})
    wrong = []
    for scheme in ("http", "https"):
        path = handlers.get(scheme)
        cls = load_object(path) if isinstance(path, str) else path
        if not (isinstance(cls, type) and issubclass(cls, TorDownloadHandler)):
            wrong.append(scheme)
    if wrong:
        return Check("tor-handler", False,
                     f"DOWNLOAD_HANDLERS for {', '.join(wrong)} is not TorDownloadHandler: onion names "
                     "would be resolved locally by Scrapy's default handler",
                     'set DOWNLOAD_HANDLERS = {"http": "crawler.tor.handler.TorDownloadHandler", '
                     '"https": "crawler.tor.handler.TorDownloadHandler"}')
    return Check("tor-handler", True, "http and https go through TorDownloadHandler")


def check_socks(proxy: tuple[str, int], *, timeout: float = 10.0) -> Check:
    """Is something listening at TOR_SOCKS, and does it speak SOCKS5?"""
    where = f"{proxy[0]}:{proxy[1]}"
    try:
        with socket.create_connection(proxy, timeout=timeout) as sock:
            sock.sendall(socks5.greeting(None))
            socks5.check_method_reply(sock.recv(2), None)
    except OSError as exc:
        return Check("tor-socks", False, f"cannot connect to TOR_SOCKS {where}: {exc}",
                     f"{START_TOR}, or set TOR_SOCKS to the SocksPort Tor actually listens on")
    except socks5.Socks5Error as exc:
        return Check("tor-socks", False, f"{where} is not a Tor SOCKS5 port: {exc}",
                     "TOR_SOCKS must be Tor's SocksPort (not ControlPort, HTTPTunnelPort or an HTTP proxy)")
    return Check("tor-socks", True, f"Tor SOCKS5 port reachable at {where}")


def check_bootstrap(control: tuple[str, int], password: str = "") -> Check:
    """GETINFO status/bootstrap-phase over the control port: PROGRESS=100 means bootstrapped."""
    where = f"{control[0]}:{control[1]}"
    try:
        with TorControl(control) as ctl:
            ctl.authenticate(password)
            phase = ctl.getinfo("status/bootstrap-phase")
    except (OSError, ControlError) as exc:
        return Check("tor-bootstrap", False, f"control port {where} unusable: {exc}",
                     "check TOR_CONTROL and TOR_CONTROL_PASSWORD (HashedControlPassword in torrc), "
                     "or leave TOR_CONTROL empty to skip this check")
    match = re.search(r"PROGRESS=(\d+)", phase)
    progress = int(match.group(1)) if match else -1
    if progress != 100:
        return Check("tor-bootstrap", False, f"Tor is not bootstrapped yet: {phase}",
                     "wait for 'Bootstrapped 100%' in Tor's log; check the machine's clock and network")
    return Check("tor-bootstrap", True, "Tor is bootstrapped (100%)")


_RESOLVER_EVENTS = frozenset(
    {"socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr"}
)
_watch = threading.local()
_hook_installed = False


def _record_resolutions(event: str, args: tuple[Any, ...]) -> None:
    if event not in _RESOLVER_EVENTS or not args:
        return
    names = getattr(_watch, "names", None)
    if names is not None:
        host = args[0]
        names.append(host.decode() if isinstance(host, bytes) else str(host))


@contextmanager
def resolver_calls() -> Iterator[list[str]]:
    """Names this thread passes to the system resolver while the block runs.

    Uses a PEP 578 audit hook (installed once, on first use; it cannot be removed, so it only
    records while a block is active): no monkeypatching of ``socket``.
    """
    global _hook_installed  # noqa: PLW0603 - one process-wide hook, installed lazily
    if not _hook_installed:
        sys.addaudithook(_record_resolutions)
        _hook_installed = True
    _watch.names = []
    try:
        yield _watch.names
    finally:
        _watch.names = None


def check_onion(tor: TorSettings, onion_url: str, *, timeout: float = 60.0) -> list[Check]:
    """Fetch ``onion_url`` through Tor the way the crawler does; watch the resolver meanwhile."""
    parts = urlsplit(onion_url)
    host = parts.hostname or ""
    if not is_onion(host):
        hint = "pass an http(s)://….onion/ URL"
        return [Check("onion-fetch", False, f"{onion_url!r} is not an onion URL", hint)]
    assert tor.socks is not None
    port = parts.port or (443 if parts.scheme == "https" else 80)
    creds = socks5.Credentials(isolation_username("doctor"), "doctor") if tor.isolate else None
    started = time.monotonic()
    with resolver_calls() as names:
        try:
            sock = socks5.open_stream(tor.socks, host, port, creds=creds, timeout=timeout)
            status = _head(sock, host, parts.path or "/", tls=parts.scheme == "https")
        except (OSError, socks5.Socks5Error) as exc:
            fetch = Check("onion-fetch", False, f"could not fetch {onion_url} through Tor: {exc}",
                          "check the mirror is up (try another), that Tor is bootstrapped, "
                          "and the machine's clock (onion descriptors need it within ~1 h)")
        else:
            took = time.monotonic() - started
            fetch = Check("onion-fetch", True, f"fetched {onion_url} via Tor: HTTP {status}, {took:.1f} s")
    leaked = sorted({n for n in names if is_onion(n)})
    local = (Check("no-local-resolution", False, f"onion names resolved locally: {leaked}",
                   "use socks5h semantics: send hostnames to Tor (TorDownloadHandler does)")
             if leaked else
             Check("no-local-resolution", True, f"{host} was sent to Tor, never to the local resolver"))
    return [fetch, local]


def _head(sock: socket.socket, host: str, path: str, *, tls: bool) -> int:
    """HEAD over an open tunnel; return the HTTP status."""
    if tls:
        # The onion address authenticates the service; onion certificates are usually self-signed.
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        sock = ctx.wrap_socket(sock, server_hostname=host)
    with sock:
        sock.sendall(f"HEAD {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode("ascii"))
        head = sock.recv(4096).split(b"\r\n", 1)[0].split()
    if len(head) < 2 or not head[1].isdigit():
        raise socks5.Socks5Error(f"{host} answered, but not with HTTP")
    return int(head[1])
