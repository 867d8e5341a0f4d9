"""`kill -9` of the scheduler mid-run, and a restart: nothing duplicated, nothing lost.

The real thing: the scheduler runs as a subprocess against the demo sites on 127.0.0.1 with a
20-second schedule, its crawls are real child processes, the kill is SIGKILL.
"""

from __future__ import annotations

import itertools
import os
import re
import signal
import subprocess
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from narcoscope.paths import REPO_ROOT
from tests.scheduler.sched_helpers import demo_sites, query, start_module, wait_for

EVERY = 20


def _scheduler(home: Path, sites: Path, mirror: str, log: Path) -> subprocess.Popen[bytes]:
    return start_module(["scheduler", "scheduler", "--home", str(home), "--sites", str(sites),
                         "--mirror", f"tortuga={mirror}", "--no-report", "--metrics-port", "0",
                         "--lease", "3s", "--retry-base", "1s", "--tick", "0.3s"], home, log)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is dead for our purpose
        return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0
    except OSError:
        return False


@pytest.mark.slow
def test_sigkill_mid_run_then_restart(tmp_path: Path) -> None:
    home, sites_dir = tmp_path / "home", tmp_path / "sites"
    sites_dir.mkdir()
    profile = (REPO_ROOT / "config/sites/tortuga.yaml").read_text()
    # 0.15 s between pages (~10 s a run): a run is still mid-way when the test sees its first
    # committed pages (commits are up to 2 s apart); at full loopback speed it could be over.
    profile = re.sub(r"(?m)^rate_limit: \{delay: 0,", "rate_limit: {delay: 0.15,", profile)
    assert "delay: 0.15" in profile
    (sites_dir / "tortuga.yaml").write_text(profile + f"\nschedule: {{every: {EVERY}s, jitter: 2s}}\n")
    db, log = home / "narcoscope.db", tmp_path / "scheduler.log"
    with demo_sites(start=31000) as demo:
        mirror = demo.sites()["tortuga"]
        first = _scheduler(home, sites_dir, mirror, log)
        try:
            # Mid-run: the crawl child has stored some pages of its slot but not finished.
            def mid_run() -> object:
                rows = query(db, "SELECT j.job_id, j.pid, j.crawl_id FROM jobs j WHERE j.status='running'"
                                 " AND j.pid IS NOT NULL")
                for r in rows:
                    pages = query(db, "SELECT count(*) FROM pages WHERE crawl_id=?", (r["crawl_id"],))
                    if pages and pages[0][0] >= 3:
                        return r
                return None
            victim = wait_for("a crawl in mid-run", mid_run, timeout=3 * EVERY + 60, every=0.02)
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
        finally:
            if first.poll() is None:
                first.kill()
        # The crawl child dies with its scheduler (parent-death signal): no orphan writes the slot.
        wait_for("the orphaned crawl to die", lambda: not _alive(victim["pid"]), timeout=10)
        killed = query(db, "SELECT * FROM jobs WHERE job_id=?", (victim["job_id"],))[0]
        assert killed["status"] == "running"  # nobody could record anything: it was kill -9

        second = _scheduler(home, sites_dir, mirror, log)
        try:
            def resumed() -> bool:
                done = query(db, "SELECT slot FROM jobs WHERE status='succeeded' AND slot > ?", (killed["slot"],))
                retried = query(db, "SELECT 1 FROM jobs WHERE slot=? AND attempt=2 AND status='succeeded'",
                                (killed["slot"],))
                return bool(retried) and len(done) >= 2
            wait_for("the retry and two later slots", resumed, timeout=6 * EVERY + 90, every=0.5)
            instances = query(db, "SELECT metrics_url FROM scheduler_instances ORDER BY started_at DESC")
            metrics = urllib.request.urlopen(instances[0]["metrics_url"], timeout=10).read().decode()
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=60)

    jobs = query(db, "SELECT * FROM jobs WHERE task='crawl:tortuga' ORDER BY slot, attempt")
    by_id = {j["job_id"]: j for j in jobs}
    # The interrupted run: failed with the reason, and its slot retried once, successfully.
    assert by_id[killed["job_id"]]["status"] == "failed"
    assert "interrupted" in by_id[killed["job_id"]]["error"]
    same_slot = [j for j in jobs if j["slot"] == killed["slot"]]
    assert [j["attempt"] for j in same_slot] == [1, 2]
    assert same_slot[1]["status"] == "succeeded" and same_slot[1]["trigger"] == "retry"
    # No slot ran successfully twice, and no two runs of the source overlapped.
    succeeded = [j["slot"] for j in jobs if j["status"] == "succeeded"]
    assert len(succeeded) == len(set(succeeded))
    spans = sorted((j["started_at"], j["finished_at"]) for j in jobs if j["started_at"] and j["finished_at"])
    for (_, end), (start, _) in itertools.pairwise(spans):
        assert start >= end, f"two runs of tortuga overlapped: {spans}"
    # No slot lost: the slots are consecutive schedule steps, each with a row.
    slots = sorted({datetime.fromisoformat(j["slot"]) for j in jobs})
    assert all(b - a == timedelta(seconds=EVERY) for a, b in itertools.pairwise(slots)), slots
    assert all(j["status"] != "missed" for j in jobs)
    # Each successful run filed a finished crawl under its slot's id, with pages and listings.
    for j in jobs:
        if j["status"] == "succeeded":
            crawl = query(db, "SELECT status FROM crawls WHERE crawl_id=?", (j["crawl_id"],))
            # 'spooled': finished, its documents waiting in the spool for the index (still counted)
            assert crawl and crawl[0]["status"] in ("finished", "finished-with-errors", "spooled"), j["crawl_id"]
            assert j["pages"] > 0 and j["listings"] > 0
    assert 'narcoscope_crawl_pages_total{source="tortuga"}' in metrics
    assert "narcoscope_job_duration_seconds_count" in metrics
