"""Opening SQLite files that several processes share (crawl workers, the scheduler, the web UI).

Two processes creating the same fresh database can fail with ``database is locked`` even under a
busy timeout: switching to WAL needs an exclusive lock, and a deferred transaction that read the
schema and then wants to write is refused at once (SQLite's deadlock rule) rather than waited for.
So schema set-up takes the write lock up front (``BEGIN IMMEDIATE``, which does wait) and the
journal-mode switch is retried until the deadline.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

BUSY_SECONDS = 30.0  # a crawl may hold the write lock for one batch; a report may read for longer

_JOURNAL = re.compile(r"^\s*PRAGMA\s+journal_mode\s*=\s*WAL\s*;\s*$", re.IGNORECASE | re.MULTILINE)


def _locked(err: sqlite3.OperationalError) -> bool:
    text = str(err).lower()
    return "locked" in text or "busy" in text


def enable_wal(conn: sqlite3.Connection, deadline: float) -> None:
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if not _locked(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def apply_schema(conn: sqlite3.Connection, script: str, timeout: float = BUSY_SECONDS) -> None:
    """Run a ``CREATE ... IF NOT EXISTS`` script safely while other processes open the same file.

    A ``PRAGMA journal_mode = WAL`` line in the script is honoured (and retried) before the rest,
    which runs in one immediate transaction.
    """
    deadline = time.monotonic() + timeout
    wal = bool(_JOURNAL.search(script))
    body = _JOURNAL.sub("", script)
    if wal:
        enable_wal(conn, deadline)
    if conn.in_transaction:
        conn.commit()
    while True:
        try:
            conn.executescript(f"BEGIN IMMEDIATE;\n{body}\nCOMMIT;")
            return
        except sqlite3.OperationalError as err:
            if conn.in_transaction:
                conn.rollback()
            if not _locked(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def connect(path: Path | str, *, timeout: float = BUSY_SECONDS, **kwargs: object) -> sqlite3.Connection:
    """``sqlite3.connect`` with the shared busy timeout (also set as a pragma for every statement)."""
    if str(path) != ":memory:" and not str(path).startswith("file:"):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=timeout, **kwargs)  # type: ignore[call-overload]
    conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    return conn
