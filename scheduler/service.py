"""The scheduler service: enqueue due slots, claim jobs, run each in a child, record what it did.

One loop, one tick a second by default. Everything it knows lives in SQLite (``jobstore``), so a
scheduler killed at any instant and started again continues where the store says: slots already
enqueued are not enqueued again (``UNIQUE(task, slot, attempt)``), runs it was holding are failed
and retried once their lease expires, and the next slots follow the same schedule.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from crawler.profiles.model import Schedule, SiteProfile
from scheduler import child, health
from scheduler.jobstore import Job, JobStore
from scheduler.outcome import RunOutcome, crawl_outcome, report_outcome
from scheduler.timing import Slots, backoff, iso, utcnow

log = logging.getLogger(__name__)

REPORT_TASK = "report:weekly"


@dataclass(frozen=True, slots=True)
class Task:
    """Something run on a schedule: a source's crawl or the weekly report."""

    name: str
    kind: str
    source: str
    slots: Slots


@dataclass(frozen=True, kw_only=True)
class ServiceConfig:
    home: Path
    index_url: str | None = None
    mirrors: dict[str, str] = field(default_factory=dict)  # source -> base URL (else the profile's)
    # source -> the profile file the schedule came from: the crawl child must read the same file
    # (rate limit, caps), not whatever config/sites holds under that name.
    profiles: dict[str, str] = field(default_factory=dict)
    tick: float = 1.0
    lease: float = 30.0
    heartbeat: float = 5.0
    max_parallel: int = 2
    max_attempts: int = 3
    retry_base: float = 60.0  # then ×4 per attempt
    retry_cap: float = 3600.0
    dead_base: float = 3600.0  # a source with no content: 1 h, 4 h, 16 h, 2.7 d … up to dead_cap
    dead_cap: float = 7 * 86400.0
    max_catchup: int = 3
    thresholds: health.Thresholds = field(default_factory=health.Thresholds)


def task_name(source_or_task: str) -> str:
    """``tortuga`` -> ``crawl:tortuga``; a name with a colon is already a task."""
    return source_or_task if ":" in source_or_task else f"crawl:{source_or_task}"


def tasks_for(profiles: Iterable[SiteProfile], report: Schedule | None) -> list[Task]:
    """A crawl task per profile with a ``schedule``, and the report task."""
    tasks = [Task(f"crawl:{p.name}", "crawl", p.name, Slots(f"crawl:{p.name}", p.schedule))
             for p in profiles if p.schedule is not None]
    if report is not None:
        tasks.append(Task(REPORT_TASK, "report", "", Slots(REPORT_TASK, report)))
    return tasks


@dataclass
class _Run:
    job: Job
    proc: subprocess.Popen[bytes]
    crawl_id: str | None


class SchedulerService:
    def __init__(self, tasks: list[Task], config: ServiceConfig, store: JobStore | None = None) -> None:
        self.tasks, self.config = tasks, config
        self.store = store or JobStore(config.home / "narcoscope.db", lease=config.lease)
        self.running: dict[int, _Run] = {}
        self.spawn_work: list[float] = []  # seconds of scheduler work to start a job (bench)
        self.finish_work: list[float] = []  # … and to record its outcome (history, health)
        self._last_beat = 0.0

    # the loop ---------------------------------------------------------------------------------
    def run_forever(self, stop: threading.Event, metrics_url: str = "") -> None:
        self.store.register(socket.gethostname(), os.getpid(), utcnow(), metrics_url)
        log.info("scheduler %s started: %d task(s), store %s", self.store.owner, len(self.tasks), self.store.path,
                 extra={"owner": self.store.owner})
        try:
            while not stop.is_set():
                self.tick()
                stop.wait(self.config.tick)
        finally:
            self.shutdown()

    def tick(self, now: datetime | None = None) -> None:
        now = now or utcnow()
        if time.monotonic() - self._last_beat >= self.config.heartbeat:
            self.store.heartbeat(now)
            self._last_beat = time.monotonic()
        self.store.recover_expired(now, max_attempts=self.config.max_attempts, retry_in=0.0)
        for task in self.tasks:
            self.store.enqueue_slots(task.slots, kind=task.kind, source=task.source, now=now,
                                     max_catchup=self.config.max_catchup)
        self._poll(utcnow())
        for job_id in self.store.cancel_requested() & set(self.running):
            log.info("cancelling job %s", job_id, extra={"job_id": job_id})
            self.running[job_id].proc.terminate()
        for job in self.store.claim(utcnow(), self.config.max_parallel - len(self.running)):
            self._start(job)

    def shutdown(self) -> None:
        """Graceful stop: stop the children and queue their slots again at once."""
        for run in list(self.running.values()):
            run.proc.terminate()
        for run in list(self.running.values()):
            try:
                run.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                run.proc.kill()
                run.proc.wait()
            self.store.finish(run.job, "failed", utcnow(), error="interrupted: scheduler stopped",
                              exit_code=run.proc.returncode)
            if run.job.attempt < self.config.max_attempts:
                self.store.retry(run.job, utcnow())
        self.running.clear()

    # one job ------------------------------------------------------------------------------------
    def _start(self, job: Job) -> None:
        t0 = time.perf_counter()
        argv = child.argv_for(job, home=self.config.home, index_url=self.config.index_url,
                              mirror=self.config.mirrors.get(job.source, ""),
                              profile=self.config.profiles.get(job.source, ""))
        crawl_id = child.crawl_id_for(job.source, iso(job.slot)) if job.kind == "crawl" else None
        log_path = self.config.home / "logs" / "jobs" / f"{job.job_id}.log"
        try:
            proc = child.spawn(argv, log_path)
        except OSError as exc:
            self.store.finish(job, "failed", utcnow(), error=f"could not start: {exc}")
            return
        delay = (utcnow() - job.due_at).total_seconds()
        self.store.started(job.job_id, proc.pid, delay, crawl_id)
        self.running[job.job_id] = _Run(job, proc, crawl_id)
        self.spawn_work.append(time.perf_counter() - t0)
        log.info("job %s started: %s slot %s attempt %d (pid %d, %.3fs after due)", job.job_id, job.task,
                 iso(job.slot), job.attempt, proc.pid, delay,
                 extra={"job_id": job.job_id, "task": job.task, "slot": iso(job.slot), "pid": proc.pid})

    def _poll(self, now: datetime) -> None:
        for job_id, run in list(self.running.items()):
            rc = run.proc.poll()
            if rc is None:
                continue
            del self.running[job_id]
            t0 = time.perf_counter()
            self._finish(run, rc, now)
            self.finish_work.append(time.perf_counter() - t0)

    def _finish(self, run: _Run, rc: int, now: datetime) -> None:
        job = run.job
        if self.store.db.execute("SELECT cancel_requested FROM jobs WHERE job_id=?", (job.job_id,)).fetchone()[0]:
            self.store.finish(job, "cancelled", now, exit_code=rc, error="cancelled while running")
            return
        if run.crawl_id:
            outcome = crawl_outcome(self.store.db, run.crawl_id, rc, job.slot)
            if rc < 0:
                outcome = RunOutcome("failed", f"killed by signal {-rc}", **{
                    k: v for k, v in outcome.fields().items() if k != "error"})
        else:
            outcome = report_outcome(rc)
        status = "succeeded" if outcome.verdict == "succeeded" else "failed"
        self.store.finish(job, status, now, exit_code=rc, **outcome.fields())
        extra = {"job_id": job.job_id, "task": job.task, "status": status, "pages": outcome.pages,
                 "listings": outcome.listings, "blocked": outcome.blocked, "errors": outcome.errors}
        log.info("job %s %s: %s pages %d listings %d blocked %d errors %d%s", job.job_id, status, job.task,
                 outcome.pages, outcome.listings, outcome.blocked, outcome.errors,
                 f" ({outcome.error})" if outcome.error else "", extra=extra)
        if outcome.verdict == "succeeded":
            self._after_success(job, run.crawl_id, now)
        elif outcome.verdict == "unreachable":
            self._back_off_source(job, run.crawl_id, outcome, now)
        elif job.attempt < self.config.max_attempts:
            wait = backoff(job.attempt, self.config.retry_base, self.config.retry_cap)
            self.store.retry(job, now + timedelta(seconds=wait))
            log.info("job %s: retry %d in %.0fs", job.job_id, job.attempt + 1, wait, extra={"job_id": job.job_id})

    def _after_success(self, job: Job, crawl_id: str | None, now: datetime) -> None:
        if self.store.dead_streak(job.task):
            self.store.mark_alive(job.task)
            log.info("%s answers again: back-off lifted", job.source, extra={"source": job.source})
        if crawl_id:
            health.check_crawl(self.store.db, crawl_id, now, job_id=job.job_id, thresholds=self.config.thresholds)

    def _back_off_source(self, job: Job, crawl_id: str | None, outcome: RunOutcome, now: datetime) -> None:
        """A market or mirror with no content is not hammered: hours, then days, between probes."""
        streak = self.store.dead_streak(job.task) + 1
        wait = backoff(streak, self.config.dead_base, self.config.dead_cap)
        until = now + timedelta(seconds=wait)
        self.store.mark_dead(job.task, until)
        alert = health.Alert(job.source, crawl_id or f"job-{job.job_id}", "unreachable",
                             f"{outcome.error}; {streak} run(s) in a row; next probe after {iso(until)}")
        self.store.db.execute("BEGIN IMMEDIATE")
        health.raise_alert(self.store.db, alert, now, job_id=job.job_id)
        self.store.db.execute("COMMIT")


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGTERM/SIGINT stop the loop gracefully (``kill -9`` is handled by leases instead)."""
    def handler(signum: int, frame: object) -> None:
        log.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
