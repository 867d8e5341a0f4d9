"""Set-based write path of the SQLite index (called inside one transaction per batch).

Every statement is an ``executemany`` or an ``IN (…)`` over a chunk, so Python does per-row work
only to build tuples; an existing document is deleted and re-inserted (its rowid may move when its
first_seen moves), which keeps the FTS5 external-content table exactly in sync.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from index._sqlite_schema import DIMS
from index.documents import (
    CrawlVolume,
    IndexDoc,
    ObservationDoc,
    iso_week,
    price_band,
    utc,
)
from index.query.to_sqlite import tag_token

_CHUNK = 500
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_HASH_BITS = 20
_T = TypeVar("_T")


def micros(value: datetime) -> int:
    """UTC microseconds since the epoch (exact round-trip for stored times)."""
    return (utc(value) - _EPOCH) // _MICRO


def doc_key(doc_id: str) -> int:
    """A stable positive 63-bit integer for a doc id (compact distinct-listing counts)."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=8).digest(), "big") >> 1


_TIMES = ("first_seen", "last_seen")
_EXTRA_FIELDS = tuple(f.name for f in fields(IndexDoc) if f.name not in ("title", "body", *_TIMES))
_MICRO = timedelta(microseconds=1)


def encode_doc(doc: IndexDoc) -> str:
    """Compact positional JSON of the fields not stored as columns (a dict per row costs 3x)."""
    return json.dumps([getattr(doc, name) for name in _EXTRA_FIELDS], ensure_ascii=False, separators=(",", ":"))


def decode_doc(extra: str, title: str, body: str, first_us: int, last_us: int) -> IndexDoc:
    """Inverse of :func:`encode_doc`, given the text and the seen-times (microseconds) columns."""
    data = dict(zip(_EXTRA_FIELDS, json.loads(extra), strict=True))
    return IndexDoc(title=title, body=body, first_seen=from_micros(first_us), last_seen=from_micros(last_us), **data)


def from_micros(value: int) -> datetime:
    return _EPOCH + value * _MICRO


def chunks(items: Sequence[_T], size: int = _CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(n: int) -> str:
    return ",".join("?" * n)


def merge_docs(docs: Iterable[IndexDoc]) -> dict[str, IndexDoc]:
    """One doc per id; a later version wins but seen-times merge (min first, max last)."""
    out: dict[str, IndexDoc] = {}
    for doc in docs:
        old = out.get(doc.doc_id)
        out[doc.doc_id] = doc.merged_with(old) if old else doc
    return out


def write_docs(conn: sqlite3.Connection, docs: dict[str, IndexDoc]) -> None:
    """Upsert documents: merge with stored seen-times, drop old rows, insert the new ones."""
    if not docs:
        return
    ids = list(docs)
    old_rids: list[int] = []
    for chunk in chunks(ids):
        sql = (f"SELECT rid, extra, first_seen, last_seen FROM docs JOIN doc_text USING (rid) "
               f"WHERE doc_id IN ({marks(len(chunk))})")
        for rid, extra, first_us, last_us in conn.execute(sql, chunk):
            stored = decode_doc(extra, "", "", first_us, last_us)
            doc = docs[stored.doc_id]
            docs[doc.doc_id] = doc.merged_with(stored)
            old_rids.append(rid)
    delete_rids(conn, old_rids)
    _insert_docs(conn, list(docs.values()))


def facet_values(doc: IndexDoc) -> list[tuple[str, str, str]]:
    """(kind, field, value) triples a document contributes to the whole-index facet counts."""
    kind = doc.kind.lower()
    out = [(kind, f, v) for f, v in (("source", doc.source), ("vendor", doc.vendor),
                                     ("ships_from", doc.ships_from.upper()), ("lang", doc.lang.lower()),
                                     ("price_band", price_band(doc.price_usd))) if v]
    out += [(kind, "substance", v) for v in {s.lower() for s in doc.substances if s}]
    out += [(kind, "class", v) for v in {c.lower() for c in doc.classes if c}]
    out += [(kind, "ships_to", v) for v in {c.upper() for c in doc.ships_to if c}]
    return out


def bump_facets(conn: sqlite3.Connection, docs: Iterable[IndexDoc], delta: int) -> None:
    """Apply a batch's net change to the whole-index facet counts (one upsert per distinct value)."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for doc in docs:
        counts.update(facet_values(doc))
    conn.executemany(
        "INSERT INTO facet_counts(kind, field, value, n) VALUES (?,?,?,?) "
        "ON CONFLICT(field, value, kind) DO UPDATE SET n = n + excluded.n",
        [(k, f, v, n * delta) for (k, f, v), n in counts.items()],
    )


def delete_rids(conn: sqlite3.Connection, rids: Sequence[int]) -> None:
    """Remove documents everywhere (FTS5 needs the old text to un-index an external-content row)."""
    for chunk in chunks(rids):
        qs = marks(len(chunk))
        rows = conn.execute(f"SELECT extra, first_seen, last_seen FROM docs JOIN doc_text USING (rid) "
                            f"WHERE rid IN ({qs})", chunk)
        bump_facets(conn, [decode_doc(extra, "", "", f, last) for extra, f, last in rows], -1)
        conn.execute(
            f"INSERT INTO fts(fts, rowid, title, body, tags) SELECT 'delete', rid, title, body, tags "
            f"FROM doc_text WHERE rid IN ({qs})",
            chunk,
        )
        for table in ("doc_text", "docs"):
            conn.execute(f"DELETE FROM {table} WHERE rid IN ({qs})", chunk)
        for table in ("doc_substance", "doc_class", "doc_ships_to"):
            conn.execute(f"DELETE FROM {table} WHERE doc IN ({qs})", chunk)


def allocate_rids(conn: sqlite3.Connection, docs: list[IndexDoc], keys: list[int]) -> list[int]:
    """Rowids ordered by first_seen; hash bits spread docs seen in the same second, probing on clash."""
    mask = (1 << _HASH_BITS) - 1
    wanted = [((micros(d.first_seen) // 1_000_000) << _HASH_BITS) | (k & mask) for d, k in zip(docs, keys, strict=True)]
    taken: set[int] = set()
    for chunk in chunks(wanted):
        taken.update(r for (r,) in conn.execute(f"SELECT rid FROM docs WHERE rid IN ({marks(len(chunk))})", chunk))
    out = []
    for rid in wanted:
        while rid in taken:
            rid += 1
            if rid not in taken and conn.execute("SELECT 1 FROM docs WHERE rid = ?", (rid,)).fetchone():
                taken.add(rid)
        taken.add(rid)
        out.append(rid)
    return out


def _insert_docs(conn: sqlite3.Connection, docs: list[IndexDoc]) -> None:
    # Ascending rowids matter: FTS5 flushes its pending-terms buffer whenever a rowid goes down.
    keys = [doc_key(d.doc_id) for d in docs]
    rids = allocate_rids(conn, docs, keys)
    triples = sorted(zip(rids, keys, docs, strict=True), key=lambda p: p[0])
    rows, texts, fts_rows = [], [], []
    joins: dict[str, list[tuple[int, str]]] = {"doc_substance": [], "doc_class": [], "doc_ships_to": []}
    for rid, key, doc in triples:
        rows.append((
            rid, doc.doc_id, key, doc.kind.lower(), doc.source, doc.source_kind,
            doc.vendor, doc.ships_from.upper(), doc.lang.lower(), doc.price_usd, doc.quantity_g,
            micros(doc.first_seen), micros(doc.last_seen),
        ))
        tags = doc_tags(doc)
        texts.append((rid, doc.title, doc.body, tags, encode_doc(doc)))
        fts_rows.append((rid, doc.title, doc.body, tags))
        joins["doc_substance"] += [(rid, v) for v in {s.lower() for s in doc.substances if s}]
        joins["doc_class"] += [(rid, v) for v in {c.lower() for c in doc.classes if c}]
        joins["doc_ships_to"] += [(rid, v) for v in {c.upper() for c in doc.ships_to if c}]
    conn.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    conn.executemany("INSERT INTO doc_text(rid, title, body, tags, extra) VALUES (?,?,?,?,?)", texts)
    conn.executemany("INSERT INTO fts(rowid, title, body, tags) VALUES (?,?,?,?)", fts_rows)
    for table, values in joins.items():
        conn.executemany(f"INSERT INTO {table}(doc, value) VALUES (?,?)", values)
    bump_facets(conn, docs, +1)


def doc_tags(doc: IndexDoc) -> str:
    """The keyword values of a document as FTS5 tag tokens (space-separated)."""
    pairs = [("kind", doc.kind), ("source", doc.source), ("vendor", doc.vendor), ("ships_from", doc.ships_from),
             ("lang", doc.lang)]
    pairs += [("substance", v) for v in doc.substances] + [("class", v) for v in doc.classes]
    pairs += [("ships_to", v) for v in doc.ships_to]
    return " ".join(dict.fromkeys(tag_token(f, v) for f, v in pairs if v))


def _obs_extra(obs: ObservationDoc) -> str:
    return json.dumps([obs.doc_id, obs.source, obs.vendor, obs.substances, obs.classes, obs.ships_from,
                       obs.price_usd], ensure_ascii=False, separators=(",", ":"))


# obs_id → (extra JSON, observed_at µs, week, doc_id, source, [(dim, key, doc_key, vendor, source)])
PreparedObs = dict[str, tuple[str, int, str, str, str, list[tuple[int, str, int, str, str]]]]


def prepare_observations(observations: Iterable[ObservationDoc]) -> PreparedObs:
    """The pure-Python half of writing observations (no database): it can run in a worker thread
    while the connection is busy inserting documents (sqlite3 releases the GIL while stepping)."""
    out: PreparedObs = {}
    for obs in observations:
        dk = doc_key(obs.doc_id)
        keys = [(dim, v, dk, obs.vendor, obs.source)
                for dim, values in _dim_values(obs.source, obs.substances, obs.classes, obs.ships_from)
                for v in values]
        out[obs.obs_id] = (_obs_extra(obs), micros(obs.observed_at), iso_week(utc(obs.observed_at)), obs.doc_id,
                           obs.source, keys)
    return out


def write_observations(conn: sqlite3.Connection, prepared: PreparedObs) -> None:
    """Idempotent by obs_id: an identical re-send is skipped, a changed one replaces the stored one."""
    if not prepared:
        return
    stale = []
    for chunk in chunks(list(prepared)):
        sql = f"SELECT oid, obs_id, observed_at, extra FROM observations WHERE obs_id IN ({marks(len(chunk))})"
        for oid, obs_id, observed, extra in conn.execute(sql, chunk):
            new = prepared[obs_id]
            if extra == new[0] and observed == new[1]:
                del prepared[obs_id]
            else:
                stale.append(oid)
    delete_observations(conn, stale)
    next_oid = (conn.execute("SELECT max(oid) FROM observations").fetchone()[0] or 0) + 1
    rows: list[tuple[object, ...]] = []
    keys: list[tuple[object, ...]] = []
    weeks: set[str] = set()
    for oid, (obs_id, (extra, observed, week, doc_id, source, obs_keys)) in enumerate(prepared.items(), next_oid):
        weeks.add(week)
        rows.append((oid, obs_id, doc_id, observed, week, source, extra))
        keys += [(week, dim, v, oid, dk, vendor, src) for dim, v, dk, vendor, src in obs_keys]
    keys.sort(key=lambda k: (k[1], k[0], k[2], k[3]))  # primary-key order: (dim, week, key, oid)
    conn.executemany("INSERT INTO observations VALUES (?,?,?,?,?,?,?)", rows)
    conn.executemany("INSERT INTO obs_key VALUES (?,?,?,?,?,?,?)", keys)
    conn.executemany("INSERT OR IGNORE INTO weekly_dirty(week) VALUES (?)", [(w,) for w in weeks])


def _dim_values(source: str, substances: list[str], classes: list[str], ships_from: str
                ) -> list[tuple[int, set[str]]]:
    return [
        (DIMS["substance"], {s.lower() for s in substances if s}),
        (DIMS["class"], {c.lower() for c in classes if c}),
        (DIMS["source"], {source}),
        (DIMS["ships_from"], {ships_from.upper()} if ships_from else set()),
    ]


def delete_observations(conn: sqlite3.Connection, oids: Sequence[int]) -> None:
    """Remove observations and their weekly keys, marking their weeks for re-aggregation."""
    for chunk in chunks(oids):
        qs = marks(len(chunk))
        rows = conn.execute(f"SELECT oid, week, extra FROM observations WHERE oid IN ({qs})", chunk).fetchall()
        keys: list[tuple[object, ...]] = []
        for oid, week, extra in rows:
            _doc_id, source, _vendor, subs, classes, ships_from, _price = json.loads(extra)
            keys.extend((week, dim, v, oid) for dim, values in _dim_values(source, subs, classes, ships_from)
                        for v in values)
        conn.executemany("DELETE FROM obs_key WHERE week = ? AND dim = ? AND key = ? AND oid = ?", keys)
        conn.executemany("INSERT OR IGNORE INTO weekly_dirty(week) VALUES (?)", {(r[1],) for r in rows})
        conn.execute(f"DELETE FROM observations WHERE oid IN ({qs})", chunk)


def write_volumes(conn: sqlite3.Connection, volumes: Iterable[CrawlVolume]) -> None:
    """Crawl volume per (source, week): the latest report for a week replaces the earlier one."""
    conn.executemany(
        "INSERT INTO crawl_volume(source, week, pages, listings) VALUES (?,?,?,?) "
        "ON CONFLICT(source, week) DO UPDATE SET pages = excluded.pages, listings = excluded.listings",
        [(v.source, v.week, v.pages, v.listings) for v in volumes],
    )


def delete_source(conn: sqlite3.Connection, source: str) -> int:
    """Remove a source's documents, observations and crawl volumes; returns documents removed."""
    rids = [r for (r,) in conn.execute("SELECT rid FROM docs WHERE source = ? COLLATE BINARY", (source,))]
    delete_rids(conn, rids)
    oids = [r for (r,) in conn.execute("SELECT oid FROM observations WHERE source = ?", (source,))]
    delete_observations(conn, oids)
    conn.execute("DELETE FROM crawl_volume WHERE source = ?", (source,))
    return len(rids)
