"""`kill -9` a crawl at a random moment, start it again: it resumes from the store's frontier,
and every page ends up stored once, every listing observed once, nothing lost."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from demosites import DemoWorld
from demosites.weeks import observed_at
from narcoscope.demo import DemoSites
from narcoscope.paths import REPO_ROOT
from tests.support import free_port_block

pytestmark = pytest.mark.slow
WEEK = 12


def _crawl(home: Path, mirror: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    cmd = [sys.executable, "-m", "narcoscope", "-q", "crawl", "nightjar", "--mirror", mirror,
           "--observed-at", observed_at(WEEK).isoformat(), "--home", str(home),
           "-s", "DOWNLOAD_DELAY=0.03", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2",
           # Commit every few listings, not every 500 or 2 s: on a fast evening the whole crawl (78
           # pages) took less than 2 s, so its first commit was its last and the kill came after it.
           "-s", "NARCOSCOPE_INGEST_BATCH=4"]
    return subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _count(db: Path, sql: str) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return int(con.execute(sql).fetchone()[0])
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0


def test_killed_crawl_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    home = tmp_path / "home"
    db = home / "narcoscope.db"
    with DemoSites(control_port=free_port_block()) as sites:
        sites.set_week(WEEK)
        mirror = sites.sites()["nightjar"]
        first = _crawl(home, mirror)
        deadline = time.monotonic() + 120
        while _count(db, "SELECT count(*) FROM pages") < 15 and time.monotonic() < deadline:
            assert first.poll() is None, first.communicate()[1][-2000:]
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait()
        stored_before = _count(db, "SELECT count(*) FROM pages")
        total_pages = DemoWorld.build(seed=7).truth(WEEK)["pages"]["nightjar"]
        assert 0 < stored_before < total_pages, "the kill must land mid-crawl"
        second = _crawl(home, mirror)
        _, err = second.communicate(timeout=300)
        assert second.returncode == 0, err[-3000:]
    truth = {t["listing_id"] for t in DemoWorld.build(seed=7).truth(WEEK)["listings"] if t["source"] == "nightjar"}
    con = sqlite3.connect(db)
    got = [r[0] for r in con.execute(
        "SELECT l.listing_id FROM observations o JOIN listings l USING(doc_id) WHERE o.observed_at = ?",
        (observed_at(WEEK).isoformat(),))]
    assert sorted(got) == sorted(truth)  # every listing observed, exactly once
    assert con.execute("SELECT count(*) FROM pages").fetchone()[0] == total_pages  # every page stored once
    states = dict(con.execute("SELECT state, count(*) FROM frontier GROUP BY state").fetchall())
    assert states == {"done": total_pages}
    [(status, stats)] = con.execute("SELECT status, stats FROM crawls").fetchall()
    assert status == "finished" and '"narcoscope/frontier/resumed"' in stats
