"""What a finished child did, read back from the record store's ``crawls`` row.

The child's exit code alone cannot tell a dead market from a parser bug: the crawl's own
record (status and Scrapy stats, written by ``crawler/extensions/crawlrecord.py``) can.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from scheduler.timing import parse_iso

Verdict = Literal["succeeded", "failed", "unreachable"]


@dataclass(frozen=True, slots=True)
class RunOutcome:
    verdict: Verdict
    error: str | None
    pages: int = 0
    listings: int = 0
    blocked: int = 0
    errors: int = 0
    tor_failures: int = 0
    index_lag_s: float | None = None

    def fields(self) -> dict[str, Any]:
        return {"pages": self.pages, "listings": self.listings, "blocked": self.blocked, "errors": self.errors,
                "tor_failures": self.tor_failures, "index_lag_s": self.index_lag_s, "error": self.error}


def tor_failures(stats: dict[str, Any]) -> int:
    """Download failures that came from the Tor path (SOCKS errors, Tor not configured)."""
    n = int(stats.get("tor/not_configured", 0))
    for key, value in stats.items():
        if key.startswith("downloader/exception_type_count/") and any(
                w in key.lower() for w in ("socks", "tor")):
            n += int(value)
    return n


def crawl_outcome(db: sqlite3.Connection, crawl_id: str, exit_code: int, slot: datetime) -> RunOutcome:
    try:
        row = db.execute("SELECT status, finished_at, stats FROM crawls WHERE crawl_id=?", (crawl_id,)).fetchone()
    except sqlite3.OperationalError:  # no crawl has ever written this store: no crawls table yet
        row = None
    if row is None:
        return RunOutcome("failed", f"the crawl never started (exit {exit_code})")
    stats: dict[str, Any] = json.loads(row["stats"] or "{}")
    pages = int(stats.get("narcoscope/evidence/pages", 0))
    blocked = int(stats.get("narcoscope/blocked", 0))
    lag = (parse_iso(row["finished_at"]) - slot).total_seconds() if row["finished_at"] else None
    base: dict[str, Any] = {
            "pages": pages, "listings": int(stats.get("narcoscope/items/listing", 0)), "blocked": blocked,
            "errors": int(stats.get("log_count/ERROR", 0)), "tor_failures": tor_failures(stats),
            "index_lag_s": lag}
    status = row["status"]
    if status in ("running", "failed") or row["finished_at"] is None:
        return RunOutcome("failed", f"crawl {status} (exit {exit_code})", **base)
    if pages - blocked <= 0:
        seized = int(stats.get("narcoscope/blocked/seized", 0))
        what = "seized banner" if seized else f"{pages} page(s), all blocked" if pages else "no page answered"
        return RunOutcome("unreachable", f"no content: {what}", **base)
    if status == "spooled":
        return RunOutcome("succeeded", "index unavailable: documents spooled", **base)
    return RunOutcome("succeeded", None, **base)


def report_outcome(exit_code: int) -> RunOutcome:
    return RunOutcome("succeeded", None) if exit_code == 0 else RunOutcome("failed", f"report exit {exit_code}")
