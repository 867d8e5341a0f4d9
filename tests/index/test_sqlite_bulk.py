"""SQLite bulk-load mode: deferring indexes and weekly counts must not change any answer.

The same corpus goes into one index batch by batch and into another inside ``bulk_load`` (secondary
indexes dropped and rebuilt, weekly counts materialised at the end); every search, facet, weekly
aggregation and count must then agree — including re-sent documents and observations inside the
bulk load, and incremental writes after it — and the facet counts maintained per batch must equal
a recount from the rows.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

from fixture_corpus import BY_ID, DOCS, observations, volumes

from index._sqlite_write import recount_facets
from index.base import FACET_FIELDS, WEEKLY_BY, SearchRequest
from index.sqlite_backend import SqliteIndex

QUERIES = ["", "cocaine", "kind:listing", "substance:heroin OR class:opioid", "price_usd:<100", "kind:post"]


def _answers(ix: SqliteIndex) -> dict[str, object]:
    out: dict[str, object] = {"count": ix.count()}
    for q in QUERIES:
        res = ix.search(SearchRequest(query=q, size=100, sort="newest", facets=list(FACET_FIELDS)))
        assert not res.facets_sampled
        out[q] = (res.total, [h.doc for h in res.hits], res.facets)
    for by in WEEKLY_BY:
        agg = ix.weekly(by)
        out[f"weekly {by}"] = (agg.rows, agg.totals)
        agg = ix.weekly(by, query="cocaine OR class:opioid")
        out[f"weekly {by} filtered"] = (agg.rows, agg.totals)
    return out


def _edits() -> tuple[list, list]:
    """A second wave: a changed document, a moved first_seen, and re-sent/changed observations."""
    l03 = BY_ID["L03"]
    docs = [dataclasses.replace(l03, title="Colombian coke RESTOCK", first_seen=l03.first_seen - timedelta(days=2),
                                substances=["cocaine", "levamisole"], vendor="NewVendor", price_usd=900.0),
            dataclasses.replace(BY_ID["L08"], ships_to=["US"], ships_from="")]
    obs = observations()
    changed = [dataclasses.replace(o, vendor="NewVendor", substances=["cocaine", "levamisole"])
               for o in obs if o.doc_id == "L03"]
    return docs, obs[:7] + changed


def test_bulk_load_gives_the_same_answers_as_incremental_writes(tmp_path: Path) -> None:
    obs, vols = observations(), volumes()
    more_docs, more_obs = _edits()
    inc = SqliteIndex(str(tmp_path / "inc.db"))
    for start in range(0, len(DOCS), 7):
        inc.write_batch(DOCS[start : start + 7], obs[start * 2 : start * 2 + 14])
    inc.write_batch([], obs, vols)
    inc.write_batch(more_docs, more_obs)

    bulk = SqliteIndex(str(tmp_path / "bulk.db"))
    with bulk.bulk_load():
        for start in range(0, len(DOCS), 7):
            bulk.write_batch(DOCS[start : start + 7], obs[start * 2 : start * 2 + 14])
        bulk.write_batch([], obs, vols)
        bulk.write_batch(more_docs, more_obs)
        # While the load runs, readers see every committed document and up-to-date counts.
        assert bulk.count() == 50
        res = bulk.search(SearchRequest(facets=["source"], size=0))
        assert sum(n for _v, n in res.facets["source"]) == 50
    expected = _answers(inc)
    assert expected["count"] == 50
    assert _answers(bulk) == expected
    # Incremental writes after the bulk load keep the maintained counts right.
    for ix in (inc, bulk):
        ix.write_batch([dataclasses.replace(BY_ID["L01"], vendor="Other")])
        assert ix.delete_source("charlie") == 10
    assert _answers(bulk) == _answers(inc)
    for ix in (inc, bulk):
        maintained = _facet_counts(ix)
        with ix._transaction() as conn:
            recount_facets(conn)
        assert maintained == _facet_counts(ix)
    inc.close()
    bulk.close()


def _facet_counts(ix: SqliteIndex) -> list[tuple]:
    return ix._conn.execute("SELECT kind, field, value, n FROM facet_counts WHERE n != 0 "
                            "ORDER BY kind, field, value").fetchall()


def _killed_mid_load(path: str, body: str) -> list[int]:
    """Run ``body`` inside ``bulk_load`` in a child process that then dies at once (``os._exit``: no
    ``finally``, no exit handler), as a killed worker does; returns what ``body`` appended to ``seen``."""
    import json
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(f"""
        import contextlib, json, os, sqlite3, sys
        sys.path[:0] = {[str(Path(__file__).parent), str(Path(__file__).parents[2])]!r}
        from fixture_corpus import DOCS, observations, volumes
        from index import sqlite_backend
        from index.sqlite_backend import SqliteIndex

        def committed():
            with contextlib.closing(sqlite3.connect({path!r})) as other:
                return other.execute("SELECT count(*) FROM docs").fetchone()[0]

        def applied(ix):
            for future in list(ix._committing):
                future.result()

        seen = []
        ix = SqliteIndex({path!r})
        with ix.bulk_load():
        """) + textwrap.indent(textwrap.dedent(body), "    ")
    code += "\n    print(json.dumps(seen), flush=True)\n    os._exit(0)\n"
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


def test_an_interrupted_bulk_load_is_completed_later(tmp_path: Path) -> None:
    path = str(tmp_path / "i.db")
    _killed_mid_load(path, """
        ix.write_batch(DOCS, observations(), volumes())
        ix._settle()  # the batch is committed (by the bulk writer thread) before the kill
        """)
    again = SqliteIndex(path)
    assert again.count() == 50
    again.finish_bulk()
    ref = SqliteIndex(str(tmp_path / "ref.db"))
    ref.write_batch(DOCS, observations(), volumes())
    assert _answers(again) == _answers(ref)
    again.close()
    ref.close()


def test_bulk_batches_are_committed_together_and_before_any_read(tmp_path: Path) -> None:
    """Consecutive bulk batches share a transaction until it holds ``BULK_COMMIT_ROWS`` rows: other
    connections see them then, this instance's reads at once; a killed load loses only the batches
    not committed, and the next open finishes it."""
    path = str(tmp_path / "g.db")
    seen = _killed_mid_load(path, """
        sqlite_backend.BULK_COMMIT_ROWS = 25
        for start in range(0, 40, 10):
            ix.write_batch(DOCS[start : start + 10])
            applied(ix)
            seen.append(committed())  # 20 rows: one open transaction; 30 >= 25: committed
        seen.append(ix.count())  # a read of this instance commits first
        seen.append(committed())
        ix.write_batch(DOCS[40:50])
        applied(ix)  # applied, never committed: then the kill
        """)
    assert seen == [0, 0, 30, 30, 40, 40]
    again = SqliteIndex(path)
    again.finish_bulk()
    assert again.count() == 40
    ref = SqliteIndex(str(tmp_path / "ref.db"))
    ref.write_batch(DOCS[:40])
    assert _answers(again) == _answers(ref)
    again.close()
    ref.close()


def test_a_failure_on_the_bulk_writer_thread_reaches_the_caller(tmp_path: Path, monkeypatch) -> None:
    """A bulk batch is committed by a writer thread after ``write_batch`` returns: its failure (the batch
    rolled back, nothing of it written) is raised by the next call, and batches after it are not written."""
    import sqlite3

    import pytest

    from index import _sqlite_write
    from index.base import IndexWriteError

    ix = SqliteIndex(str(tmp_path / "f.db"))
    real = _sqlite_write.apply_stage
    failures = [0]  # how many of the next batches fail (the writer thread looks the function up late)

    def failing(conn: sqlite3.Connection, image: bytes, **kw: bool) -> None:
        real(conn, image, **kw)
        if failures[0]:
            failures[0] -= 1  # written, then the failure: the transaction must roll it all back
            raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(_sqlite_write, "apply_stage", failing)
    with pytest.raises(IndexWriteError, match="disk I/O error"), ix.bulk_load():
        ix.write_batch(DOCS[:10], observations()[:20])
        ix._settle()
        failures[0] = 1
        ix.write_batch(DOCS[10:20])
        ix.write_batch(DOCS[20:30])  # raises the previous batch's failure; this one is not written
    assert ix.count() == 10
    assert not _sqlite_write.bulk_running(ix._conn)  # the load was finished all the same
    # The end of the load raises the failure of the last batch too.
    with pytest.raises(IndexWriteError), ix.bulk_load():
        failures[0] = 1
        ix.write_batch(DOCS[10:20])
    assert ix.count() == 10
    ix.write_batch(DOCS)
    assert ix.count() == 50
    ix.close()


def test_the_batches_queued_behind_a_failed_one_are_not_written(tmp_path: Path, monkeypatch) -> None:
    """Two bulk batches may be in flight (``BULK_IN_FLIGHT``): when the first fails, the one queued
    behind it is skipped by the writer thread, so the index never holds a batch without the ones before."""
    import sqlite3
    import threading

    import pytest

    from index import _sqlite_write
    from index.base import IndexWriteError
    from index.sqlite_backend import BULK_IN_FLIGHT

    assert BULK_IN_FLIGHT == 2
    ix = SqliteIndex(str(tmp_path / "q.db"))
    real = _sqlite_write.apply_stage
    release = threading.Event()
    applied: list[int] = []

    def failing_first(conn: sqlite3.Connection, image: bytes, **kw: bool) -> None:
        applied.append(len(applied))
        real(conn, image, **kw)
        if len(applied) == 1:
            assert release.wait(30)  # held until the second batch is queued behind it
            raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(_sqlite_write, "apply_stage", failing_first)
    with pytest.raises(IndexWriteError, match="disk I/O error"), ix.bulk_load():
        ix.write_batch(DOCS[:10], observations()[:20])
        ix.write_batch(DOCS[10:20])
        assert len(ix._committing) == 2  # both handed over, the first still applying
        release.set()
        ix.write_batch(DOCS[20:30])  # waits for the first: raises its failure, is not handed over
    assert applied == [0]  # the queued batch never reached the index
    assert ix.count() == 0
    monkeypatch.setattr(_sqlite_write, "apply_stage", real)
    with ix.bulk_load():  # the next load writes again
        ix.write_batch(DOCS)
    assert ix.count() == 50
    ix.close()


def test_a_failed_bulk_batch_keeps_the_batches_before_it_in_its_transaction(tmp_path: Path, monkeypatch) -> None:
    import sqlite3

    import pytest

    from index import _sqlite_write
    from index.base import IndexWriteError

    real = _sqlite_write.apply_stage
    calls: list[int] = []

    def third_fails(conn: sqlite3.Connection, image: bytes, **kw: bool) -> None:
        calls.append(1)
        real(conn, image, **kw)
        if len(calls) == 3:
            raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(_sqlite_write, "apply_stage", third_fails)
    path = str(tmp_path / "k.db")
    ix = SqliteIndex(path)
    with pytest.raises(IndexWriteError, match="disk I/O error"), ix.bulk_load():
        for start in range(0, 50, 10):
            ix.write_batch(DOCS[start : start + 10], [o for o in observations() if o.doc_id in
                                                      {d.doc_id for d in DOCS[start : start + 10]}])
    assert len(calls) == 3  # the batches after the failed one never reached the index
    assert ix.count() == 20
    other = SqliteIndex(path)
    assert other.count() == 20  # committed, not only visible to this connection
    other.close()
    assert not _sqlite_write.bulk_running(ix._conn)
    ix.close()


def test_a_bulk_load_ending_with_a_batch_of_volumes_alone_commits_it(tmp_path: Path, monkeypatch) -> None:
    """A batch of crawl volumes adds no document or observation to the open transaction's row count:
    the end of the load must commit it all the same."""
    from index import sqlite_backend

    monkeypatch.setattr(sqlite_backend, "BULK_COMMIT_ROWS", 10)  # the first batch is committed alone
    ix = SqliteIndex(str(tmp_path / "v.db"))
    with ix.bulk_load():
        ix.write_batch(DOCS[:10])
        ix.write_batch([], [], volumes())
    ref = SqliteIndex(str(tmp_path / "ref.db"))
    ref.write_batch(DOCS[:10], [], volumes())
    assert _answers(ix) == _answers(ref)
    ix.close()
    ref.close()


def test_a_bulk_load_puts_back_the_interpreters_switch_interval(tmp_path: Path, monkeypatch) -> None:
    """The load shortens the GIL switch interval for its writer thread, and puts it back, failed or not."""
    import sys

    import pytest

    from index import _sqlite_write
    from index.sqlite_backend import BULK_SWITCH_INTERVAL_S

    before = sys.getswitchinterval()
    assert before > BULK_SWITCH_INTERVAL_S
    ix = SqliteIndex(str(tmp_path / "s.db"))
    with ix.bulk_load():
        assert sys.getswitchinterval() == BULK_SWITCH_INTERVAL_S
        ix.write_batch(DOCS)
    assert sys.getswitchinterval() == before

    def failing(conn: object, image: bytes, **kw: bool) -> None:
        raise OSError("disk I/O error")

    monkeypatch.setattr(_sqlite_write, "apply_stage", failing)
    with pytest.raises(OSError, match="disk I/O error"), ix.bulk_load():
        ix.write_batch(DOCS)
    assert sys.getswitchinterval() == before
    assert ix.count() == 50
    ix.close()
