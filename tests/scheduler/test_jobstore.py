"""The job queue on a real SQLite file: slots, claims under contention, leases, retries, control."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from crawler.profiles.model import Schedule
from scheduler.jobstore import JobStore
from scheduler.timing import Slots, backoff, iso

T0 = datetime(2026, 5, 4, 12, 0, 3, tzinfo=timezone.utc)


def _slots(every: float = 60, jitter: float = 0, task: str = "crawl:tortuga") -> Slots:
    return Slots(task, Schedule(every=every, jitter=jitter))


def test_interval_slots_are_aligned_and_jitter_is_stable() -> None:
    s = _slots(every=60, jitter=30)
    first = s.next_after(T0)
    assert first == datetime(2026, 5, 4, 12, 1, tzinfo=timezone.utc)
    assert s.next_after(first) == first + timedelta(minutes=1)
    jit = s.jitter(first)
    assert timedelta(0) <= jit < timedelta(seconds=30)
    assert _slots(every=60, jitter=30).jitter(first) == jit  # same after a restart
    assert Slots("crawl:other", s.schedule).jitter(first) != jit  # sources do not move in lockstep


def test_cron_slots() -> None:
    s = Slots("report:weekly", Schedule(cron="0 6 * * 1"))
    nxt = s.next_after(T0)  # 2026-05-04 is a Monday, 12:00 is past 06:00
    assert nxt == datetime(2026, 5, 11, 6, 0, tzinfo=timezone.utc)


def test_backoff_grows_then_caps() -> None:
    assert [backoff(a, 60, 3600) for a in (1, 2, 3, 4)] == [60, 240, 960, 3600]


def test_enqueue_is_idempotent_and_catches_up(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "db.sqlite")
    s = _slots(every=60)
    assert store.enqueue_slots(s, kind="crawl", source="tortuga", now=T0) == []  # schedule starts
    later = T0 + timedelta(minutes=10)  # ten slots passed while nobody ran
    ids = store.enqueue_slots(s, kind="crawl", source="tortuga", now=later, max_catchup=3)
    assert len(ids) == 3
    assert store.enqueue_slots(s, kind="crawl", source="tortuga", now=later) == []
    again = JobStore(tmp_path / "db.sqlite")  # a restarted scheduler
    assert again.enqueue_slots(s, kind="crawl", source="tortuga", now=later) == []
    statuses = [r["status"] for r in store.jobs(limit=100)]
    assert statuses.count("queued") == 3 and statuses.count("missed") == 7


def test_claim_is_exclusive_across_instances(tmp_path: Path) -> None:
    """Many schedulers race for the same queue: every job is claimed exactly once."""
    db = tmp_path / "db.sqlite"
    setup = JobStore(db)
    for i in range(40):
        setup.run_now(f"crawl:s{i}", kind="crawl", source=f"s{i}", now=T0)
    claimed: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        store = JobStore(db)
        while True:
            got = store.claim(T0 + timedelta(seconds=1), 3)
            if not got:
                return
            with lock:
                claimed.extend(j.job_id for j in got)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 40


def test_never_two_runs_of_one_task(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "db.sqlite")
    a = store.run_now("crawl:tortuga", kind="crawl", source="tortuga", now=T0)
    b = store.run_now("crawl:tortuga", kind="crawl", source="tortuga", now=T0)
    assert a != b
    first = store.claim(T0 + timedelta(seconds=5), 10)
    assert [j.job_id for j in first] == [a]
    assert store.claim(T0 + timedelta(seconds=5), 10) == []  # b waits for a
    store.finish(first[0], "succeeded", T0 + timedelta(seconds=6))
    assert [j.job_id for j in store.claim(T0 + timedelta(seconds=7), 10)] == [b]


def test_expired_lease_fails_and_retries(tmp_path: Path) -> None:
    dead = JobStore(tmp_path / "db.sqlite", lease=3)
    job_id = dead.run_now("crawl:tortuga", kind="crawl", source="tortuga", now=T0)
    dead.claim(T0, 1)
    live = JobStore(tmp_path / "db.sqlite", lease=3)
    assert live.recover_expired(T0 + timedelta(seconds=2), max_attempts=3, retry_in=0) == []  # still leased
    assert live.recover_expired(T0 + timedelta(seconds=4), max_attempts=3, retry_in=0) == [job_id]
    row = live.job(job_id)
    assert row is not None and row["status"] == "failed" and "interrupted" in row["error"]
    retry = live.claim(T0 + timedelta(seconds=5), 1)
    assert [(j.attempt, iso(j.slot)) for j in retry] == [(2, row["slot"])]


def test_heartbeat_keeps_the_lease(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "db.sqlite", lease=3)
    job_id = store.run_now("crawl:tortuga", kind="crawl", source="tortuga", now=T0)
    store.claim(T0, 1)
    store.heartbeat(T0 + timedelta(seconds=2))
    other = JobStore(tmp_path / "db.sqlite", lease=3)  # another scheduler instance on the same store
    assert other.recover_expired(T0 + timedelta(seconds=4), max_attempts=3, retry_in=0) == []
    assert store.recover_expired(T0 + timedelta(seconds=60), max_attempts=3, retry_in=0) == []  # its own: alive
    assert other.recover_expired(T0 + timedelta(seconds=6), max_attempts=3, retry_in=0) == [job_id]


def test_pause_resume_cancel(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "db.sqlite")
    s = _slots(every=60)
    store.enqueue_slots(s, kind="crawl", source="tortuga", now=T0)
    assert store.set_paused("crawl:tortuga", True)
    store.enqueue_slots(s, kind="crawl", source="tortuga", now=T0 + timedelta(minutes=2))
    assert {r["status"] for r in store.jobs()} == {"skipped"}
    assert store.set_paused("crawl:tortuga", False)
    ids = store.enqueue_slots(s, kind="crawl", source="tortuga", now=T0 + timedelta(minutes=3))
    assert len(ids) == 1
    assert store.cancel(ids[0], T0) == "cancelled"
    running = store.run_now("crawl:tortuga", kind="crawl", source="tortuga", now=T0)
    store.claim(T0 + timedelta(minutes=4), 1)
    assert store.cancel(running, T0) == "cancel-requested"
    assert store.cancel_requested() == {running}
    assert store.cancel(9999, T0) == "unknown"


def test_dead_source_slots_are_skipped_until_the_probe(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "db.sqlite")
    s = _slots(every=60)
    store.enqueue_slots(s, kind="crawl", source="tortuga", now=T0)
    store.mark_dead("crawl:tortuga", T0 + timedelta(minutes=3, seconds=30))
    ids = store.enqueue_slots(s, kind="crawl", source="tortuga", now=T0 + timedelta(minutes=5), max_catchup=10)
    rows = sorted(store.jobs(limit=10), key=lambda r: r["slot"])
    assert [r["status"] for r in rows] == ["skipped", "skipped", "skipped", "queued", "queued"]
    assert len(ids) == 2 and store.dead_streak("crawl:tortuga") == 1


@pytest.mark.parametrize("text,seconds", [("90s", 90), ("15m", 900), ("6h", 21600), ("1d", 86400), ("2.5", 2.5)])
def test_durations(text: str, seconds: float) -> None:
    from crawler.profiles.loader import parse_duration

    assert parse_duration(text) == seconds
