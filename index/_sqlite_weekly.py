"""Weekly aggregations for the SQLite index.

Writes only mark the ISO weeks they touch (``weekly_dirty``); the first read after a write
re-aggregates just those weeks from ``obs_key`` into ``weekly_counts``/``weekly_totals``, so a
52-week report reads a few thousand precomputed rows. A query-filtered aggregation cannot be
precomputed and is counted on the fly from ``obs_key`` joined to the matching documents.
Totals (the denominators) are never filtered by the query.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from index._sqlite_schema import DIMS
from index._sqlite_search import base_for
from index.base import WeeklyAggregation, WeeklyRow, WeeklyTotal
from index.documents import iso_week
from index.query import parse_query

_LOW_WEEK, _HIGH_WEEK = "0000-W00", "9999-W99"
_COUNTS = ("count(*), count(DISTINCT doc_key), count(DISTINCT NULLIF(vendor, '')), "
           "count(DISTINCT source)")


def refresh(conn: sqlite3.Connection) -> int:
    """Re-aggregate every dirty week; returns how many weeks were recomputed."""
    weeks = [w for (w,) in conn.execute("SELECT week FROM weekly_dirty ORDER BY week")]
    if not weeks:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for week in weeks:
            conn.execute("DELETE FROM weekly_counts WHERE week = ?", (week,))
            conn.execute(
                f"INSERT INTO weekly_counts SELECT dim, week, key, {_COUNTS} FROM obs_key "
                f"WHERE dim IN (0, 1, 2, 3) AND week = ? GROUP BY dim, key", (week,))
            conn.execute("DELETE FROM weekly_totals WHERE week = ?", (week,))
            conn.execute(
                "INSERT INTO weekly_totals SELECT week, count(*), count(DISTINCT doc_key) FROM obs_key "
                "WHERE week = ? AND dim = ? GROUP BY week", (week, DIMS["source"]))
            conn.execute("DELETE FROM weekly_dirty WHERE week = ?", (week,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(weeks)


def weekly(conn: sqlite3.Connection, by: str, query: str, start: date | None, end: date | None
           ) -> WeeklyAggregation:
    """Rows per (week, key) for ``by`` and per-week totals, between the weeks of start and end."""
    low = iso_week(start) if start else _LOW_WEEK
    high = iso_week(end) if end else _HIGH_WEEK
    dim = DIMS[by]
    refresh(conn)
    tree = parse_query(query)
    if query.strip():
        rows = _filtered(conn, tree, dim, low, high)
    else:
        rows = conn.execute(
            "SELECT week, key, observations, listings, vendors, markets FROM weekly_counts "
            "WHERE dim = ? AND week BETWEEN ? AND ? ORDER BY week, key", (dim, low, high)).fetchall()
    return WeeklyAggregation(by=by, rows=[WeeklyRow(*r) for r in rows], totals=_totals(conn, low, high))


def _filtered(conn: sqlite3.Connection, tree: object, dim: int, low: str, high: str) -> list[tuple]:
    base = base_for(tree, None)  # type: ignore[arg-type]
    docs = f"SELECT d.doc_key {base.source} WHERE {base.where}"
    sql = (f"SELECT week, key, {_COUNTS} FROM obs_key WHERE dim = ? AND week BETWEEN ? AND ? "
           f"AND doc_key IN ({docs}) GROUP BY week, key ORDER BY week, key")
    return conn.execute(sql, [dim, low, high, *base.params]).fetchall()


def _totals(conn: sqlite3.Connection, low: str, high: str) -> list[WeeklyTotal]:
    crawl = {w: (p, n) for w, p, n in conn.execute(
        "SELECT week, sum(pages), sum(listings) FROM crawl_volume WHERE week BETWEEN ? AND ? GROUP BY week",
        (low, high))}
    seen = {w: (o, n) for w, o, n in conn.execute(
        "SELECT week, observations, listings FROM weekly_totals WHERE week BETWEEN ? AND ?", (low, high))}
    return [
        WeeklyTotal(week=w, crawl_pages=crawl.get(w, (0, 0))[0], crawl_listings=crawl.get(w, (0, 0))[1],
                    observations=seen.get(w, (0, 0))[0], observed_listings=seen.get(w, (0, 0))[1])
        for w in sorted(set(crawl) | set(seen))
    ]
