"""A source with a dead mirror: the crawl backs it off and completes on the live one."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from demosites import DemoWorld
from narcoscope.demo import DemoSites
from narcoscope.paths import REPO_ROOT
from tests.support import free_port_block

pytestmark = pytest.mark.slow


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens: connection refused
    return port


def test_dead_mirror_is_backed_off_and_another_used(tmp_path: Path) -> None:
    base = (REPO_ROOT / "config" / "sites" / "tortuga.yaml").read_text()
    with DemoSites(control_port=free_port_block()) as sites:
        sites.set_week(3)
        live = sites.sites()["tortuga"]
        dead = f"http://127.0.0.1:{_closed_port()}"
        profile = tmp_path / "tortuga-mirrored.yaml"
        profile.write_text(base.replace('mirrors: ["http://127.0.0.1:8401"]', f'mirrors: ["{dead}", "{live}"]'))
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        proc = subprocess.run([sys.executable, "-m", "narcoscope", "crawl", str(profile), "--home", str(tmp_path)],
                              cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    con = sqlite3.connect(tmp_path / "narcoscope.db")
    stats = json.loads(con.execute("SELECT stats FROM crawls").fetchone()[0])
    assert stats["narcoscope/mirror/dead"] == 1  # tried once, then backed off for the whole crawl
    truth = {t["listing_id"] for t in DemoWorld.build(seed=7).truth(3)["listings"] if t["source"] == "tortuga"}
    assert {r[0] for r in con.execute("SELECT listing_id FROM listings")} == truth
    assert all(u.startswith(live) for (u,) in con.execute("SELECT url FROM pages"))
