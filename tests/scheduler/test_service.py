"""The service loop in-process, with real child processes: retries with back-off, dead sources."""

from __future__ import annotations

import socket
import time
from datetime import timedelta
from pathlib import Path

import pytest

from crawler.profiles import load_profile
from crawler.profiles.model import Schedule
from scheduler.jobstore import JobStore
from scheduler.service import SchedulerService, ServiceConfig, Task, tasks_for
from scheduler.timing import Slots, utcnow


def _run_until(service: SchedulerService, done: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        service.tick()
        if done():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_a_failing_run_is_retried_with_backoff(tmp_path: Path) -> None:
    """A crawl of a source the crawler does not know exits at once: failed, retried later, then given up."""
    config = ServiceConfig(home=tmp_path, retry_base=1.0, max_attempts=2, tick=0.2)
    service = SchedulerService([], config)
    store = service.store
    first = store.run_now("crawl:no-such-source", kind="crawl", source="no-such-source", now=utcnow())
    _run_until(service, lambda: len(store.jobs(status="failed")) == 2, timeout=60)
    rows = sorted(store.jobs(limit=10), key=lambda r: r["attempt"])
    assert [(r["attempt"], r["status"], r["trigger"]) for r in rows] == [
        (1, "failed", "manual"), (2, "failed", "retry")]
    assert rows[0]["job_id"] == first and "never started" in rows[0]["error"]
    gap = (time.mktime(time.strptime(rows[1]["started_at"][:19], "%Y-%m-%dT%H:%M:%S"))
           - time.mktime(time.strptime(rows[0]["finished_at"][:19], "%Y-%m-%dT%H:%M:%S")))
    assert gap >= 0  # the retry waited for its due time (1 s back-off, second resolution)
    assert rows[1]["due_at"] > rows[0]["finished_at"]


@pytest.mark.slow
def test_a_dead_mirror_is_backed_off_and_reported(tmp_path: Path) -> None:
    with socket.socket() as s:  # a port with nobody listening: the market is gone
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    config = ServiceConfig(home=tmp_path, mirrors={"tortuga": dead}, dead_base=3600, tick=0.2)
    task = Task("crawl:tortuga", "crawl", "tortuga", Slots("crawl:tortuga", Schedule(every=2)))
    service = SchedulerService([task], config)
    store: JobStore = service.store
    _run_until(service, lambda: store.jobs(status="failed"), timeout=120)
    failed = store.jobs(status="failed")[0]
    assert "no content" in failed["error"] and failed["pages"] == 0
    sched = store.schedules()[0]
    assert sched["dead_streak"] == 1 and sched["dead_until"] is not None
    alerts = list(store.db.execute("SELECT source, symptom, detail FROM health_alerts"))
    assert [(a[0], a[1]) for a in alerts] == [("tortuga", "unreachable")] and "next probe" in alerts[0][2]
    assert not store.jobs(status="queued", task="crawl:tortuga")  # no fast retry: the back-off is the retry
    # The next slots fall inside the back-off: recorded as skipped, not run.
    later = utcnow() + timedelta(seconds=6)
    store.enqueue_slots(task.slots, kind="crawl", source="tortuga", now=later)
    skipped = store.jobs(status="skipped")
    assert skipped and all("backed off" in r["error"] for r in skipped)
    service.shutdown()


def test_tasks_from_profiles(tmp_path: Path) -> None:
    base = (Path(__file__).resolve().parents[2] / "config/sites/tortuga.yaml").read_text()
    (tmp_path / "tortuga.yaml").write_text(base + "schedule: {every: 6h, jitter: 30m}\n")
    tasks = tasks_for([load_profile(tmp_path / "tortuga.yaml")], Schedule(cron="0 6 * * 1"))
    assert [(t.name, t.kind) for t in tasks] == [("crawl:tortuga", "crawl"), ("report:weekly", "report")]
    assert tasks[0].slots.schedule.every == 6 * 3600 and tasks[0].slots.schedule.jitter == 1800
