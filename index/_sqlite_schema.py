"""DDL and connection settings for the SQLite index.

Why the schema looks like this (the naive one — a single FTS5 table ranked by bm25 — took
200–360 ms p95 on common drug names at 1M rows):

* ``docs`` is a *narrow* rowid table of the structured fields only, so filters, sorts and facets
  touch ~60 bytes a row and stay in cache; titles/bodies live in ``doc_text`` (the FTS5 content).
* ``rid`` (the rowid shared by ``docs``, ``doc_text`` and ``fts``) is ``first_seen`` seconds << 20
  plus hash bits, so FTS5's native rowid order *is* recency: "newest" needs no sort and relevance
  can rank a capped set of the newest matches instead of every match.
* keyword fields are also FTS5 *tag tokens* (column ``tags``; see ``query/to_sqlite.py``), so
  filters are posting-list intersections inside FTS5 — no per-row lookups to count or page;
  multi-valued fields also sit in ``docs`` as ``MULTI_SEP``-joined columns (sorted, deduplicated):
  facets read them in the same pass as the single-valued columns and count them in Python, and a
  load writes no per-value rows (three WITHOUT ROWID tables cost ~11 µs a document).
* an observation is ONE row carrying its weekly keys as columns (first substance and class,
  ships_from, source); only further values of a multi-valued key go to ``obs_multi`` (flag
  ``multi``), so writing an observation costs one row plus its index entries instead of one wide row
  per dimension. It keeps no JSON copy of the observation: an observation is only read back to count
  it, or to tell a re-send from a change (its normalised columns and price). Weekly counts are
  materialised per ISO week, re-computed (one read via ``obs_week``, counted with hash sets) only for
  weeks a write touched (``weekly_dirty``); a query-filtered aggregation reads the matching
  documents' observations via ``obs_doc``.
* ``facet_counts`` keeps whole-index facet counts up to date at write time, because the unfiltered
  facets (the analyst's landing page) would otherwise scan every row.

A bulk load (``SqliteIndex.bulk_load``) writes the same tables on two cores: the caller's thread does
the Python per document (rows, tag tokens, JSON, facet counts) into a small in-memory *stage*
database, and a writer thread copies each stage in with one ``INSERT … SELECT`` per table, FTS5
included. One statement is one ``sqlite3_step``, which CPython runs without the GIL, so the SQLite
half (~25 µs a document in FTS5 alone, and the index inserts) overlaps the next batch's Python
instead of following it (``executemany`` on a thread would take the GIL back per row and wait for
it). The caller's thread also counts the weekly counts of the load's observations as it stages them
(``_sqlite_weekly.WeekTally``) and stages the counts of the weeks the load has left, so nothing reads
a week back to aggregate it (that cost the writer ~17 µs a listing in SQL). The caller's Python is
the slower half, so the writer keeps every index up to date rather than leave a sort for the end.
Each batch is written whole or not at all (a savepoint), and consecutive batches share a commit
(``sqlite_backend.BULK_COMMIT_ROWS``), which writes each page they dirty once: a killed load loses the
batches not yet committed (a reindex replays the store), and the ``bulk`` flag in ``meta`` finishes
the rest.
"""

from __future__ import annotations

import sqlite3
import time

from index.documents import PRICE_BANDS
from narcoscope.sqlite import BUSY_SECONDS, apply_schema, enable_wal

SCHEMA_VERSION = "5"

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA temp_store=MEMORY",
    "PRAGMA cache_size=-262144",
    "PRAGMA mmap_size=1073741824",
    "PRAGMA foreign_keys=OFF",
)

_TABLES = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs(
    rid INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL,
    doc_key INTEGER NOT NULL,
    kind TEXT NOT NULL,
    source TEXT NOT NULL COLLATE NOCASE,
    source_kind TEXT NOT NULL,
    vendor TEXT NOT NULL COLLATE NOCASE,
    ships_from TEXT NOT NULL,
    lang TEXT NOT NULL,
    price_usd REAL,
    quantity_g REAL,
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    substances TEXT NOT NULL,
    classes TEXT NOT NULL,
    ships_to TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS doc_text(
    rid INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tags TEXT NOT NULL,
    extra TEXT NOT NULL
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, body, tags, content='doc_text', content_rowid='rid',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE TABLE IF NOT EXISTS observations(
    oid INTEGER PRIMARY KEY,
    obs_id TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    doc_key INTEGER NOT NULL,
    observed_at INTEGER NOT NULL,
    week TEXT NOT NULL,
    source TEXT NOT NULL,
    vendor TEXT NOT NULL,
    ships_from TEXT,
    substance TEXT,
    class TEXT,
    multi INTEGER NOT NULL,
    price_usd REAL
);
CREATE TABLE IF NOT EXISTS obs_multi(
    oid INTEGER NOT NULL, dim INTEGER NOT NULL, key TEXT NOT NULL,
    PRIMARY KEY(oid, dim, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS weekly_dirty(week TEXT PRIMARY KEY) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS weekly_counts(
    dim INTEGER NOT NULL, week TEXT NOT NULL, key TEXT NOT NULL,
    observations INTEGER NOT NULL, listings INTEGER NOT NULL,
    vendors INTEGER NOT NULL, markets INTEGER NOT NULL,
    PRIMARY KEY(dim, week, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS weekly_totals(
    week TEXT PRIMARY KEY, observations INTEGER NOT NULL, listings INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS facet_counts(
    kind TEXT NOT NULL, field TEXT NOT NULL, value TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY(field, value, kind)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS crawl_volume(
    source TEXT NOT NULL, week TEXT NOT NULL, pages INTEGER NOT NULL, listings INTEGER NOT NULL,
    PRIMARY KEY(source, week)) WITHOUT ROWID;
"""
# The indexes of the tables above, by name: a bulk load drops and rebuilds them (``_sqlite_write.begin_bulk``).
INDEXES = {
    "docs_doc_id": "CREATE UNIQUE INDEX IF NOT EXISTS docs_doc_id ON docs(doc_id)",
    "docs_price": "CREATE INDEX IF NOT EXISTS docs_price ON docs(price_usd)",
    "docs_last_seen": "CREATE INDEX IF NOT EXISTS docs_last_seen ON docs(last_seen)",
    "obs_id": "CREATE UNIQUE INDEX IF NOT EXISTS obs_id ON observations(obs_id)",
    "obs_week": "CREATE INDEX IF NOT EXISTS obs_week ON observations(week)",
    "obs_doc": "CREATE INDEX IF NOT EXISTS obs_doc ON observations(doc_key)",
}
# The two that keep ids unique: the write path looks documents and observations up by them.
UNIQUE_INDEXES = ("docs_doc_id", "obs_id")
DDL = _TABLES + "".join(f"{ddl};\n" for ddl in INDEXES.values())
# FTS5 settings of a new index: a 64 MB pending-terms buffer, so one large batch is flushed as ONE
# level-0 segment instead of one per megabyte. (16 KB leaves, ``pgsz``, saved ~1% of a 1M load and
# made the median search slower, 24.5 -> 33.8 ms: left at the default.)
FTS_SETTINGS = (("hashsize", 64 << 20),)

# The price_band facet of a ``docs d`` row, as SQL (bands as in ``index.documents.PRICE_BANDS``).
PRICE_SQL = (
    "CASE "
    + " ".join(
        f"WHEN d.price_usd < {high} THEN '{label}'" if high is not None else f"ELSE '{label}'"
        for label, _low, high in PRICE_BANDS
    )
    + " END"
)

# Separator of the values in the docs columns of multi-valued keyword fields ('' when none).
MULTI_SEP = "\x1f"
MULTI_FIELDS = ("substances", "classes", "ships_to")

# Weekly dimensions as small integers in obs_key/weekly_counts (short keys, compact pages).
DIMS = {"substance": 0, "class": 1, "source": 2, "ships_from": 3}


class SchemaMismatchError(sqlite3.DatabaseError):
    """The file was written by another version of the index schema."""


def connect(path: str, busy_timeout_s: float = BUSY_SECONDS) -> sqlite3.Connection:
    """Open (creating if needed) an index database with the settings the design relies on."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_s)
    enable_wal(conn, time.monotonic() + busy_timeout_s)
    for pragma in PRAGMAS[1:]:
        conn.execute(pragma)
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'meta'").fetchone():
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if row and row[0] != SCHEMA_VERSION:
            conn.close()
            raise SchemaMismatchError(f"{path} has index schema {row[0]}, this code needs {SCHEMA_VERSION}: "
                                      "re-index it from the store (the index is derived data)")
    apply_schema(conn, DDL, busy_timeout_s)
    conn.execute("BEGIN IMMEDIATE")
    try:
        if conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
                        (SCHEMA_VERSION,)).rowcount:  # a new index
            for option, value in FTS_SETTINGS:
                conn.execute("INSERT INTO fts(fts, rank) VALUES (?, ?)", (option, value))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return conn
