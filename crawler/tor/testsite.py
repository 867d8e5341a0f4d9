"""A small linked website on 127.0.0.1 for Tor tests and benchmarks (the onion's content)."""

from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

logger = logging.getLogger(__name__)


def _page_number(path: str) -> int:
    if path == "/":
        return 0
    tail = path.removeprefix("/page/")
    return int(tail) if tail != path and tail.isdigit() else -1


class _SiteHandler(BaseHTTPRequestHandler):
    """``/`` and ``/page/N``: each page links to the next two, so a crawl must follow links.

    ``/redirect`` answers 302 to ``/page/1``; every page also sends ``X-Narcoscope-Page: N``.
    HTTP/1.1 with Content-Length, so clients can keep connections alive as with a real server.
    """

    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body are two writes; without NODELAY, Nagle + delayed ACK add ~40 ms a page.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    server: LinkedSite

    def do_GET(self) -> None:
        self.server.record(self.path, self.headers.get("Host", ""))
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/page/1")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        pages = self.server.pages
        num = _page_number(self.path)
        if not 0 <= num < pages:
            self.send_error(404)
            return
        links = "".join(f'<a href="/page/{n}">page {n}</a>' for n in (num + 1, num + 2) if n < pages)
        body = f"<html><body><h1>page {num}</h1>{links}<p>{'x' * 2000}</p></body></html>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("X-Narcoscope-Page", str(num))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug(format, *args)


class LinkedSite(ThreadingHTTPServer):
    """A small linked site on 127.0.0.1 (pages 0..N-1), recording every request it serves."""

    daemon_threads = True

    def __init__(self, pages: int = 10) -> None:
        super().__init__(("127.0.0.1", 0), _SiteHandler)
        self.pages = pages
        self.hits: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self.serve_forever, name="linked-site", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def record(self, path: str, host: str) -> None:
        with self._lock:
            self.hits.append((path, host))

    def start(self) -> LinkedSite:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
