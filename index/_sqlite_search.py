"""Search, facets and highlights for the SQLite index, each with a bounded cost.

* FTS5 drives every text query in its rowid order, which is recency (see ``_sqlite_schema``):
  "newest" is a LIMIT on that scan; "relevance" ranks with bm25 only the newest
  ``relevance_candidates`` matches instead of scoring and sorting every match.
* Totals are counted up to ``TOTAL_HITS_CAP`` (then flagged as a lower bound, like ES's
  ``track_total_hits``) and under a time limit.
* Sorts needing every match (price, last_seen) and exact facets run under time limits (datasette's
  facet time limit); when one runs out, the answer is computed over the newest matches and flagged
  instead of hanging the UI.
"""

from __future__ import annotations

import html
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from index._sqlite_write import decode_doc, split_multi
from index.base import TOTAL_HITS_CAP, Hit, SearchRequest, SearchResult
from index.documents import PRICE_BANDS, IndexDoc, price_band
from index.query import compile_sqlite, parse_query
from index.query.to_sqlite import fts_expressible, to_fts
from index.query.tree import And, Node, Not, Term, positive_text

_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"
_SINGLE = {"source": "d.source", "vendor": "d.vendor", "ships_from": "d.ships_from", "lang": "d.lang"}
_MULTI = {"substance": "d.substances", "class": "d.classes", "ships_to": "d.ships_to"}


@dataclass(slots=True)
class Limits:
    """Cost bounds: how many matches relevance ranks, and time budgets in milliseconds."""

    relevance_candidates: int = 1000
    count_ms: float = 15.0
    sort_ms: float = 40.0
    facet_ms: float = 150.0
    facet_sample: int = 5000
    facet_size: int = 20


@dataclass(slots=True)
class _Base:
    """The matching set as SQL: FROM/WHERE with parameters, and the recency column."""

    source: str
    where: str
    params: list[object]
    order: str
    match_all: bool
    # The same set without the docs join, when no filter needs a docs column: (rid column, FROM … WHERE …).
    lean: tuple[str, str] | None = None

    def ids(self) -> tuple[str, str]:
        """(rid column, FROM … WHERE …) — the cheapest SQL for the matching rowids, same params."""
        return self.lean or ("d.rid", f"{self.source} WHERE {self.where}")


class Interrupted(Exception):
    """A query ran past its time limit."""


@contextmanager
def time_limit(conn: sqlite3.Connection, ms: float) -> Iterator[None]:
    """Abort the statement running on ``conn`` once ``ms`` have passed (raises Interrupted)."""
    if ms <= 0:  # no budget at all: do not even start
        raise Interrupted()
    deadline = time.perf_counter() + ms / 1000.0
    conn.set_progress_handler(lambda: int(time.perf_counter() > deadline), 1000)
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "interrupt" in str(exc):
            raise Interrupted() from exc
        raise
    finally:
        conn.set_progress_handler(None, 0)


def base_for(tree: Node, kind: str | None) -> _Base:
    sq = compile_sqlite(And((tree, Term("kind", kind))) if kind else tree)
    where, params = sq.where, list(sq.params)
    if sq.match is None:
        return _Base("FROM docs d", where, params, "d.rid", where == "1")
    # CROSS JOIN pins FTS5 as the outer loop: one ordered doclist scan, docs probed by rowid.
    lean = ("fts.rowid", "FROM fts WHERE fts MATCH ?") if where == "1" else None
    return _Base("FROM fts CROSS JOIN docs d ON d.rid = fts.rowid", f"fts MATCH ? AND {where}",
                 [sq.match, *params], "fts.rowid", False, lean)


def run_search(conn: sqlite3.Connection, req: SearchRequest, limits: Limits) -> SearchResult:
    """Serve one :class:`SearchRequest` (see the module docstring for the cost model)."""
    started = time.perf_counter()
    req.validate()
    tree = parse_query(req.query)
    base = base_for(tree, req.kind)
    rids, scores, known = _page(conn, base, req, limits, tree)
    total, lower = _total(conn, base, req, len(rids), limits, known)
    docs = load_docs(conn, rids)
    marks = _highlights(conn, tree, rids) if req.highlight else {}
    hits = [Hit(doc=docs[r], score=scores.get(r), highlights=marks.get(r, {})) for r in rids if r in docs]
    facets, sampled = _facets(conn, base, req, limits, lower)
    return SearchResult(
        total=total, hits=hits, facets=facets, total_is_lower_bound=lower, facets_sampled=sampled,
        took_ms=(time.perf_counter() - started) * 1000.0,
    )


def _page(conn: sqlite3.Connection, base: _Base, req: SearchRequest, limits: Limits, tree: Node
          ) -> tuple[list[int], dict[int, float], int]:
    """The page's rowids, their scores (relevance), and how many matches were seen on the way."""
    want = req.offset + req.size
    if req.size == 0:
        return [], {}, 0
    if req.sort == "relevance" and base.order == "fts.rowid":
        rows = _ranked(conn, base, tree, max(limits.relevance_candidates, want))
        rows.sort(key=lambda r: (r[1], -r[0]))
        page = rows[req.offset : want]
        return [r for r, _ in page], {r: -s for r, s in page}, len(rows)
    if req.sort in ("relevance", "newest"):
        rid, source = base.ids()
        sql = f"SELECT {rid} {source} ORDER BY {base.order} DESC LIMIT ? OFFSET ?"
        rids = [r for (r,) in conn.execute(sql, [*base.params, req.size, req.offset])]
        return rids, {}, req.offset + len(rids)
    rids = _sorted_page(conn, base, req, limits)
    return rids, {}, req.offset + len(rids)


def _ranked(conn: sqlite3.Connection, base: _Base, tree: Node, cap: int) -> list[tuple[int, float]]:
    """bm25 of the newest ``cap`` matches, without bm25's fixed cost on big posting lists.

    FTS5's bm25 first walks the whole posting list of EVERY phrase of the MATCH expression to get
    its document frequency — 10–35 ms at 1M rows for common words and tag filters (``from:NL`` is
    in a fifth of all docs), whatever the LIMIT. Tag phrases have weight 0 and NOT-ed phrases occur
    0 times in a match, so only the positive text phrases contribute: the candidates are fetched
    without bm25 (cheap: the posting-list merge), then scored with an expression of just those
    text phrases over the candidates' rowid span — same phrases, same statistics, same scores.
    If that span holds many more text matches than candidates (a selective filter), the single
    full query is cheaper and is used instead. A query without free text ranks newest first (all
    scores 0), as bm25 did.
    """
    rid, source = base.ids()
    sql = f"SELECT {rid} {source} ORDER BY fts.rowid DESC LIMIT ?"
    cands = [r for (r,) in conn.execute(sql, [*base.params, cap])]
    conjuncts = list(tree.children) if isinstance(tree, And) else [tree]
    texts = [t for c in conjuncts if not isinstance(c, Not) and fts_expressible(c) for t in positive_text(c)]
    if not texts or not cands:
        return [(r, 0.0) for r in cands]
    budget = 3 * len(cands)
    expr = " OR ".join(to_fts(t) for t in texts)
    span = (expr, cands[-1], cands[0])
    in_span = conn.execute("SELECT count(*) FROM (SELECT 1 FROM fts WHERE fts MATCH ? AND rowid BETWEEN ? AND ? "
                           "LIMIT ?)", (*span, budget + 1)).fetchone()[0]  # no scoring: a posting-list walk
    if in_span > budget:
        sql = f"SELECT {rid}, bm25(fts, 2.0, 1.0, 0.0) {source} ORDER BY fts.rowid DESC LIMIT ?"
        return conn.execute(sql, [*base.params, cap]).fetchall()
    scores = dict(conn.execute(
        "SELECT rowid, bm25(fts, 2.0, 1.0, 0.0) FROM fts WHERE fts MATCH ? AND rowid BETWEEN ? AND ?", span))
    return [(r, scores.get(r, 0.0)) for r in cands]


def _sorted_page(conn: sqlite3.Connection, base: _Base, req: SearchRequest, limits: Limits) -> list[int]:
    """Price/last_seen sorts need every match: exact under a time limit, else the newest matches."""
    if req.sort == "last_seen":
        order, nulls = "d.last_seen DESC, d.rid DESC", None
    else:
        direction = "ASC" if req.sort == "price_asc" else "DESC"
        order, nulls = f"d.price_usd {direction}, d.rid {direction}", "d.price_usd IS NULL"
    try:
        with time_limit(conn, limits.sort_ms):
            return _two_phase(conn, base, order, nulls, req)
    except Interrupted:
        return _two_phase(conn, _newest(base, limits.relevance_candidates * 10), order, nulls, req)


def _newest(base: _Base, n: int) -> _Base:
    """The newest ``n`` matches as a matching set of their own (the fallback sample)."""
    rid, ids = base.ids()
    source = (f"FROM (SELECT {rid} AS rid {ids} ORDER BY {base.order} DESC "
              f"LIMIT {int(n)}) m CROSS JOIN docs d ON d.rid = m.rid")
    return _Base(source, "1", base.params, "d.rid", False)


def _two_phase(conn: sqlite3.Connection, base: _Base, order: str, nulls: str | None, req: SearchRequest
               ) -> list[int]:
    """Rows with a value in index order first, then rows without one (like ES ``missing: _last``)."""
    source, where, params = base.source, base.where, base.params
    want = req.offset + req.size
    first_where = f"{where} AND NOT ({nulls})" if nulls else where
    sql = f"SELECT d.rid {source} WHERE {first_where} ORDER BY {order} LIMIT ?"
    rids = [r for (r,) in conn.execute(sql, [*params, want])]
    if nulls and len(rids) < want:
        skip = max(0, req.offset - len(rids))
        sql = f"SELECT d.rid {source} WHERE {where} AND {nulls} ORDER BY d.rid DESC LIMIT ? OFFSET ?"
        rids += [r for (r,) in conn.execute(sql, [*params, want - len(rids), skip])]
    return rids[req.offset : want]


def _total(conn: sqlite3.Connection, base: _Base, req: SearchRequest, got: int, limits: Limits, known: int
           ) -> tuple[int, bool]:
    if (got and got < req.size) or (got == 0 and req.offset == 0 and req.size > 0):
        return req.offset + got, False
    if base.match_all:
        return count_docs(conn), False
    sql = f"SELECT count(*) FROM (SELECT 1 {base.ids()[1]} LIMIT ?)"
    try:
        with time_limit(conn, limits.count_ms):
            n = conn.execute(sql, [*base.params, TOTAL_HITS_CAP + 1]).fetchone()[0]
    except Interrupted:
        # Out of time: the matches already seen (the ranked candidates, or the page) are a lower bound.
        return max(known, req.offset + got), True
    return (TOTAL_HITS_CAP, True) if n > TOTAL_HITS_CAP else (n, False)


def count_docs(conn: sqlite3.Connection) -> int:
    """Every document has exactly one source, so the maintained source counts add up to the total."""
    row = conn.execute("SELECT sum(n) FROM facet_counts WHERE field = 'source'").fetchone()
    return int(row[0] or 0)


def load_docs(conn: sqlite3.Connection, rids: list[int]) -> dict[int, IndexDoc]:
    """Rebuild stored documents (compact JSON of the fields plus title/body)."""
    if not rids:
        return {}
    sql = (f"SELECT rid, title, body, extra, first_seen, last_seen FROM doc_text JOIN docs USING (rid) "
           f"WHERE rid IN ({','.join('?' * len(rids))})")
    return {r[0]: decode_doc(r[3], r[1], r[2], r[4], r[5]) for r in conn.execute(sql, rids)}


def _highlights(conn: sqlite3.Connection, tree: Node, rids: list[int]) -> dict[int, dict[str, str]]:
    texts = positive_text(tree)
    if not texts or not rids:
        return {}
    expr = " OR ".join(to_fts(t) for t in texts)
    sql = ("SELECT highlight(fts, 0, ?, ?), snippet(fts, 1, ?, ?, '…', 32) FROM fts "
           "WHERE fts MATCH ? AND rowid = ?")
    out: dict[int, dict[str, str]] = {}
    for rid in rids:
        row = conn.execute(sql, (_MARK_OPEN, _MARK_CLOSE, _MARK_OPEN, _MARK_CLOSE, expr, rid)).fetchone()
        if row:
            out[rid] = {f: mark_html(t) for f, t in zip(("title", "body"), row, strict=True) if t and _MARK_OPEN in t}
    return out


def mark_html(text: str) -> str:
    """HTML-escape everything, then turn the sentinel characters into ``<mark>`` tags."""
    return html.escape(text, quote=True).replace(_MARK_OPEN, "<mark>").replace(_MARK_CLOSE, "</mark>")


def _facets(conn: sqlite3.Connection, base: _Base, req: SearchRequest, limits: Limits, many: bool
            ) -> tuple[dict[str, list[tuple[str, int]]], list[str]]:
    """Exact counts when the match set is small (under a time limit), else over the newest matches.

    ``many`` (the total is only a lower bound) skips the exact attempt: it could not finish in time.
    """
    out: dict[str, list[tuple[str, int]]] = {}
    sampled: list[str] = []
    if not req.facets:
        return out, sampled
    if base.match_all:
        return {f: _global_facet(conn, f, req.kind, limits.facet_size) for f in req.facets}, sampled
    # ONE pass fetches the facet columns of the matching set (every match when the total is exact,
    # i.e. at most TOTAL_HITS_CAP, under the facet time limit), and every facet is counted from it;
    # past the limit — or when the total is only a lower bound — the newest ``facet_sample`` matches
    # stand in, and the facets are flagged as sampled.
    rows: list[tuple] | None = None
    if not many:
        try:
            with time_limit(conn, limits.facet_ms):
                rows = _facet_rows(conn, base, req.facets, None)
        except Interrupted:
            rows = None
    if rows is None:
        rows = _facet_rows(conn, base, req.facets, limits.facet_sample)
        sampled = list(req.facets)
    return _count_facets(conn, rows, req.facets, limits.facet_size), sampled


# The docs column behind each single-valued facet (source/vendor group like their NOCASE columns).
_COLUMN_OF = {"source": "d.source", "vendor": "d.vendor", "ships_from": "d.ships_from", "lang": "d.lang",
              "price_band": "d.price_usd"}
_NOCASE = frozenset({"source", "vendor"})
_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _facet_rows(conn: sqlite3.Connection, base: _Base, fields: list[str], newest: int | None) -> list[tuple]:
    """(rid, then the column of each requested facet) for the matching set."""
    cols = "".join(f", {_COLUMN_OF.get(f) or _MULTI[f]}" for f in fields if f in _COLUMN_OF or f in _MULTI)
    sql = f"SELECT d.rid{cols} {base.source} WHERE {base.where}"
    if newest is not None:
        sql += f" ORDER BY {base.order} DESC LIMIT {int(newest)}"
    return conn.execute(sql, base.params).fetchall()


def _count_facets(conn: sqlite3.Connection, rows: list[tuple], fields: list[str], size: int
                  ) -> dict[str, list[tuple[str, int]]]:
    out: dict[str, list[tuple[str, int]]] = {}
    at = 0
    for field in fields:
        if field not in _COLUMN_OF and field not in _MULTI:
            continue
        at += 1
        values = Counter(row[at] for row in rows)
        if field in _MULTI:
            # Each distinct joined value is split once (few distinct combinations, many rows).
            multi: Counter[str] = Counter()
            for joined, n in values.items():
                for v in split_multi(joined):
                    multi[v] += n
            out[field] = sorted(multi.items(), key=lambda kv: (-kv[1], kv[0]))[:size]
            continue
        if field == "price_band":
            bands: Counter[str] = Counter()
            for price, n in values.items():
                if price is not None:
                    bands[price_band(price)] += n
            out[field] = [(label, bands[label]) for label, _l, _h in PRICE_BANDS if bands.get(label)]
            continue
        counts: Counter[str] = Counter()
        names: dict[str, str] = {}
        for value, n in values.items():
            if value:
                key = value.translate(_ASCII_FOLD) if field in _NOCASE else value
                counts[key] += n
                names.setdefault(key, value)
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:size]
        out[field] = [(names[k], n) for k, n in top]
    return out


def _global_facet(conn: sqlite3.Connection, field: str, kind: str | None, size: int) -> list[tuple[str, int]]:
    """Facets of the whole index come from counts maintained at write time (``facet_counts``)."""
    kind_sql, params = ("AND kind = ?", [field, kind]) if kind else ("", [field])
    rows = conn.execute(
        f"SELECT value, sum(n) AS total FROM facet_counts WHERE field = ? {kind_sql} GROUP BY value "
        f"HAVING total > 0", params).fetchall()
    if field == "price_band":
        counts = dict(rows)
        return [(label, counts[label]) for label, _l, _h in PRICE_BANDS if counts.get(label)]
    rows.sort(key=lambda r: (-r[1], r[0]))
    return [(v, n) for v, n in rows[:size]]
