"""Weekly aggregations for the SQLite index.

Writes only mark the ISO weeks they touch (``weekly_dirty``); the first read after a write
re-aggregates just those weeks from ``observations`` (via ``obs_week``) into
``weekly_counts``/``weekly_totals``, so a 52-week report reads a few thousand precomputed rows.
A query-filtered aggregation cannot be precomputed and is counted on the fly from the observations
of the matching documents.
Totals (the denominators) are never filtered by the query.
"""

from __future__ import annotations

import operator
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from itertools import compress, repeat
from operator import itemgetter

from index._sqlite_schema import DIMS
from index._sqlite_search import base_for
from index._sqlite_write import OBS_COLUMNS, PreparedObs, WeeklyRows
from index.base import WeeklyAggregation, WeeklyRow, WeeklyTotal
from index.documents import iso_week
from index.query import parse_query

_LOW_WEEK, _HIGH_WEEK = "0000-W00", "9999-W99"


def refresh(conn: sqlite3.Connection) -> int:
    """Re-aggregate every dirty week; returns how many weeks were recomputed."""
    weeks = [w for (w,) in conn.execute("SELECT week FROM weekly_dirty ORDER BY week")]
    if not weeks:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for week in weeks:
            counts, total = _aggregate_week(conn, week)
            conn.execute("DELETE FROM weekly_counts WHERE week = ?", (week,))
            conn.executemany("INSERT INTO weekly_counts VALUES (?,?,?,?,?,?,?)", counts)
            conn.execute("DELETE FROM weekly_totals WHERE week = ?", (week,))
            if total[1]:
                conn.execute("INSERT INTO weekly_totals VALUES (?,?,?)", total)
            conn.execute("DELETE FROM weekly_dirty WHERE week = ?", (week,))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(weeks)


def stored_weeks(conn: sqlite3.Connection) -> set[str]:
    """Every week with observations (counted, or dirty)."""
    return {w for (w,) in conn.execute("SELECT week FROM weekly_totals UNION SELECT week FROM weekly_dirty")}


def _aggregate_week(conn: sqlite3.Connection, week: str) -> tuple[list[tuple[object, ...]], tuple[str, int, int]]:
    """One week's rows of ``weekly_counts`` and of ``weekly_totals``, from ONE read of its observations.

    Counted in Python (hash sets) rather than with SQL's ``count(DISTINCT …)``, which sorts every
    (key, value) pair of every aggregate: at 1M listings this is ~3x faster for a bulk load's 52 weeks.
    """
    rows = conn.execute(f"SELECT {_OBS_COLS} FROM observations o WHERE o.week = ?", (week,)).fetchall()
    return _aggregate(rows, _further_keys(conn, rows), tuple(DIMS.values())), _total(week, rows)


def _total(week: str, rows: list[tuple]) -> tuple[str, int, int]:
    return week, len(rows), len({r[1] for r in rows})


# An observation as the counting reads it: an id (oid, or obs_id before it has one), then its keys.
_OBS_COLS = "o.oid, o.doc_key, o.vendor, o.source, o.ships_from, o.substance, o.class, o.multi, o.week"
_WEEK_AT = OBS_COLUMNS.index("week")
_counted_week = itemgetter(8)
_counted = itemgetter(*(OBS_COLUMNS.index(c) for c in (
    "obs_id", "doc_key", "vendor", "source", "ships_from", "substance", "class", "multi", "week")))


def _further_keys(conn: sqlite3.Connection, rows: list[tuple]) -> dict[object, list[tuple[int, str]]]:
    """The ``obs_multi`` keys of the flagged rows of ``_OBS_COLS``, by oid."""
    more: dict[object, list[tuple[int, str]]] = defaultdict(list)
    flagged = [r[0] for r in rows if r[7]]
    for start in range(0, len(flagged), 500):
        chunk = flagged[start : start + 500]
        for oid, dim, key in conn.execute(
                f"SELECT oid, dim, key FROM obs_multi WHERE oid IN ({','.join('?' * len(chunk))})", chunk):
            more[oid].append((dim, key))
    return more


def _aggregate(rows: list[tuple], more: Mapping[object, Sequence[tuple[int, str]]], dims: tuple[int, ...]
               ) -> list[tuple[object, ...]]:
    """(dim, week, key, observations, listings, vendors, markets) for rows of ``_OBS_COLS``; ``more``:
    the further keys of flagged rows, by row id."""
    by_week: dict[str, list[tuple]] = defaultdict(list)
    for row in rows:
        by_week[row[8]].append(row)
    out: list[tuple[object, ...]] = []
    for week, week_rows in by_week.items():
        columns = list(zip(*week_rows, strict=True))
        flagged_rows = [r for r in week_rows if r[7]]
        for dim in dims:
            out += _count_dim(dim, week, columns, flagged_rows, more)
    return out


class WeekTally:
    """The weekly counts of a bulk load's weeks, counted from the observations it writes, so the
    writer never reads a week back to aggregate it (~17 µs a listing in SQL at 1M listings).

    Loads arrive roughly in time order (a reindex replays the crawl): a week no batch has touched for
    ``quiet_batches`` batches is taken as finished, its counts go into the next batch's stage (and the
    week stops being dirty when that commits), and its rows are dropped. The counts are only right if
    this load wrote EVERY observation of the week, so a week is given up — left dirty, for
    :func:`refresh` — when it had observations before the load (``skip``), is touched again once
    finished, or when holding it would pass ``max_rows``. A batch that re-sends something (written row by
    row: it may move an observation to another week) or fails gives up the lot (``SqliteIndex``).
    """

    def __init__(self, skip: Iterable[str], *, quiet_batches: int = 4, max_rows: int = 2_000_000) -> None:
        self.quiet_batches = quiet_batches
        self.max_rows = max_rows
        self._rows: dict[str, list[tuple]] = {}  # unfinished week → its observations as ``_OBS_COLS`` rows
        self._more: dict[object, Sequence[tuple[int, str]]] = {}  # obs_id → further keys (flagged rows)
        self._touched: dict[str, int] = {}  # unfinished week → the last batch with observations of it
        self._closed = set(skip)  # weeks finished or given up
        self._batches = self._held = 0

    def add(self, prepared: PreparedObs) -> WeeklyRows:
        """Count a batch's observations; returns the counts of the weeks it leaves finished."""
        self._batches += 1
        rows = list(map(_counted, map(_first, prepared.values())))
        weeks = list(map(_counted_week, rows))
        distinct = set(weeks)
        for week in distinct:  # a batch spans few weeks: split it with C-speed passes
            if week in self._closed:  # given up, or finished and now touched again: stays dirty
                continue
            held = self._rows.setdefault(week, [])
            before = len(held)
            held.extend(compress(rows, map(week.__eq__, weeks)) if len(distinct) > 1 else rows)
            self._held += len(held) - before
            self._touched[week] = self._batches
        self._more.update((obs_id, more) for obs_id, (row, more) in prepared.items()
                          if more and row[_WEEK_AT] in self._rows)
        while self._held > self.max_rows and self._touched:
            self._drop(min(self._touched, key=self._touched.__getitem__))
        return self._finish([w for w, n in self._touched.items() if n <= self._batches - self.quiet_batches])

    def finish(self) -> WeeklyRows:
        """The counts of every week still open (at the end of the load)."""
        return self._finish(list(self._touched))

    def _finish(self, weeks: list[str]) -> WeeklyRows:
        counts: list[tuple[object, ...]] = []
        totals: list[tuple[object, ...]] = []
        for week in sorted(weeks):
            rows = self._rows.get(week, [])
            counts += _aggregate(rows, self._more, tuple(DIMS.values()))
            totals.append(_total(week, rows))
            self._drop(week)
        return counts, totals, sorted(weeks)

    def _drop(self, week: str) -> None:
        """Close a week (finished or given up): forget its rows."""
        rows = self._rows.pop(week, [])
        self._touched.pop(week, None)
        self._closed.add(week)
        self._held -= len(rows)
        for row in rows:
            if row[7]:
                self._more.pop(row[0], None)


# The observations column holding each dimension's (first) key, in rows of ``_OBS_COLS``.
_COLUMN = {DIMS["source"]: 3, DIMS["ships_from"]: 4, DIMS["substance"]: 5, DIMS["class"]: 6}
_first = itemgetter(0)


def _count_dim(dim: int, week: str, columns: list[tuple], flagged: list[tuple],
               more: Mapping[object, Sequence[tuple[int, str]]]) -> list[tuple[object, ...]]:
    """One dimension's rows for one week (``columns``: the week's rows of ``_OBS_COLS`` transposed;
    ``flagged``: its rows with further keys in ``more``). Each distinct count is a set of (key, value)
    pairs counted per key: C-speed passes instead of a Python loop updating four sets per row."""
    keys, doc_keys, vendors, sources = columns[_COLUMN[dim]], columns[1], columns[2], columns[3]
    if None in keys:  # rows without this key (no ships_from, substance or class) count nowhere
        present = list(map(operator.is_not, keys, repeat(None)))
        keys, doc_keys, vendors, sources = (tuple(compress(c, present)) for c in (keys, doc_keys, vendors, sources))
    extra = [(key, r[1], r[2], r[3]) for r in flagged for d, key in more.get(r[0], ()) if d == dim]
    if extra:
        ek, ed, ev, es = zip(*extra, strict=True)
        keys, doc_keys, vendors, sources = keys + ek, doc_keys + ed, vendors + ev, sources + es
    observations = Counter(keys)
    listings = Counter(map(_first, set(zip(keys, doc_keys, strict=True))))
    markets = Counter(map(_first, set(zip(keys, sources, strict=True))))
    vendor_pairs = set(zip(keys, vendors, strict=True))
    for key in observations:  # an empty vendor is not a vendor
        vendor_pairs.discard((key, ""))
    by_vendor = Counter(map(_first, vendor_pairs))
    return [(dim, week, key, n, listings[key], by_vendor[key], markets[key]) for key, n in observations.items()]


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
    """Counted on the fly: the matching documents' keys, then their observations via ``obs_doc``."""
    base = base_for(tree, None)  # type: ignore[arg-type]
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS weekly_docs(doc_key INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM temp.weekly_docs")
    conn.execute(f"INSERT OR IGNORE INTO temp.weekly_docs SELECT d.doc_key {base.source} WHERE {base.where}",
                 base.params)
    rows = conn.execute(f"SELECT {_OBS_COLS} FROM temp.weekly_docs w CROSS JOIN observations o "
                        f"ON o.doc_key = w.doc_key WHERE o.week BETWEEN ? AND ?", (low, high)).fetchall()
    return sorted((r[1:] for r in _aggregate(rows, _further_keys(conn, rows), (dim,))), key=lambda r: (r[0], r[1]))


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
