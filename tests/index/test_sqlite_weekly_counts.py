"""The weekly counter (set passes per dimension) equals a plain per-row reference count, on random rows
with missing keys, empty vendors, further keys (``obs_multi``) and several weeks."""

from __future__ import annotations

import dataclasses
import random
import sqlite3
from collections import defaultdict

from index._sqlite_schema import DIMS
from index._sqlite_weekly import _aggregate, _further_keys


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
        got = _aggregate(rows, _further_keys(conn, rows), dims)
        assert len(got) == len(set(got))
        assert set(got) == _reference(rows, more, dims)


def _random_observations(seed: int, n: int) -> list:
    from datetime import datetime, timedelta, timezone

    from index.documents import ObservationDoc

    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return [ObservationDoc(obs_id=f"o{i}", doc_id=f"d{rng.randrange(300)}",
                           observed_at=start + timedelta(hours=i * 24 * 60 // n + rng.randrange(24)),
                           source=rng.choice(["m1", "m2", "M1"]), vendor=rng.choice(["", "v1", "v2", "V3"]),
                           substances=rng.sample(["a", "B", "x", ""], rng.randint(0, 3)),
                           classes=rng.sample(["c1", "y", "Y"], rng.randint(0, 2)),
                           ships_from=rng.choice(["", "nl", "DE"]), price_usd=rng.choice([None, 5.0]))
            for i in range(n)]


def _weekly_tables(conn: sqlite3.Connection) -> list[list[tuple]]:
    return [conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3").fetchall() for t in ("weekly_counts", "weekly_totals")]


def test_the_bulk_tally_equals_the_materialisation(tmp_path) -> None:
    """A bulk load counts its weeks as the batches go (``WeekTally``) and stores them with later batches;
    the tables must be those ``refresh`` computes from the stored observations, row for row — also when
    a week is touched again after it was finished, when the tally holds too many rows, and when the
    index had observations of some weeks before the load."""
    from index._sqlite_weekly import WeekTally, refresh
    from index.sqlite_backend import SqliteIndex

    obs = _random_observations(5, 3000)
    late = _random_observations(6, 40)  # early weeks, re-touched at the end of the load
    late = [dataclasses.replace(o, obs_id=f"late{o.obs_id}") for o in late]
    ref = SqliteIndex(str(tmp_path / "ref.db"))
    ref.write_batch([], obs + late)
    assert refresh(ref._conn) >= 4
    expected = _weekly_tables(ref._conn)
    ref.close()
    for max_rows in (2_000_000, 300):
        for before in (0, 200):
            ix = SqliteIndex(str(tmp_path / f"bulk-{max_rows}-{before}.db"))
            ix.write_batch([], obs[:before])
            with ix.bulk_load():
                if ix._tally is not None:
                    ix._tally = WeekTally(ix._tally._closed, max_rows=max_rows)
                for start in range(before, len(obs), 150):
                    ix.write_batch([], obs[start : start + 150])
                ix._settle()
                dirty = ix._conn.execute("SELECT count(*) FROM weekly_dirty").fetchone()[0]
                if max_rows > len(obs):  # most weeks were finished (and stored) before the end of the load
                    assert dirty <= len(expected[1]) // 2
                ix.write_batch([], late)
            left = ix._conn.execute("SELECT count(*) FROM weekly_dirty").fetchone()[0]
            assert left == 0  # finish_bulk refreshed the weeks the tally gave up
            assert _weekly_tables(ix._conn) == expected, (max_rows, before)
            ix.close()


def test_the_tally_gives_up_weeks_it_cannot_count() -> None:
    """Weeks stored before the load, re-touched after they were finished, or held past the cap stay
    dirty (no counts from the tally), and the others are counted exactly."""
    from index._sqlite_weekly import WeekTally
    from index._sqlite_write import prepare_observations

    obs = _random_observations(7, 2000)
    prepared = [prepare_observations(obs[i : i + 100]) for i in range(0, len(obs), 100)]
    weeks = sorted({row[4] for batch in prepared for row, _more in batch.values()})
    tally = WeekTally({weeks[0]}, quiet_batches=2)
    finished: list[str] = []
    for batch in prepared:
        finished += tally.add(batch)[2]
    finished += tally.finish()[2]
    assert weeks[0] not in finished
    assert finished == sorted(finished) and set(finished) == set(weeks[1:])
    again = WeekTally(set(), quiet_batches=2)
    first = again.add(prepared[0])[2] + again.add(prepared[5])[2] + again.add(prepared[6])[2]
    early = {row[4] for row, _more in prepared[0].values()} - {row[4] for row, _more in prepared[5].values()}
    assert early <= set(first)
    assert not set(again.add(prepared[0])[2] + again.finish()[2]) & early  # touched again: left dirty
