"""`narcoscope jobs …` as a user runs it (through `python -m scheduler`, until cli.COMMANDS lists it)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from narcoscope.paths import REPO_ROOT
from scheduler.jobstore import JobStore
from scheduler.service import SchedulerService, ServiceConfig
from scheduler.timing import utcnow
from tests.scheduler.sched_helpers import child_env


def _jobs(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scheduler", "jobs", "--home", str(home), *args], cwd=REPO_ROOT,
                          env=child_env(home), capture_output=True, text=True, timeout=60, check=False)


def test_run_now_list_show_pause_health(tmp_path: Path) -> None:
    got = _jobs(tmp_path, "run-now", "tortuga")
    assert got.returncode == 0 and "queued job 1 (crawl:tortuga)" in got.stdout
    listing = _jobs(tmp_path, "list")
    assert "crawl:tortuga" in listing.stdout and "queued" in listing.stdout
    shown = _jobs(tmp_path, "show", "1")
    assert "trigger           manual" in shown.stdout
    assert _jobs(tmp_path, "show", "99").returncode == 2
    assert _jobs(tmp_path, "pause", "tortuga").returncode == 2  # no schedule yet: said so, not ignored
    store = JobStore(tmp_path / "narcoscope.db")
    store.db.execute("INSERT INTO schedules(task, next_slot) VALUES ('crawl:tortuga', '2030-01-01T00:00:00')")
    assert "paused" in _jobs(tmp_path, "pause", "tortuga").stdout
    assert "paused" in _jobs(tmp_path, "list").stdout
    assert "no health alerts" in _jobs(tmp_path, "health").stdout
    assert _jobs(tmp_path, "cancel", "1").stdout.strip() == "job 1: cancelled"


def test_cancel_a_running_job(tmp_path: Path) -> None:
    """`jobs cancel` on a running crawl: the scheduler that owns it stops the child."""
    service = SchedulerService([], ServiceConfig(home=tmp_path, mirrors={"tortuga": "http://127.0.0.1:9"}))
    job_id = service.store.run_now("crawl:tortuga", kind="crawl", source="tortuga", now=utcnow())
    service.tick()
    assert job_id in service.running
    assert _jobs(tmp_path, "cancel", str(job_id)).stdout.strip() == f"job {job_id}: cancel-requested"
    deadline = time.monotonic() + 60
    while service.running and time.monotonic() < deadline:
        service.tick()
        time.sleep(0.1)
    row = service.store.job(job_id)
    assert row is not None and row["status"] == "cancelled"
    assert not service.store.jobs(status="queued")  # a cancelled run is not retried


def test_the_crawl_child_reads_the_profile_the_schedule_came_from(tmp_path: Path) -> None:
    """A profile given with --sites (its own rate limit) is the one the crawl child loads, not the
    config/sites file of the same name: the scheduler once paced by one file and crawled by another."""
    import argparse

    from narcoscope.commands.scheduler import add_parser, build_service
    from scheduler import child
    from scheduler.jobstore import Job

    sites = tmp_path / "sites"
    sites.mkdir()
    profile = (REPO_ROOT / "config/sites/tortuga.yaml").read_text() + "\nschedule: {every: 20s}\n"
    (sites / "tortuga.yaml").write_text(profile)
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers())
    args = parser.parse_args(["scheduler", "--home", str(tmp_path / "home"), "--sites", str(sites), "--no-report"])
    service = build_service(args)
    assert service.config.profiles == {"tortuga": str(sites / "tortuga.yaml")}
    job = Job(1, "crawl:tortuga", "crawl", "tortuga", utcnow(), 1, utcnow(), "schedule")
    argv = child.argv_for(job, home=tmp_path, index_url=None, profile=service.config.profiles["tortuga"])
    assert argv[argv.index("crawl") + 1] == str(sites / "tortuga.yaml")
