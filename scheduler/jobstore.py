"""The job queue and its history, in SQLite: claimed under ``BEGIN IMMEDIATE``, held by leases.

Every state change is one short write transaction. ``BEGIN IMMEDIATE`` takes SQLite's write lock
before reading, so two scheduler instances (or a ``jobs run-now`` from a shell) can never both
see a job as free and both start it. A running job carries its scheduler's ``owner`` and a
``lease_until`` the owner keeps pushing forward; when an owner dies (``kill -9``) its leases run
out and any scheduler marks those runs failed and queues their retry.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from narcoscope.sqlite import apply_schema
from narcoscope.sqlite import connect as sqlite_connect
from scheduler.timing import Slots, iso, parse_iso

log = logging.getLogger(__name__)

_SCHEMA = resources.files("scheduler").joinpath("schema.sql").read_text(encoding="utf-8")
TERMINAL = ("succeeded", "failed", "cancelled", "missed", "skipped")


@dataclass(frozen=True, slots=True)
class Job:
    job_id: int
    task: str
    kind: str
    source: str
    slot: datetime
    attempt: int
    due_at: datetime
    trigger: str

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Job:
        return cls(row["job_id"], row["task"], row["kind"], row["source"], parse_iso(row["slot"]),
                   row["attempt"], parse_iso(row["due_at"]), row["trigger"])


def connect(path: Path) -> sqlite3.Connection:
    """Autocommit connection (transactions are explicit), WAL, and a generous busy timeout."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_connect(path, isolation_level=None, timeout=30.0, check_same_thread=False)
    db.row_factory = sqlite3.Row
    apply_schema(db, _SCHEMA)
    db.execute("PRAGMA synchronous = NORMAL")  # WAL: survives a crash of any process; fsync at checkpoints
    return db


class JobStore:
    """Queue operations for one scheduler instance (``owner``) or a CLI command (no owner)."""

    def __init__(self, path: Path, *, owner: str | None = None, lease: float = 30.0) -> None:
        self.path = Path(path)
        self.db = connect(self.path)
        self.owner = owner or f"sched-{uuid.uuid4().hex[:10]}"
        self.lease = lease

    @contextmanager
    def immediate(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taking the write lock up front."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    # instances and leases -----------------------------------------------------------------
    def register(self, host: str, pid: int, now: datetime, metrics_url: str = "") -> None:
        with self.immediate() as db:
            db.execute("INSERT OR REPLACE INTO scheduler_instances VALUES (?,?,?,?,?,?)",
                       (self.owner, host, pid, iso(now), iso(now), metrics_url))

    def heartbeat(self, now: datetime) -> None:
        """Prove this instance is alive: extend the leases of the jobs it runs.

        The lease runs from when the write lock was obtained, not from ``now``: waiting for a crawl's
        batch to commit must not eat the lease (a busy store once expired a live scheduler's job)."""
        asked = time.monotonic()
        with self.immediate() as db:
            now += timedelta(seconds=time.monotonic() - asked)
            db.execute("UPDATE scheduler_instances SET heartbeat_at=? WHERE owner=?", (iso(now), self.owner))
            db.execute("UPDATE jobs SET lease_until=? WHERE owner=? AND status='running'",
                       (iso(now + timedelta(seconds=self.lease)), self.owner))

    def recover_expired(self, now: datetime, *, max_attempts: int, retry_in: float) -> list[int]:
        """Runs whose owner stopped renewing the lease: failed, and retried while attempts remain.
        This instance's own runs are never taken: it watches its children and knows they live."""
        with self.immediate() as db:
            rows = list(db.execute("SELECT * FROM jobs WHERE status='running' AND lease_until < ? AND owner IS NOT ?",
                                   (iso(now), self.owner)))
            for row in rows:
                db.execute("UPDATE jobs SET status='failed', finished_at=?, error=? WHERE job_id=?",
                           (iso(now), f"interrupted: lease of {row['owner']} expired (scheduler died?)",
                            row["job_id"]))
                if row["attempt"] < max_attempts:
                    self._insert_retry(db, row, now + timedelta(seconds=retry_in))
        for row in rows:
            log.warning("job %s (%s slot %s) was interrupted; %s", row["job_id"], row["task"], row["slot"],
                        "retry queued" if row["attempt"] < max_attempts else "no attempts left")
        return [r["job_id"] for r in rows]

    # enqueueing -----------------------------------------------------------------------------
    def enqueue_slots(self, slots: Slots, *, kind: str, source: str, now: datetime,
                      max_catchup: int = 3, lookahead: float = 0.0) -> list[int]:
        """Enqueue every slot of the task up to ``now`` (+ lookahead) not enqueued yet.

        The first time a task is seen its schedule starts at the next slot. Slots missed while
        no scheduler ran are enqueued (the latest ``max_catchup`` of them) or recorded as
        ``missed``: never silently dropped. A paused task's or backed-off source's slots are
        recorded as ``skipped`` with the reason.
        """
        horizon = now + timedelta(seconds=lookahead)
        with self.immediate() as db:
            row = db.execute("SELECT * FROM schedules WHERE task=?", (slots.task,)).fetchone()
            if row is None:
                db.execute("INSERT INTO schedules(task, next_slot) VALUES (?,?)",
                           (slots.task, iso(slots.next_after(now))))
                return []
            pending: list[datetime] = []
            slot = parse_iso(row["next_slot"])
            while slot <= horizon and len(pending) < 10_000:
                pending.append(slot)
                slot = slots.next_after(slot)
            if not pending:
                return []
            db.execute("UPDATE schedules SET next_slot=? WHERE task=?", (iso(slot), slots.task))
            dead_until = parse_iso(row["dead_until"]) if row["dead_until"] else None
            ids = []
            for i, s in enumerate(pending):
                status, error = "queued", None
                if row["paused"]:
                    status, error = "skipped", "paused"
                elif dead_until and slots.due(s) < dead_until:
                    status, error = "skipped", f"source backed off until {iso(dead_until)}"
                elif i < len(pending) - max_catchup:
                    status, error = "missed", "no scheduler was running; older than the catch-up limit"
                cur = db.execute(
                    "INSERT OR IGNORE INTO jobs(task, kind, source, slot, due_at, status, error)"
                    " VALUES (?,?,?,?,?,?,?)",
                    (slots.task, kind, source, iso(s), iso(slots.due(s)), status, error))
                if cur.rowcount and status == "queued":
                    ids.append(int(cur.lastrowid or 0))
            return ids

    def run_now(self, task: str, *, kind: str, source: str, now: datetime) -> int:
        """A manual run, on a slot of its own (now, to the second)."""
        slot = now.replace(microsecond=0)
        with self.immediate() as db:
            while db.execute("SELECT 1 FROM jobs WHERE task=? AND slot=?", (task, iso(slot))).fetchone():
                slot += timedelta(seconds=1)
            cur = db.execute("INSERT INTO jobs(task, kind, source, slot, due_at, trigger) VALUES (?,?,?,?,?,?)",
                             (task, kind, source, iso(slot), iso(now), "manual"))
            return int(cur.lastrowid or 0)

    def _insert_retry(self, db: sqlite3.Connection, row: sqlite3.Row, due: datetime) -> None:
        db.execute("INSERT OR IGNORE INTO jobs(task, kind, source, slot, attempt, due_at, trigger)"
                   " VALUES (?,?,?,?,?,?,?)",
                   (row["task"], row["kind"], row["source"], row["slot"], row["attempt"] + 1, iso(due), "retry"))

    # claiming and finishing ---------------------------------------------------------------------
    def claim(self, now: datetime, limit: int) -> list[Job]:
        """Take due jobs, at most one per task and none for a task that is already running."""
        if limit <= 0:
            return []
        with self.immediate() as db:
            rows = list(db.execute(
                "SELECT * FROM jobs WHERE status='queued' AND due_at <= ? AND task NOT IN"
                " (SELECT task FROM jobs WHERE status='running') ORDER BY due_at, job_id", (iso(now),)))
            picked: dict[str, sqlite3.Row] = {}
            for row in rows:
                if row["task"] not in picked and len(picked) < limit:
                    picked[row["task"]] = row
            lease_until = iso(now + timedelta(seconds=self.lease))
            for row in picked.values():
                db.execute("UPDATE jobs SET status='running', owner=?, lease_until=?, started_at=? WHERE job_id=?",
                           (self.owner, lease_until, iso(now), row["job_id"]))
        return [Job.from_row(r) for r in picked.values()]

    def started(self, job_id: int, pid: int, spawn_delay: float, crawl_id: str | None) -> None:
        with self.immediate() as db:
            db.execute("UPDATE jobs SET pid=?, spawn_delay_s=?, crawl_id=? WHERE job_id=?",
                       (pid, spawn_delay, crawl_id, job_id))

    def finish(self, job: Job, status: str, now: datetime, **fields: Any) -> None:
        cols = {"status": status, "finished_at": iso(now), **fields}
        sets = ", ".join(f"{k}=?" for k in cols)
        with self.immediate() as db:
            db.execute(f"UPDATE jobs SET {sets} WHERE job_id=? AND owner=?",
                       (*cols.values(), job.job_id, self.owner))

    def retry(self, job: Job, due: datetime) -> None:
        with self.immediate() as db:
            row = db.execute("SELECT * FROM jobs WHERE job_id=?", (job.job_id,)).fetchone()
            self._insert_retry(db, row, due)

    # sources that stopped answering -----------------------------------------------------------
    def mark_dead(self, task: str, until: datetime) -> int:
        """Back a source off until ``until``: its queued scheduled slots before then are skipped."""
        with self.immediate() as db:
            db.execute("UPDATE schedules SET dead_streak=dead_streak+1, dead_until=? WHERE task=?", (iso(until), task))
            db.execute("UPDATE jobs SET status='skipped', error=? WHERE task=? AND status='queued'"
                       " AND trigger!='manual' AND due_at < ?",
                       (f"source backed off until {iso(until)}", task, iso(until)))
            row = db.execute("SELECT dead_streak FROM schedules WHERE task=?", (task,)).fetchone()
        return int(row[0]) if row else 1

    def dead_streak(self, task: str) -> int:
        row = self.db.execute("SELECT dead_streak FROM schedules WHERE task=?", (task,)).fetchone()
        return int(row[0]) if row else 0

    def mark_alive(self, task: str) -> None:
        with self.immediate() as db:
            db.execute("UPDATE schedules SET dead_streak=0, dead_until=NULL WHERE task=?", (task,))

    # control ------------------------------------------------------------------------------
    def set_paused(self, task: str, paused: bool) -> bool:
        with self.immediate() as db:
            cur = db.execute("UPDATE schedules SET paused=? WHERE task=?", (int(paused), task))
            return cur.rowcount > 0

    def cancel(self, job_id: int, now: datetime) -> str:
        """Cancel a queued job at once; ask the owner of a running one to stop it."""
        with self.immediate() as db:
            row = db.execute("SELECT status FROM jobs WHERE job_id=?", (job_id,)).fetchone()
            if row is None:
                return "unknown"
            if row["status"] == "queued":
                db.execute("UPDATE jobs SET status='cancelled', finished_at=? WHERE job_id=?", (iso(now), job_id))
                return "cancelled"
            if row["status"] == "running":
                db.execute("UPDATE jobs SET cancel_requested=1 WHERE job_id=?", (job_id,))
                return "cancel-requested"
            return str(row["status"])

    def cancel_requested(self) -> set[int]:
        rows = self.db.execute("SELECT job_id FROM jobs WHERE owner=? AND status='running' AND cancel_requested=1",
                               (self.owner,))
        return {r[0] for r in rows}

    # reading ------------------------------------------------------------------------------
    def jobs(self, *, status: str | None = None, task: str | None = None, limit: int = 50) -> list[sqlite3.Row]:
        where, params = [], []
        if status:
            where.append("status=?")
            params.append(status)
        if task:
            where.append("task=?")
            params.append(task)
        sql = "SELECT * FROM jobs" + (" WHERE " + " AND ".join(where) if where else "")
        return list(self.db.execute(sql + " ORDER BY job_id DESC LIMIT ?", (*params, limit)))

    def job(self, job_id: int) -> sqlite3.Row | None:
        row: sqlite3.Row | None = self.db.execute("SELECT * FROM jobs WHERE job_id=?", (job_id,)).fetchone()
        return row

    def schedules(self) -> list[sqlite3.Row]:
        return list(self.db.execute("SELECT * FROM schedules ORDER BY task"))
