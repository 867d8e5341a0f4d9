"""A demo market published as a v3 onion on the private Tor network, crawled end to end through
Tor by the real `narcoscope crawl`: what lands in the store matches the generator's truth."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEMO_ONION_PORT

from crawler.tor.testnet import Testnet
from demosites import DemoWorld
from demosites.weeks import observed_at
from narcoscope.demo import DemoSites
from narcoscope.paths import REPO_ROOT

pytestmark = [pytest.mark.tor, pytest.mark.slow]
WEEK = 12


def _crawl(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    env.pop("NARCOSCOPE_TOR_SOCKS", None)
    return subprocess.run([sys.executable, "-m", "narcoscope", "crawl", "nightjar", "--home", str(home),
                           "--observed-at", observed_at(WEEK).isoformat(), *args],
                          cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False)


def test_demo_market_over_onion_matches_truth(tmp_path: Path, tor_testnet: Testnet, demo_sites: DemoSites) -> None:
    demo_sites.set_week(WEEK)
    mirror = f"http://{tor_testnet.onion_host}:{DEMO_ONION_PORT}"
    proc = _crawl(tmp_path, "--mirror", mirror, "-s", f"TOR_SOCKS={tor_testnet.socks}",
                  "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "-s", "DOWNLOAD_TIMEOUT=60")
    assert proc.returncode == 0, proc.stderr[-3000:]
    truth = DemoWorld.build(seed=7).truth(WEEK)
    con = sqlite3.connect(tmp_path / "narcoscope.db")
    got = {(r[0], r[1], r[2]) for r in con.execute("SELECT listing_id, title, vendor FROM listings")}
    expected = {(t["listing_id"], t["title"], t["vendor"]) for t in truth["listings"] if t["source"] == "nightjar"}
    assert got == expected
    assert con.execute("SELECT count(*) FROM pages").fetchone()[0] == truth["pages"]["nightjar"]
    assert {r[0] for r in con.execute("SELECT DISTINCT substr(url, 1, instr(url, '.onion') + 5) FROM pages")} == {
        f"http://{tor_testnet.onion_host}"}


def test_onion_source_without_tor_fetches_nothing(tmp_path: Path, tor_testnet: Testnet) -> None:
    proc = _crawl(tmp_path, "--mirror", f"http://{tor_testnet.onion_host}:{DEMO_ONION_PORT}")
    assert proc.returncode == 1
    assert "TOR_SOCKS" in proc.stderr
    con = sqlite3.connect(tmp_path / "narcoscope.db")
    assert con.execute("SELECT count(*) FROM pages").fetchone()[0] == 0
