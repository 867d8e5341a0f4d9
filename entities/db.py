"""The entities tables, kept in the record store's SQLite file beside the records they derive from.

Own schema (``entities/schema.sql``, CREATE IF NOT EXISTS only): the record store's schema is not
touched, and every entities table can be dropped and rebuilt from the records.
"""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

from narcoscope.sqlite import apply_schema
from narcoscope.sqlite import connect as sqlite_connect

_SCHEMA = resources.files("entities").joinpath("schema.sql").read_text(encoding="utf-8")
TABLES = ("entity_vendors", "vendor_handles", "vendor_links", "vendor_identities", "candidate_sightings")
BUSY_MS = 30_000  # a crawl may hold the write lock for a batch


def connect(db_path: Path) -> sqlite3.Connection:
    """A connection to the record store with the entities tables present."""
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_connect(Path(db_path), isolation_level="DEFERRED", timeout=BUSY_MS / 1000)
    db.row_factory = sqlite3.Row
    apply_schema(db, _SCHEMA)
    return db


def get_state(db: sqlite3.Connection, key: str, default: str = "") -> str:
    row = db.execute("SELECT value FROM entity_state WHERE key = ?", (key,)).fetchone()
    return str(row[0]) if row else default


def set_state(db: sqlite3.Connection, key: str, value: str) -> None:
    db.execute("INSERT INTO entity_state VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               (key, value))


def reset(db: sqlite3.Connection) -> None:
    """Forget all derived rows and watermarks (decisions on candidates are kept)."""
    for table in (*TABLES, "entity_state"):
        db.execute(f"DELETE FROM {table}")
    db.commit()


def table_exists(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone() is not None
