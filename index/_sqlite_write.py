"""Set-based write path of the SQLite index (called inside one transaction per batch).

Every statement is an ``executemany`` or an ``IN (…)`` over a chunk, so Python does per-row work
only to build tuples; an existing document is deleted and re-inserted (its rowid may move when its
first_seen moves), which keeps the FTS5 external-content table exactly in sync. A bulk load's batches
take a second route, split between two threads (:func:`stage_batch`, :func:`apply_stage`), and fall
back to this one for a batch that re-sends stored documents or observations.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import operator
import sqlite3
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import fields
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import compress, repeat
from operator import attrgetter, itemgetter
from typing import Any, TypeVar

from index._sqlite_schema import DIMS, INDEXES, MULTI_FIELDS, MULTI_SEP, PRICE_SQL, UNIQUE_INDEXES
from index.documents import (
    PRICE_BANDS,
    CrawlVolume,
    IndexDoc,
    ObservationDoc,
    iso_week,
    price_band,
)
from index.query.to_sqlite import tag_token

_CHUNK = 500
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_HASH_BITS = 20
_MICRO = timedelta(microseconds=1)
_T = TypeVar("_T")

# obs_id → the observations row without its oid (columns ``OBS_COLUMNS``), and its further multi-valued keys.
PreparedObs = dict[str, tuple[tuple[Any, ...], tuple[tuple[int, str], ...]]]
OBS_COLUMNS = ("obs_id", "doc_id", "doc_key", "observed_at", "week", "source", "vendor", "ships_from", "substance",
               "class", "multi", "price_usd")
_OBS_COLUMN_LIST = ", ".join(OBS_COLUMNS)
_WEEK_AT = OBS_COLUMNS.index("week")


def micros(value: datetime) -> int:
    """UTC microseconds since the epoch (exact round-trip for stored times; naive means UTC)."""
    return ((value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)) - _EPOCH) // _MICRO


def doc_key(doc_id: str) -> int:
    """A stable positive 63-bit integer for a doc id (compact distinct-listing counts)."""
    return int.from_bytes(hashlib.blake2b(doc_id.encode(), digest_size=8).digest(), "big") >> 1


_TIMES = ("first_seen", "last_seen")
_EXTRA_FIELDS = tuple(f.name for f in fields(IndexDoc) if f.name not in ("title", "body", *_TIMES))
_extra_values = attrgetter(*_EXTRA_FIELDS)


def _no_default(value: object) -> object:
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _compact_json() -> Callable[[object], str]:
    """``json.dumps(value, ensure_ascii=False, separators=(",", ":"))`` with ONE C encoder made once:
    ``json.dumps``/``JSONEncoder.encode`` build a new one per call, which is most of their cost on
    small lists (10 µs → 5.5 µs per row). Same output (the C encoder is what ``json`` uses anyway)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # no C accelerator: the stdlib path
        return json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    encoder = make(None, _no_default, json.encoder.encode_basestring, None, ":", ",", False, False, True)
    return lambda value: "".join(encoder(value, 0))


_dumps = _compact_json()
# Keyword values repeat massively (a few hundred vendors, markets, countries): encode each once.
_tag = lru_cache(maxsize=1 << 16)(tag_token)


def encode_doc(doc: IndexDoc) -> str:
    """Compact positional JSON of the fields not stored as columns (a dict per row costs 3x)."""
    return _dumps(_extra_values(doc))


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


Texts = dict[str, tuple[str, str]]  # doc_id → (FTS tag tokens, compact JSON of the other fields)


def prepare_texts(docs: Iterable[IndexDoc]) -> Texts:
    """The costliest pure-Python part of writing documents; seen-times are not in it, so it can run
    in a worker thread while the connection looks up and inserts the structured rows."""
    return {d.doc_id: (doc_tags(d), encode_doc(d)) for d in docs}


def write_docs(conn: sqlite3.Connection, docs: dict[str, IndexDoc], *,
               texts: Callable[[], Texts] | None = None) -> None:
    """Upsert documents: merge with stored seen-times, drop old rows, insert the new ones.

    ``texts`` returns :func:`prepare_texts` of these docs (e.g. a worker's future), computed here if absent.
    """
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
    _insert_docs(conn, list(docs.values()), texts=texts)


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
    _apply_facets(conn, counts, delta)


def _apply_facets(conn: sqlite3.Connection, counts: Counter[tuple[str, str, str]], delta: int) -> None:
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


def _wanted_rids(docs: list[IndexDoc], keys: list[int]) -> list[int]:
    mask = (1 << _HASH_BITS) - 1
    return [((micros(d.first_seen) // 1_000_000) << _HASH_BITS) | (k & mask) for d, k in zip(docs, keys, strict=True)]


def allocate_rids(conn: sqlite3.Connection, docs: list[IndexDoc], keys: list[int]) -> list[int]:
    """Rowids ordered by first_seen; hash bits spread docs seen in the same second, probing on clash."""
    wanted = _wanted_rids(docs, keys)
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


_first = itemgetter(0)


def _doc_rows(docs: list[IndexDoc], keys: list[int], rids: list[int], texts: Texts
              ) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The ``docs`` and ``doc_text`` rows, ascending by rowid (FTS5 flushes its pending-terms buffer
    whenever a rowid goes down)."""
    triples = sorted(zip(rids, keys, docs, strict=True), key=_first)
    rows = [(
        rid, doc.doc_id, key, doc.kind.lower(), doc.source, doc.source_kind,
        doc.vendor, doc.ships_from.upper(), doc.lang.lower(), doc.price_usd, doc.quantity_g,
        micros(doc.first_seen), micros(doc.last_seen),
        _joined_lower(tuple(doc.substances)), _joined_lower(tuple(doc.classes)), _joined_upper(tuple(doc.ships_to)),
    ) for rid, key, doc in triples]
    text_rows = [(rid, doc.title, doc.body, *texts[doc.doc_id]) for rid, _key, doc in triples]
    return rows, text_rows


def _insert_docs(conn: sqlite3.Connection, docs: list[IndexDoc], *, texts: Callable[[], Texts] | None = None
                 ) -> None:
    keys = [doc_key(d.doc_id) for d in docs]
    rids = allocate_rids(conn, docs, keys)
    rows, text_rows = _doc_rows(docs, keys, rids, texts() if texts else prepare_texts(docs))
    conn.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    conn.executemany("INSERT INTO doc_text(rid, title, body, tags, extra) VALUES (?,?,?,?,?)", text_rows)
    conn.executemany("INSERT INTO fts(rowid, title, body, tags) VALUES (?,?,?,?)", [r[:4] for r in text_rows])
    _apply_facets(conn, _row_facets(rows), +1)


# A bulk load's batch goes through a *stage*: an in-memory database the caller's thread fills (Python
# work: the rows and their binding), serialised and handed to the writer thread, which attaches it as
# ``stage`` and copies it in with one INSERT … SELECT per table, all run by ONE statement (a trigger, see
# ``_APPLY_TRIGGER``): ONE ``sqlite3_step``, during which CPython's sqlite3 does not hold the GIL, so all
# of the writer's SQLite work — FTS5 tokenising included — runs while the caller produces and prepares
# the next batch (``executemany`` in a thread would take the GIL back for every row, i.e. wait for it
# while the other thread runs Python).
_STAGE_DDL = f"""
CREATE TABLE docs(rid INTEGER PRIMARY KEY, doc_id, doc_key, kind, source, source_kind, vendor, ships_from, lang,
    price_usd, quantity_g, first_seen, last_seen, substances, classes, ships_to, title, body, tags, extra);
CREATE TABLE observations({_OBS_COLUMN_LIST});
CREATE TABLE obs_multi(obs_id, dim, key);
CREATE TABLE facets(kind, field, value, n);
CREATE TABLE volumes(source, week, pages, listings);
CREATE TABLE weekly_weeks(week);
CREATE TABLE weekly_counts(dim, week, key, observations, listings, vendors, markets);
CREATE TABLE weekly_totals(week, observations, listings);
"""
# Rowids come from the stage (docs: probed within the batch; a clash with a stored row raises, see
# apply_stage); observations get theirs as the row-by-row path does: max(oid) + 1 onwards, in batch order.
# Weeks in ``weekly_weeks`` are complete (see ``_sqlite_weekly.WeekTally``): their counts replace the
# stored ones and they are no longer dirty; the batch's own weeks are marked dirty first.
_FINISHED_WEEKS = "week IN (SELECT week FROM stage.weekly_weeks)"
_APPLY_STAGE = (
    "INSERT INTO docs SELECT rid, doc_id, doc_key, kind, source, source_kind, vendor, ships_from, lang, price_usd, "
    "quantity_g, first_seen, last_seen, substances, classes, ships_to FROM stage.docs",
    "INSERT INTO doc_text(rid, title, body, tags, extra) SELECT rid, title, body, tags, extra FROM stage.docs",
    "INSERT INTO fts(rowid, title, body, tags) SELECT rid, title, body, tags FROM stage.docs",
    f"INSERT INTO observations({_OBS_COLUMN_LIST}) SELECT {_OBS_COLUMN_LIST} FROM stage.observations ORDER BY rowid",
    "INSERT INTO obs_multi(oid, dim, key) SELECT o.oid, m.dim, m.key FROM stage.obs_multi m "
    "JOIN observations o ON o.obs_id = m.obs_id",
    "INSERT OR IGNORE INTO weekly_dirty(week) SELECT DISTINCT week FROM stage.observations",
    *(f"DELETE FROM {table} WHERE {_FINISHED_WEEKS}" for table in ("weekly_counts", "weekly_totals", "weekly_dirty")),
    f"INSERT INTO weekly_counts SELECT * FROM stage.weekly_counts WHERE {_FINISHED_WEEKS}",
    f"INSERT INTO weekly_totals SELECT * FROM stage.weekly_totals WHERE {_FINISHED_WEEKS}",
    "INSERT INTO facet_counts(kind, field, value, n) SELECT kind, field, value, n FROM stage.facets WHERE true "
    "ON CONFLICT(field, value, kind) DO UPDATE SET n = n + excluded.n",
    "INSERT INTO crawl_volume(source, week, pages, listings) SELECT source, week, pages, listings "
    "FROM stage.volumes WHERE true "
    "ON CONFLICT(source, week) DO UPDATE SET pages = excluded.pages, listings = excluded.listings",
)
# Finished weeks' rows: weekly_counts (dim, week, key, observations, listings, vendors, markets),
# weekly_totals (week, observations, listings), and the weeks.
WeeklyRows = tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[str]]


def stage_batch(docs: dict[str, IndexDoc], doc_keys: dict[str, int], prepared: PreparedObs,
                volumes: list[CrawlVolume], weekly: WeeklyRows | None = None) -> bytes:
    """A batch as the image of a stage database (no access to the index: runs while it is busy).

    Written as if no document, observation or rowid of it were stored yet; :func:`apply_stage` finds out.
    One wide row per document: its ``docs`` columns, then ``doc_text``'s, built as the row-by-row path
    builds them (``_doc_rows``). ``weekly``: counts of weeks the load has finished, to store with it.
    """
    doc_list = list(docs.values())
    keys = [doc_keys[d.doc_id] for d in doc_list]
    rids: list[int] = []
    taken: set[int] = set()
    for rid in _wanted_rids(doc_list, keys):  # probed within the batch only; the index is apply_stage's
        while rid in taken:
            rid += 1
        taken.add(rid)
        rids.append(rid)
    doc_rows, text_rows = _doc_rows(doc_list, keys, rids, prepare_texts(doc_list))
    rows = [row + text[1:] for row, text in zip(doc_rows, text_rows, strict=True)]
    counts, totals, weeks = weekly or ([], [], [])
    stage = sqlite3.connect(":memory:", isolation_level=None)
    try:
        stage.executescript(_STAGE_DDL)
        stage.execute("BEGIN")
        stage.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        stage.executemany("INSERT INTO facets VALUES (?,?,?,?)",
                          [(k, f, v, n) for (k, f, v), n in _row_facets(rows).items()])
        stage.executemany(f"INSERT INTO observations VALUES ({marks(len(OBS_COLUMNS))})",
                          [row for row, _more in prepared.values()])
        stage.executemany("INSERT INTO obs_multi VALUES (?,?,?)",
                          [(row[0], dim, v) for row, more in prepared.values() for dim, v in more])
        stage.executemany("INSERT INTO volumes VALUES (?,?,?,?)",
                          [(v.source, v.week, v.pages, v.listings) for v in volumes])
        stage.executemany("INSERT INTO weekly_weeks VALUES (?)", [(w,) for w in weeks])
        stage.executemany("INSERT INTO weekly_counts VALUES (?,?,?,?,?,?,?)", counts)
        stage.executemany("INSERT INTO weekly_totals VALUES (?,?,?)", totals)
        stage.execute("COMMIT")
        return stage.serialize()
    finally:
        stage.close()


# The statements above as the body of one trigger, fired by inserting a row into ``stage_apply`` (which
# the trigger's last statement drops: the table stays empty). Run one by one, each statement took the
# GIL back when it ended, and while the caller's thread runs Python a thread waits for the GIL up to
# the switch interval (5 ms), ~15 times a batch: at 1M listings the writer thread waited ~10 s of its
# 60, ~5 s with the trigger (1M listings 14,900 -> 15,200/s). A TEMP trigger may read the attached
# stage (a main one may not).
_APPLY_TRIGGER = ("CREATE TEMP TRIGGER IF NOT EXISTS apply_stage BEFORE INSERT ON stage_apply BEGIN "
                  + "; ".join(_APPLY_STAGE) + "; SELECT RAISE(IGNORE); END")


def attach_stage(conn: sqlite3.Connection) -> None:
    if not any(name == "stage" for _seq, name, _file in conn.execute("PRAGMA database_list")):
        conn.execute("ATTACH DATABASE ':memory:' AS stage")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS stage_apply(n)")
    conn.execute(_APPLY_TRIGGER)


def detach_stage(conn: sqlite3.Connection) -> None:
    with contextlib.suppress(sqlite3.Error):  # still attached: harmless, and the next load reuses it
        conn.execute("DETACH DATABASE stage")


def apply_stage(conn: sqlite3.Connection, image: bytes, *, weekly: bool = True) -> None:
    """Copy a :func:`stage_batch` into the index (inside the caller's transaction).

    Raises ``sqlite3.IntegrityError`` when the batch re-sends a stored document or observation, or one
    of its rowids is taken: the caller rolls back and writes that batch row by row (merging seen-times,
    skipping identical observations, probing rowids) instead. ``weekly=False``: the staged weekly
    counts are not to be trusted; their weeks stay dirty.
    """
    conn.deserialize(image, name="stage")
    if not weekly:
        conn.execute("DELETE FROM stage.weekly_weeks")
    conn.execute("INSERT INTO stage_apply VALUES (1)")


@lru_cache(maxsize=1 << 14)
def _joined_lower(values: tuple[str, ...]) -> str:
    """A multi-valued field's docs column: its distinct non-empty values, sorted, ``MULTI_SEP``-joined."""
    return MULTI_SEP.join(sorted({v.lower() for v in values if v}))


@lru_cache(maxsize=1 << 14)
def _joined_upper(values: tuple[str, ...]) -> str:
    return MULTI_SEP.join(sorted({v.upper() for v in values if v}))


def split_multi(value: str) -> list[str]:
    """Inverse of the ``_joined_*`` encodings ('' holds no value)."""
    return value.split(MULTI_SEP) if value else []


# Positions in a docs row: kind, then the single-valued and the multi-valued facet columns.
_KIND_AT = 3
_SINGLE_AT = (("source", 4), ("vendor", 6), ("ships_from", 7), ("lang", 8))
_MULTI_AT = (("substance", 13), ("class", 14), ("ships_to", 15))


def _row_facets(rows: list[tuple]) -> Counter[tuple[str, str, str]]:
    """:func:`facet_values` of the inserted docs, counted from the rows already built; test_sqlite_bulk
    checks the two agree. Every pass is C-speed (``Counter`` over ``zip``ped columns, prices banded by
    ``bisect``), then the few distinct (kind, value) pairs are relabelled in Python."""
    counts: Counter[tuple[str, str, str]] = Counter()
    if not rows:
        return counts
    kinds = list(map(itemgetter(_KIND_AT), rows))
    for field, at in _SINGLE_AT:
        for (kind, value), n in Counter(zip(kinds, map(itemgetter(at), rows), strict=True)).items():
            if value:
                counts[kind, field, value] += n
    prices = list(map(itemgetter(9), rows))
    known = list(map(operator.is_not, prices, repeat(None)))
    priced = list(compress(prices, known))
    if any(map(operator.ne, priced, priced)):  # NaN: bisect cannot band it, price_band can
        counts.update((r[_KIND_AT], "price_band", price_band(r[9])) for r in rows if r[9] is not None)
    else:
        bands = map(bisect_right, repeat(_BAND_BOUNDS), priced)
        for (kind, band), n in Counter(zip(compress(kinds, known), bands, strict=True)).items():
            counts[kind, "price_band", _BAND_LABELS[band]] += n
    for field, at in _MULTI_AT:  # few distinct value lists: count them, then split each once
        for (kind, joined), n in Counter(zip(kinds, map(itemgetter(at), rows), strict=True)).items():
            for v in joined.split(MULTI_SEP) if joined else ():
                counts[kind, field, v] += n
    return counts


# Band i of PRICE_BANDS holds the prices p with bisect_right(_BAND_BOUNDS, p) == i (below 0 is band 0).
_BAND_BOUNDS = [high for _label, _low, high in PRICE_BANDS if high is not None]
_BAND_LABELS = [label for label, _low, _high in PRICE_BANDS]


def doc_tags(doc: IndexDoc) -> str:
    """The keyword values of a document as FTS5 tag tokens (space-separated)."""
    return " ".join(filter(None, (
        _single_tags(doc.kind, doc.source, doc.lang), _tag("vendor", doc.vendor) if doc.vendor else "",
        _tag("ships_from", doc.ships_from) if doc.ships_from else "",
        _all_multi_tags(tuple(doc.substances), tuple(doc.classes), tuple(doc.ships_to)))))


@lru_cache(maxsize=1 << 14)
def _all_multi_tags(substances: tuple[str, ...], classes: tuple[str, ...], ships_to: tuple[str, ...]) -> str:
    return " ".join(filter(None, (_multi_tags("substance", substances), _multi_tags("class", classes),
                                  _multi_tags("ships_to", ships_to))))


@lru_cache(maxsize=1 << 12)
def _single_tags(kind: str, source: str, lang: str) -> str:
    return " ".join(_tag(f, v) for f, v in (("kind", kind), ("source", source)) if v) + (
        " " + _tag("lang", lang) if lang else "")


@lru_cache(maxsize=1 << 14)
def _multi_tags(field: str, values: tuple[str, ...]) -> str:
    # Tokens of different fields never collide (each starts with its field's code): dedupe per field.
    return " ".join(dict.fromkeys(_tag(field, v) for v in values if v))


def prepare_observations(observations: Iterable[ObservationDoc], keys: dict[str, int] | None = None
                         ) -> PreparedObs:
    """The pure-Python half of writing observations (no database): it can run in a worker thread
    while the connection is busy inserting documents (sqlite3 releases the GIL while stepping).
    ``keys``: doc_key by doc_id, known ones (e.g. of the batch's documents), completed here.

    The row holds every field of the observation, normalised as the weekly counts use it: an
    observation is only ever read back to count it, or to tell a re-send from a change."""
    out: PreparedObs = {}
    if keys is None:
        keys = {}  # a listing's observations usually arrive together: hash its id once
    for obs in observations:
        sub, klass, more = _obs_keys(tuple(obs.substances), tuple(obs.classes))
        observed = micros(obs.observed_at)
        key = keys.get(obs.doc_id)
        if key is None:
            key = keys[obs.doc_id] = doc_key(obs.doc_id)
        row = (obs.obs_id, obs.doc_id, key, observed, _week_of(observed // 86_400_000_000),
               obs.source, obs.vendor, obs.ships_from.upper() or None, sub, klass, 1 if more else 0, obs.price_usd)
        out[obs.obs_id] = (row, more)
    return out


@lru_cache(maxsize=1 << 14)
def _obs_keys(substances: tuple[str, ...], classes: tuple[str, ...]
              ) -> tuple[str | None, str | None, tuple[tuple[int, str], ...]]:
    """First substance and class (the observation's columns) and the further values (``obs_multi``)."""
    subs = sorted({s.lower() for s in substances if s})
    klasses = sorted({c.lower() for c in classes if c})
    more = tuple([(DIMS["substance"], v) for v in subs[1:]] + [(DIMS["class"], v) for v in klasses[1:]])
    return (subs[0] if subs else None), (klasses[0] if klasses else None), more


@lru_cache(maxsize=4096)
def _week_of(day: int) -> str:
    """ISO week of a UTC day number (days since the epoch)."""
    return iso_week(_EPOCH + timedelta(days=day))


def write_observations(conn: sqlite3.Connection, prepared: PreparedObs) -> None:
    """Idempotent by obs_id: an identical re-send is skipped, a changed one replaces the stored one."""
    if not prepared:
        return
    stale = []
    for chunk in chunks(list(prepared)):
        sql = f"SELECT oid, {_OBS_COLUMN_LIST} FROM observations WHERE obs_id IN ({marks(len(chunk))})"
        for oid, *stored in conn.execute(sql, chunk):
            row, more = prepared[stored[0]]
            if tuple(stored) == row and (not more or more == tuple(
                    conn.execute("SELECT dim, key FROM obs_multi WHERE oid = ? ORDER BY dim, key", (oid,)))):
                del prepared[stored[0]]
            else:
                stale.append(oid)
    delete_observations(conn, stale)
    next_oid = (conn.execute("SELECT max(oid) FROM observations").fetchone()[0] or 0) + 1
    rows: list[tuple[object, ...]] = []
    multi: list[tuple[int, int, str]] = []
    weeks: set[object] = set()
    for oid, (row, more) in enumerate(prepared.values(), next_oid):
        weeks.add(row[_WEEK_AT])
        rows.append((oid, *row))
        multi += [(oid, dim, v) for dim, v in more]
    conn.executemany(f"INSERT INTO observations(oid, {_OBS_COLUMN_LIST}) VALUES (?,{marks(len(OBS_COLUMNS))})", rows)
    conn.executemany("INSERT INTO obs_multi(oid, dim, key) VALUES (?,?,?)", multi)
    conn.executemany("INSERT OR IGNORE INTO weekly_dirty(week) VALUES (?)", [(w,) for w in weeks])


def delete_observations(conn: sqlite3.Connection, oids: Sequence[int]) -> None:
    """Remove observations and their further keys, marking their weeks for re-aggregation."""
    for chunk in chunks(oids):
        qs = marks(len(chunk))
        conn.execute(f"INSERT OR IGNORE INTO weekly_dirty(week) SELECT DISTINCT week FROM observations "
                     f"WHERE oid IN ({qs})", chunk)
        conn.execute(f"DELETE FROM obs_multi WHERE oid IN ({qs})", chunk)
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


def begin_bulk(conn: sqlite3.Connection, *, defer_indexes: bool = True) -> None:
    """Mark a bulk load as running (so a load killed half-way is finished by the next one) and drop
    the secondary indexes but the unique ones (the write path looks ids up): each costs a random
    B-tree insert per row, while building them once at the end is one sort. A load with a writer
    thread keeps them (``defer_indexes=False``): there, the inserts run beside the caller's Python,
    which is the slower half; the sort would follow it (at 500k listings, ~4 s of CPU at the end
    against ~5 s more on the writer thread, which still finishes first)."""
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('bulk', '1')")
    if defer_indexes:
        for name in INDEXES:
            if name not in UNIQUE_INDEXES:
                conn.execute(f"DROP INDEX IF EXISTS {name}")
    _fts_merging(conn, BULK_FTS_MERGE)


# FTS5 merge settings (automerge, crisismerge): SQLite's defaults, and a bulk load's. Merging 16
# segments at a time instead of 4 rewrites each posting fewer times: the FTS5 insert costs ~24 µs a
# document instead of ~35 at 150k documents (rowids spaced like ours), for more segments per level.
FTS_MERGE = (4, 16)
BULK_FTS_MERGE = (16, 64)


def _fts_merging(conn: sqlite3.Connection, settings: tuple[int, int]) -> None:
    for option, value in zip(("automerge", "crisismerge"), settings, strict=True):
        conn.execute("INSERT INTO fts(fts, rank) VALUES (?, ?)", (option, value))


def bulk_running(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM meta WHERE key = 'bulk'").fetchone() is not None


def finish_bulk(conn: sqlite3.Connection) -> None:
    """Rebuild what a bulk load deferred (call inside a transaction): the indexes; and put back FTS5's
    merge settings (later writes merge the extra segments incrementally)."""
    for ddl in INDEXES.values():
        conn.execute(ddl)
    _fts_merging(conn, FTS_MERGE)
    conn.execute("DELETE FROM meta WHERE key = 'bulk'")


def recount_facets(conn: sqlite3.Connection) -> None:
    """Whole-index facet counts from scratch, equal to what :func:`bump_facets` maintains per batch."""
    conn.execute("DELETE FROM facet_counts")
    for field, col in (("source", "source"), ("vendor", "vendor"), ("ships_from", "ships_from"), ("lang", "lang")):
        conn.execute(f"INSERT INTO facet_counts(kind, field, value, n) SELECT kind, '{field}', {col}, count(*) "
                     f"FROM docs WHERE {col} != '' GROUP BY kind, {col} COLLATE BINARY")
    conn.execute(f"INSERT INTO facet_counts(kind, field, value, n) SELECT kind, 'price_band', band, count(*) "
                 f"FROM (SELECT kind, {PRICE_SQL.replace('d.', '')} AS band FROM docs WHERE price_usd IS NOT NULL) "
                 f"GROUP BY kind, band")
    counts: Counter[tuple[str, str, str]] = Counter()
    for kind, *multi in conn.execute(f"SELECT kind, {', '.join(MULTI_FIELDS)} FROM docs"):
        for (field, _at), value in zip(_MULTI_AT, multi, strict=True):
            counts.update((kind, field, v) for v in split_multi(value))
    _apply_facets(conn, counts, +1)
