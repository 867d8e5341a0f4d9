"""Sessions: an analyst-supplied cookie is replayed and never logged; an expired one stops the crawl."""

from __future__ import annotations

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

SECRET = "sid=s3cr3t-session-value"
N_ITEMS = 12


class LoginSite(BaseHTTPRequestHandler):
    """A market that shows content only to a logged-in session (cookie ``sid=s3cr3t…``)."""

    def do_GET(self) -> None:
        if self.headers.get("Cookie") != SECRET:
            body = b"<html><form id='login'><input name=user></form></html>"
        elif self.path == "/":
            body = "".join(f"<a href='/item/{i}'>item {i}</a>" for i in range(N_ITEMS)).encode()
        else:
            body = f"<h1>listing {self.path}</h1>".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), LoginSite)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{srv.server_address[1]}"
    srv.shutdown()


def _profile(tmp_path: Path, base: str) -> Path:
    p = tmp_path / "members.yaml"
    p.write_text(textwrap.dedent(f"""\
        name: members
        kind: market
        mirrors: ["{base}"]
        start: ["/"]
        rate_limit: {{delay: 0, concurrency: 1}}
        session: {{cookies_env: NARCOSCOPE_TEST_SESSION, expired_after: 3}}
        blocked:
          - {{reason: login-wall, css: "form#login"}}
        pages:
          index: {{match: '^/$'}}
          listing:
            match: '^/item/(?P<id>\\d+)'
            record: listing
            fields: {{listing_id: {{url: id}}, title: h1}}
        """))
    return p


def _crawl(tmp_path: Path, profile: Path, cookie: str | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("NARCOSCOPE_TEST_SESSION", None)
    if cookie is not None:
        env["NARCOSCOPE_TEST_SESSION"] = cookie
    return subprocess.run([sys.executable, "-m", "narcoscope", "-vv", "crawl", str(profile), "--home", str(tmp_path)],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def _crawl_row(tmp_path: Path) -> tuple[str, str, int]:
    con = sqlite3.connect(tmp_path / "narcoscope.db")
    status, stats = con.execute("SELECT status, stats FROM crawls").fetchone()
    return status, stats, con.execute("SELECT count(*) FROM listings").fetchone()[0]


def test_session_is_replayed_and_never_logged(tmp_path: Path, site: str) -> None:
    proc = _crawl(tmp_path, _profile(tmp_path, site), SECRET)
    assert proc.returncode == 0, proc.stderr[-3000:]
    status, _, listings = _crawl_row(tmp_path)
    assert status == "finished" and listings == N_ITEMS
    assert "s3cr3t" not in proc.stdout + proc.stderr  # not even at debug level
    for f in tmp_path.rglob("*"):
        if f.is_file() and f.suffix in (".db", ".gz", ".json", ".log"):
            assert b"s3cr3t" not in f.read_bytes(), f


def test_expired_session_stops_the_crawl_and_says_so(tmp_path: Path, site: str) -> None:
    proc = _crawl(tmp_path, _profile(tmp_path, site), "sid=expired")
    assert proc.returncode == 1
    assert "appears to have expired" in proc.stderr
    status, stats, listings = _crawl_row(tmp_path)
    assert status == "failed" and '"finish_reason": "session_expired"' in stats and listings == 0


def test_missing_session_fetches_nothing(tmp_path: Path, site: str) -> None:
    proc = _crawl(tmp_path, _profile(tmp_path, site), None)
    assert proc.returncode == 1
    assert "needs a session cookie in $NARCOSCOPE_TEST_SESSION" in proc.stderr
    con = sqlite3.connect(tmp_path / "narcoscope.db")
    assert con.execute("SELECT count(*) FROM pages").fetchone()[0] == 0
