"""Schedule slots: when a task is due, with jitter that is the same after a restart.

A slot is the schedule's nominal time (it becomes the crawl's ``observed_at``, hence its
``crawl_id``). Jitter is derived from a hash of (task, slot), not from a random generator, so a
scheduler restarted after a crash computes the very same due time and never enqueues a slot
twice under two times.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from crawler.profiles.model import Schedule

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(ts: datetime) -> str:
    """One text form for every time the scheduler stores: sortable as text."""
    return ts.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def parse_iso(text: str) -> datetime:
    ts = datetime.fromisoformat(text)
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


@dataclass(frozen=True, slots=True)
class Slots:
    """The slots of one task's schedule."""

    task: str
    schedule: Schedule

    def next_after(self, after: datetime) -> datetime:
        """The first slot strictly after ``after`` (whole seconds, UTC)."""
        if self.schedule.every is not None:
            step = self.schedule.every
            n = int((after - EPOCH).total_seconds() // step) + 1
            return (EPOCH + timedelta(seconds=n * step)).replace(microsecond=0)
        from croniter import croniter

        assert self.schedule.cron is not None
        nxt = croniter(self.schedule.cron, after.astimezone(timezone.utc)).get_next(datetime)
        return nxt.astimezone(timezone.utc)  # type: ignore[no-any-return]

    def jitter(self, slot: datetime) -> timedelta:
        """A delay in ``[0, jitter)``, fixed for (task, slot)."""
        if self.schedule.jitter <= 0:
            return timedelta(0)
        h = hashlib.sha256(f"{self.task}\x1f{iso(slot)}".encode()).digest()
        frac = int.from_bytes(h[:8], "big") / 2**64
        return timedelta(seconds=frac * self.schedule.jitter)

    def due(self, slot: datetime) -> datetime:
        return slot + self.jitter(slot)


def backoff(attempt: int, base: float, cap: float) -> float:
    """Seconds to wait before attempt ``attempt + 1``: base, 4×base, 16×base … up to cap."""
    return float(min(cap, base * 4 ** max(attempt - 1, 0)))
