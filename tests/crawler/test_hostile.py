"""Hostile servers: decompression bombs, redirect loops, binaries, flaky 503s, endless depth.
The crawl finishes, keeps what is content, refuses the rest, and counts every refusal."""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from narcoscope.paths import REPO_ROOT

BOMB = gzip.compress(b"\0" * (40 * 1024 * 1024), compresslevel=9)  # 40 MB of zeros in ~40 KB
HITS: dict[str, int] = {}


class Hostile(BaseHTTPRequestHandler):
    def _send(self, status: int, body: bytes, ctype: str = "text/html", extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        HITS[self.path] = HITS.get(self.path, 0) + 1
        if self.path == "/":
            links = ["/item/1", "/item/bomb", "/item/loop", "/item/exe", "/item/flaky", "/deep/1"]
            self._send(200, "".join(f"<a href='{u}'>x</a>" for u in links).encode())
        elif self.path == "/item/1":
            self._send(200, b"<h1>fine listing</h1>")
        elif self.path == "/item/bomb":
            self._send(200, BOMB, extra={"Content-Encoding": "gzip"})
        elif self.path == "/item/loop":
            self._send(302, b"", extra={"Location": "/item/loop?again"})
        elif self.path.startswith("/item/loop"):
            self._send(302, b"", extra={"Location": "/item/loop"})
        elif self.path == "/item/exe":
            self._send(200, b"MZ\x90\x00", ctype="application/x-msdownload")
        elif self.path == "/item/flaky":
            if HITS[self.path] < 3:
                self._send(503, b"busy")
            else:
                self._send(200, b"<h1>flaky listing</h1>")
        elif self.path.startswith("/deep/"):
            n = int(self.path.rsplit("/", 1)[1])
            self._send(200, f"<a href='/deep/{n + 1}'>deeper</a>".encode())
        else:
            self._send(404, b"no")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    HITS.clear()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def test_hostile_site_is_crawled_safely(tmp_path: Path, site: str) -> None:
    profile = tmp_path / "hostile.yaml"
    profile.write_text(textwrap.dedent(f"""\
        name: hostile
        kind: market
        mirrors: ["{site}"]
        start: ["/"]
        rate_limit: {{delay: 0, concurrency: 4, max_depth: 5}}
        pages:
          index: {{match: '^/$'}}
          deep: {{match: '^/deep/\\d+$'}}
          listing:
            match: '^/item/(?P<id>\\w+)'
            record: listing
            fields: {{listing_id: {{url: id}}, title: h1}}
        """))
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run([sys.executable, "-m", "narcoscope", "crawl", str(profile), "--home", str(tmp_path),
                           "-s", "RETRY_TIMES=3"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=False)
    con = sqlite3.connect(tmp_path / "narcoscope.db")
    titles = {r[0] for r in con.execute("SELECT title FROM listings")}
    assert titles == {"fine listing", "flaky listing"}  # content kept, the flaky one after retries
    stats = json.loads(con.execute("SELECT stats FROM crawls").fetchone()[0])
    assert stats["narcoscope/refused/content_type"] == 1
    assert stats["narcoscope/refused"] >= 1  # the bomb, refused when decompressed beyond the limit
    assert stats["narcoscope/transient/http-503"] == 2
    assert stats["request_depth_max"] <= 5 and HITS.get("/deep/7", 0) == 0  # depth cap
    assert HITS.get("/item/loop", 0) <= 4  # the redirect loop is cut off
    assert proc.returncode in (0, 1), proc.stderr[-2000:]  # refusals are reported, never a crash
    assert "Traceback" not in proc.stderr
