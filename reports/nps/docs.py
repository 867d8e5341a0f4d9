"""Every document seen in a date range: what prices, candidates and vendor counts are built from.

The index interface has no streaming "all documents matching a query" call: ``search`` serves at
most ``MAX_RESULT_WINDOW`` (10,000) hits per query. Two paths, therefore:

* any backend: ``seen:[start TO end]`` searches, split by ``first_seen`` day ranges until each
  part fits the window (``_via_search``) — correct everywhere, but many round trips at scale;
* the embedded SQLite index: one read-only range scan of its ``docs`` table, decoded with the
  backend's own decoder (``_via_sqlite``). This reads the backend's private schema; it is the
  stop-gap until the interface grows a ``scan(query)`` (said in the hand-over report).
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from index.base import MAX_RESULT_WINDOW, Index, SearchRequest
from index.documents import IndexDoc

log = logging.getLogger(__name__)
_PAGE = 1000


def docs_seen(index: Index, start: date, end: date) -> tuple[list[IndexDoc], str]:
    """Documents whose [first_seen, last_seen] overlaps the days start..end, and the path used."""
    path = _sqlite_path(index)
    if path is not None:
        try:
            return _via_sqlite(path, start, end), "sqlite-scan"
        except (sqlite3.Error, ValueError, TypeError, KeyError) as exc:  # schema moved on: search still works
            log.warning("direct SQLite scan of %s failed (%s); falling back to search", path, exc)
    return _via_search(index, start, end), "search"


def _sqlite_path(index: Index) -> str | None:
    from index.sqlite_backend import SqliteIndex

    if isinstance(index, SqliteIndex) and index.path != ":memory:" and Path(index.path).exists():
        return index.path
    return None


def _micros(day: date) -> int:
    from index.query.to_sqlite import day_micros

    return day_micros(day.isoformat())


def _via_sqlite(path: str, start: date, end: date) -> list[IndexDoc]:
    from urllib.parse import quote

    from index._sqlite_write import decode_doc

    conn = sqlite3.connect(f"file:{quote(str(Path(path).resolve()))}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT t.extra, t.title, t.body, d.first_seen, d.last_seen FROM docs d JOIN doc_text t "
            "ON t.rid = d.rid WHERE d.first_seen < ? AND d.last_seen >= ?",
            (_micros(end + timedelta(days=1)), _micros(start)))
        return [decode_doc(*row) for row in rows]
    finally:
        conn.close()


def _via_search(index: Index, start: date, end: date) -> list[IndexDoc]:
    out: dict[str, IndexDoc] = {}
    _collect(index, start, end, date(1970, 1, 1), end, out)
    return list(out.values())


def _collect(index: Index, start: date, end: date, first_lo: date, first_hi: date, out: dict[str, IndexDoc]) -> None:
    """Page through one first_seen slice; halve the slice when it holds more than the window."""
    query = f"seen:[{start} TO {end}] first_seen:[{first_lo} TO {first_hi}]"
    head = index.search(SearchRequest(query=query, sort="newest", size=0))
    if (head.total_is_lower_bound or head.total > MAX_RESULT_WINDOW) and first_lo < first_hi:
        mid = first_lo + (first_hi - first_lo) // 2
        _collect(index, start, end, first_lo, mid, out)
        _collect(index, start, end, mid + timedelta(days=1), first_hi, out)
        return
    got = 0
    for offset in range(0, MAX_RESULT_WINDOW, _PAGE):
        res = index.search(SearchRequest(query=query, sort="newest", size=_PAGE, offset=offset))
        for hit in res.hits:
            out[hit.doc.doc_id] = hit.doc
        got += len(res.hits)
        if len(res.hits) < _PAGE:
            return
    log.warning("%d+ documents first seen on %s: the report uses the newest %d", got, first_lo, got)
