"""Serve all five demo sites from one process, each on its own 127.0.0.1 port, from memory.

A week's pages are rendered once when the week is selected; switching weeks swaps one
reference, so requests see either the old snapshot or the new one, never a mix.
A control API (default port 8400) reads and switches the week and serves the truth.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from demosites.markup import FALLBACK, Page
from demosites.model import SITES
from demosites.weeks import N_WEEKS, check_week, observed_at
from demosites.world import DemoWorld, SiteRender

log = logging.getLogger(__name__)
DEFAULT_PORT_BASE = 8400  # control; sites follow in SITES order: 8401 tortuga … 8405 dreadnought
NOT_FOUND: Page = (404, "text/html; charset=utf-8", b"<html><body><h1>404 Not Found</h1></body></html>")


def check_host(host: str) -> str:
    """Only loopback 127.x addresses: demo sites must never be reachable from outside."""
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"host must be a literal 127.x.x.x address, got {host!r}") from None
    if addr.version != 4 or addr not in ipaddress.ip_network("127.0.0.0/8"):
        raise ValueError(f"refusing to bind {host}: demo sites bind to 127.0.0.0/8 only")
    return host


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], owner: DemoServer, site: str | None) -> None:
        super().__init__(addr, _SiteHandler if site else _ControlHandler)
        self.owner, self.site = owner, site


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # one segment per response: buffered writes (flushed by the base class after each
    # request) and no Nagle, else keep-alive clients stall on delayed ACKs (~40 ms each)
    wbufsize = 1 << 16
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _send(self, resp: Page, head: bool = False) -> None:
        status, ctype, body = resp
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Demo-Week", str(self.server.owner.week))
        self.end_headers()
        if not head:
            self.wfile.write(body)


class _SiteHandler(_Handler):
    def _lookup(self) -> Page:
        pages = self.server.owner.pages_for(self.server.site or "")
        path = self.path
        if path.startswith(("http://", "https://")):
            parts = urlsplit(path)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        path = path.split("#", 1)[0]
        found = pages.get(path) or pages.get(unquote(path)) or pages.get(FALLBACK)
        return found or NOT_FOUND

    def do_GET(self) -> None:
        self._send(self._lookup())

    def do_HEAD(self) -> None:
        self._send(self._lookup(), head=True)


class _ControlHandler(_Handler):
    def _json(self, obj: Any, status: int = 200) -> None:
        body = json.dumps(obj, ensure_ascii=False, indent=1).encode("utf-8")
        self._send((status, "application/json", body))

    def do_GET(self) -> None:
        owner = self.server.owner
        parts = urlsplit(self.path)
        if parts.path == "/week":
            self._json(owner.week_info())
        elif parts.path == "/sites":
            self._json(owner.urls)
        elif parts.path == "/truth":
            raw = parse_qs(parts.query).get("week", [str(owner.week)])[0]
            try:
                self._json(owner.world.truth(check_week(int(raw))))
            except ValueError as exc:
                self._json({"error": str(exc)}, 400)
        else:
            self._json({"error": "unknown endpoint"}, 404)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        parts = urlsplit(self.path).path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "week":
            try:
                self.server.owner.set_week(int(parts[1]))
            except ValueError as exc:
                self._json({"error": str(exc)}, 400)
                return
            self._json(self.server.owner.week_info())
        else:
            self._json({"error": "unknown endpoint"}, 404)


class DemoServer:
    """All demo sites plus the control API. ``start()`` binds and serves in daemon threads."""

    def __init__(self, world: DemoWorld, host: str = "127.0.0.1",
                 port_base: int = DEFAULT_PORT_BASE, week: int = 0) -> None:
        self.world, self.host, self.port_base = world, check_host(host), port_base
        self._lock = threading.Lock()
        self._cache: dict[int, dict[str, SiteRender]] = {}
        self.week = check_week(week)
        self._pages: dict[str, SiteRender] = {}
        self._servers: dict[str, _Server] = {}
        self._threads: list[threading.Thread] = []

    def _port(self, offset: int) -> int:
        return 0 if self.port_base == 0 else self.port_base + offset

    def start(self) -> DemoServer:
        """Render the current week, bind every port, serve. Returns ``self``."""
        self.set_week(self.week)
        try:
            self._servers["_control"] = _Server((self.host, self._port(0)), self, None)
            for i, site in enumerate(SITES, start=1):
                self._servers[site] = _Server((self.host, self._port(i)), self, site)
        except OSError:
            self.stop()
            raise
        for name, srv in self._servers.items():
            thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.2},
                                      name=f"demosites-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("demo sites up (week %d): %s; control %s", self.week, self.urls,
                 self.control_url)
        return self

    def stop(self) -> None:
        """Stop serving and close every socket."""
        for srv in self._servers.values():
            srv.shutdown()
            srv.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers.clear()
        self._threads.clear()

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_week(self, week: int) -> None:
        """Switch the served snapshot (rendered once per week, then served from memory)."""
        check_week(week)
        with self._lock:
            if week not in self._cache:
                self._cache[week] = self.world.render(week)
                if len(self._cache) > 4:  # keep memory bounded; rendering is cheap
                    del self._cache[next(w for w in self._cache if w != week)]
            self._pages, self.week = self._cache[week], week
        log.info("serving week %d (%s)", week, observed_at(week).isoformat())

    def pages_for(self, site: str) -> SiteRender:
        return self._pages.get(site, {})

    def _url(self, name: str) -> str:
        return f"http://{self.host}:{self._servers[name].server_address[1]}"

    @property
    def urls(self) -> dict[str, str]:
        """{site: base url} with the real (possibly ephemeral) ports."""
        return {site: self._url(site) for site in SITES if site in self._servers}

    @property
    def control_url(self) -> str:
        return self._url("_control")

    def week_info(self) -> dict[str, Any]:
        return {"week": self.week, "observed_at": observed_at(self.week).isoformat(),
                "weeks": N_WEEKS}
