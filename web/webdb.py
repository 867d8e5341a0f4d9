"""The workbench's own SQLite database (``$NARCOSCOPE_HOME/web.db``).

Users, sessions, API tokens, alerts and their history, and the export audit
log live here, apart from the crawl data. The one thing the workbench writes to the record store
is an analyst's decision on a candidate, the record ``narcoscope candidates`` shares.
Each call opens a short-lived connection: FastAPI serves requests from a thread pool and the
alert checker runs in another process, and SQLite (WAL) handles that without a shared handle.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from narcoscope.sqlite import apply_schema
from narcoscope.sqlite import connect as sqlite_connect

SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS users(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('analyst', 'admin')),
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS sessions(
    sid_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS api_tokens(
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_used_at TEXT
);
CREATE TABLE IF NOT EXISTS audit(
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alerts(
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    owner TEXT NOT NULL,
    rule TEXT NOT NULL,
    query TEXT NOT NULL,
    params TEXT NOT NULL,
    notify TEXT NOT NULL,
    enabled INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    last_checked_at TEXT
);
CREATE TABLE IF NOT EXISTS alert_state(
    alert_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (alert_id, key)
);
CREATE TABLE IF NOT EXISTS alert_firings(
    id INTEGER PRIMARY KEY,
    alert_id INTEGER NOT NULL,
    fired_at TEXT NOT NULL,
    summary TEXT NOT NULL,
    details TEXT NOT NULL,
    delivery TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_firings_alert ON alert_firings(alert_id, fired_at);
"""


def now_iso() -> str:
    """UTC now, seconds precision, ISO 8601 with 'Z' (sorts lexically)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class WebDB:
    """Thin helper over the web database; methods return plain dicts."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as conn:
            apply_schema(conn, SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite_connect(self.path)
        conn.row_factory = sqlite3.Row
        try:
            yield conn
            conn.commit()
        finally:
            conn.close()

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        with self.connect() as conn:
            return [dict(r) for r in conn.execute(sql, params)]

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        found = self.rows(sql, params)
        return found[0] if found else None

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Run one write; returns the new row id (inserts) or the number of rows changed."""
        with self.connect() as conn:
            cur = conn.execute(sql, params)
            return int(cur.lastrowid or 0) if sql.lstrip().upper().startswith("INSERT") else cur.rowcount

    def audit(self, user: str, action: str, detail: dict[str, Any]) -> None:
        """Append to the audit log (who did what, when); never updated or deleted by the app."""
        self.execute("INSERT INTO audit(at, user, action, detail) VALUES (?,?,?,?)",
                     (now_iso(), user, action, json.dumps(detail, ensure_ascii=False, sort_keys=True)))
