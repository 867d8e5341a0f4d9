"""The weekly counter (set passes per dimension) equals a plain per-row reference count, on random rows
with missing keys, empty vendors, further keys (``obs_multi``) and several weeks."""

from __future__ import annotations

import random
import sqlite3
from collections import defaultdict

from index._sqlite_schema import DIMS
from index._sqlite_weekly import _aggregate


def _reference(rows: list[tuple], more: dict[int, list[tuple[int, str]]], dims: tuple[int, ...]) -> set[tuple]:
    groups: dict[tuple, tuple[list[int], set, set, set]] = defaultdict(lambda: ([0], set(), set(), set()))
    for oid, dk, vendor, source, ships_from, substance, klass, _multi, week in rows:
        keys = [(DIMS["source"], source), (DIMS["ships_from"], ships_from), (DIMS["substance"], substance),
                (DIMS["class"], klass), *more.get(oid, [])]
        for dim, key in keys:
            if key is None or dim not in dims:
                continue
            g = groups[(dim, week, key)]
            g[0][0] += 1
            g[1].add(dk)
            if vendor:
                g[2].add(vendor)
            g[3].add(source)
    return {(d, w, k, n[0], len(a), len(b), len(c)) for (d, w, k), (n, a, b, c) in groups.items()}


def test_weekly_counts_match_a_per_row_reference() -> None:
    rng = random.Random(3)
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE obs_multi(oid INTEGER, dim INTEGER, key TEXT)")
    rows, more = [], defaultdict(list)
    for oid in range(1, 3000):
        extra = [(rng.choice([DIMS["substance"], DIMS["class"]]), rng.choice("xyz")) for _ in range(rng.randint(0, 2))]
        extra = list(dict.fromkeys(extra))
        for dim, key in extra:
            more[oid].append((dim, key))
            conn.execute("INSERT INTO obs_multi VALUES (?,?,?)", (oid, dim, key))
        rows.append((oid, rng.randrange(400), rng.choice(["", "v1", "v2", "V3"]), rng.choice(["m1", "m2"]),
                     rng.choice([None, "NL", "DE"]), rng.choice([None, "a", "b", "x"]), rng.choice([None, "c1", "y"]),
                     1 if extra else 0, rng.choice(["2026-W01", "2026-W02", "2026-W03"])))
    for dims in (tuple(DIMS.values()), (DIMS["substance"],), (DIMS["ships_from"],)):
        got = _aggregate(conn, rows, dims)
        assert len(got) == len(set(got))
        assert set(got) == _reference(rows, more, dims)


def test_the_sql_materialisation_equals_the_hash_set_one() -> None:
    """A bulk load's writer thread materialises quiet weeks in SQL (``materialise_in_sql``); the answers
    must be those of ``refresh`` (hash sets in Python), row for row."""
    from datetime import datetime, timedelta, timezone

    from index._sqlite_weekly import materialise_in_sql, refresh
    from index.documents import ObservationDoc
    from index.sqlite_backend import SqliteIndex

    rng = random.Random(5)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    obs = [ObservationDoc(obs_id=f"o{i}", doc_id=f"d{rng.randrange(300)}",
                          observed_at=start + timedelta(hours=rng.randrange(24 * 30)),
                          source=rng.choice(["m1", "m2", "M1"]), vendor=rng.choice(["", "v1", "v2", "V3"]),
                          substances=rng.sample(["a", "B", "x", ""], rng.randint(0, 3)),
                          classes=rng.sample(["c1", "y", "Y"], rng.randint(0, 2)),
                          ships_from=rng.choice(["", "nl", "DE"])) for i in range(3000)]
    ix = SqliteIndex(":memory:")
    ix.write_batch([], obs)
    conn = ix._conn
    weeks = [w for (w,) in conn.execute("SELECT DISTINCT week FROM observations ORDER BY week")]
    assert refresh(conn) == len(weeks) >= 4

    def tables() -> list[list[tuple]]:
        return [conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall()
                for t in ("weekly_counts", "weekly_totals")]

    expected = tables()
    conn.execute("UPDATE weekly_counts SET observations = -1")
    materialise_in_sql(conn, weeks)
    assert tables() == expected
    assert conn.execute("SELECT count(*) FROM weekly_dirty").fetchone() == (0,)
    ix.close()
