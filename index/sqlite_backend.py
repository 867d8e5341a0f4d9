"""The embedded SQLite index (stdlib ``sqlite3`` + FTS5, WAL): narcoscope's default backend.

The schema and its reasons are in ``_sqlite_schema``; the write path in ``_sqlite_write``; the
bounded-cost search in ``_sqlite_search``; weekly aggregation in ``_sqlite_weekly``. One instance
holds one connection and is not meant to be shared between threads.
"""

from __future__ import annotations

import gc
import logging
import sqlite3
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date

from index import _sqlite_search, _sqlite_weekly, _sqlite_write
from index._sqlite_schema import BUSY_SECONDS, connect
from index.base import (
    IndexWriteError,
    SearchRequest,
    SearchResult,
    WeeklyAggregation,
    check_weekly_by,
)
from index.documents import CrawlVolume, IndexDoc, ObservationDoc

__all__ = ["Limits", "SqliteIndex"]

Limits = _sqlite_search.Limits
BULK_CHECKPOINT_PAGES = 65536  # 256 MiB of WAL between checkpoints during a bulk load
# Bulk-load batches handed to the writer thread and not yet committed, at most: one it applies, one
# waiting. A batch during which FTS5 merges segments takes several times the usual time; with a batch
# waiting, the caller goes on preparing the next one instead of waiting for the merge (1M listings:
# 15,200 -> 15,800-16,400/s in runs of bench/bench_index.py's load; four in flight gained no more).
BULK_IN_FLIGHT = 2
# Bulk-load batches share a transaction until it holds this many documents and observations: every
# commit writes each page it dirtied (random-keyed index pages, FTS5's new segment, the WAL frames and
# their checkpoint), so fewer, larger commits write each page fewer times (1M listings in batches of
# 5,000: 77 -> 72 s of CPU, committing every 4 batches instead of every one; every 10: 74 s). Much
# larger ones cost more again (every 20 batches: 93 s), as the dirty pages outgrow the page cache.
BULK_COMMIT_ROWS = 40_000
# CPython's GIL switch interval during a pipelined bulk load (default 5 ms). The writer thread needs
# the GIL for a moment between its statements (BEGIN, SAVEPOINT, the copy, RELEASE, COMMIT), and at
# the default it waited up to 5 ms each time for the caller's thread to let go of it: 1M listings,
# 4.2 s of the writer's time idle inside its batches, 1.5 s at 0.5 ms.
BULK_SWITCH_INTERVAL_S = 0.0005
log = logging.getLogger(__name__)


class _Skipped(Exception):
    """A bulk batch the writer thread did not write because an earlier one failed."""


class SqliteIndex:
    """:class:`index.base.Index` over one SQLite file (``":memory:"`` works for tests)."""

    def __init__(self, path: str, *, limits: Limits | None = None, busy_timeout_s: float = BUSY_SECONDS) -> None:
        self.path = path
        self.limits = limits or Limits()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="index-prep")
        self._bulk = False
        self._pipelined = path != ":memory:"
        # Bulk load only: the batches the pool's thread is committing, oldest first (BULK_IN_FLIGHT at
        # most), and whether one of them failed (the writer's: the later ones are then skipped).
        self._committing: deque[Future[None]] = deque()
        self._writer_failed = False
        self._uncommitted = 0  # rows the writer thread has applied in the open transaction (BULK_COMMIT_ROWS)
        # Bulk load only: the load's weekly counts (the caller's thread), and whether they can still
        # be trusted (the writer's, see _apply_stage).
        self._tally: _sqlite_weekly.WeekTally | None = None
        self._weekly_trusted = True
        try:
            self._conn = connect(path, busy_timeout_s)
        except sqlite3.Error as exc:
            raise IndexWriteError(f"cannot open SQLite index {path!r}: {exc}") from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn
        conn.execute("BEGIN IMMEDIATE")  # take the write lock now: fail fast, never half-way
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def write_batch(
        self,
        docs: Iterable[IndexDoc],
        observations: Iterable[ObservationDoc] = (),
        volumes: Iterable[CrawlVolume] = (),
    ) -> None:
        """Upsert a batch in one transaction: all of it is written, or none of it."""
        merged = _sqlite_write.merge_docs(docs)
        obs, vols = list(observations), list(volumes)
        if self._bulk and self._pipelined:
            self._write_pipelined(merged, obs, vols)
            return
        # Pipelining on large batches: a worker builds the text rows, then the observation rows, while
        # this thread looks up and inserts the structured rows (sqlite3 releases the GIL while stepping).
        big = len(merged) + len(obs) > 500
        texts = self._pool.submit(_sqlite_write.prepare_texts, list(merged.values())).result if big else None
        pending = self._pool.submit(_sqlite_write.prepare_observations, obs) if big and obs else None
        try:
            with self._transaction() as conn:
                _sqlite_write.write_docs(conn, merged, texts=texts)
                prepared = pending.result() if pending else _sqlite_write.prepare_observations(obs)
                _sqlite_write.write_observations(conn, prepared)
                _sqlite_write.write_volumes(conn, vols)
        except sqlite3.Error as exc:
            raise IndexWriteError(f"SQLite batch of {len(merged)} docs failed: {exc}") from exc

    def _write_pipelined(self, merged: dict[str, IndexDoc], obs: list[ObservationDoc], vols: list[CrawlVolume]
                         ) -> None:
        """A bulk-load batch on two cores: this thread prepares it (the Python work, weekly counts of
        the weeks it finishes included) into a stage database image, then hands it to the pool's
        thread, which copies it in (SQLite work without the GIL, see ``_sqlite_write.stage_batch``)
        while the caller produces the next batch and this thread prepares it. ``BULK_IN_FLIGHT``
        batches are in flight at most; a batch's failure (rolled back: nothing of it is written, nor of
        the batches after it) is raised by the next call or by the end of the load. Readers on this
        instance wait for them first, and commit them (``_settle``).

        The cyclic garbage collector is off while the batch is prepared: it builds only tuples, lists
        and dicts of strings and numbers, which hold no reference cycles, yet the collector traversed
        them every 700 allocations (1M listings: 85 -> 78 s of CPU without it)."""
        enabled = gc.isenabled()
        gc.disable()
        try:
            image = self._stage(merged, obs, vols)
        finally:
            if enabled:
                gc.enable()
        self._settle(keep=BULK_IN_FLIGHT - 1)
        self._committing.append(self._pool.submit(self._apply_stage, image, merged, obs, vols))

    def _stage(self, merged: dict[str, IndexDoc], obs: list[ObservationDoc], vols: list[CrawlVolume]) -> bytes:
        keys = {doc_id: _sqlite_write.doc_key(doc_id) for doc_id in merged}
        prepared = _sqlite_write.prepare_observations(obs, keys)
        if not self._weekly_trusted:
            self._tally = None
        weekly = self._tally.add(prepared) if self._tally is not None else None
        return _sqlite_write.stage_batch(merged, keys, prepared, vols, weekly)

    def _apply_stage(self, image: bytes, merged: dict[str, IndexDoc], obs: list[ObservationDoc],
                     vols: list[CrawlVolume]) -> None:
        """Write a batch in the open transaction, under a savepoint (its failure rolls back only it),
        and commit once the transaction holds ``BULK_COMMIT_ROWS``."""
        if self._writer_failed:
            raise _Skipped  # batches are written in order or not at all: nothing after a failed one
        conn = self._conn
        try:
            if not conn.in_transaction:
                conn.execute("BEGIN IMMEDIATE")
            with self._savepoint():
                try:
                    _sqlite_write.apply_stage(conn, image, weekly=self._weekly_trusted)
                except sqlite3.IntegrityError:
                    # A re-sent document or observation, or a taken rowid: the row-by-row path handles
                    # them. It may move a stored observation to another week: the tally's counts of
                    # unfinished weeks are no longer trusted.
                    conn.execute("ROLLBACK TO batch")
                    self._weekly_trusted = False
                    _sqlite_write.write_docs(conn, merged)
                    _sqlite_write.write_observations(conn, _sqlite_write.prepare_observations(obs))
                    _sqlite_write.write_volumes(conn, vols)
            self._uncommitted += len(merged) + len(obs)
            if self._uncommitted >= BULK_COMMIT_ROWS:
                self._commit()
        except BaseException:
            self._weekly_trusted = False  # the tally counted this batch, which is not written
            self._writer_failed = True
            try:
                self._commit()  # the batches before this one in the transaction are good
            except sqlite3.Error as exc:  # this batch's failure is the one to raise; say what else was lost
                log.error("the bulk batches before the failed one were not committed either: %s", exc)
            raise

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        """A batch inside the bulk load's open transaction: all of it, or (on an exception) none of it."""
        self._conn.execute("SAVEPOINT batch")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK TO batch")
            raise
        finally:
            self._conn.execute("RELEASE batch")

    def _commit(self) -> None:
        """Commit the bulk load's open transaction, if any (a failed commit loses all of it)."""
        self._uncommitted = 0
        if self._conn.in_transaction:
            try:
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    def _settle(self, keep: int = 0) -> None:
        """Wait until at most ``keep`` bulk batches are in flight, raising the failure of a batch waited
        for or already finished; the batches after a failed one are not written. ``keep=0`` also
        commits what the writer thread left in its open transaction: the connection is then idle."""
        committing = self._committing
        while committing and (len(committing) > keep or committing[0].done()):
            try:
                committing.popleft().result()
            except BaseException as exc:
                for later in committing:  # skipped by the writer thread
                    later.exception()
                committing.clear()
                self._writer_failed = False
                if isinstance(exc, sqlite3.Error):
                    raise IndexWriteError(f"SQLite bulk batch failed on the writer thread: {exc}") from exc
                raise
        if keep == 0 and self._conn.in_transaction:  # the writer's (a batch of volumes alone counts no rows)
            try:
                self._commit()
            except sqlite3.Error as exc:
                raise IndexWriteError(f"committing the last bulk batches failed (they are not written): {exc}"
                                      ) from exc

    @contextmanager
    def bulk_load(self) -> Iterator[SqliteIndex]:
        """Load many batches fast (``narcoscope index reindex``, benchmarks). Inside the block, each
        batch is still written whole or not at all, keeping documents, full text, facet counts and
        observations exactly in step, but by a writer thread after ``write_batch`` returns (see
        ``_write_pipelined``), and committed with the batches around it, ``BULK_COMMIT_ROWS`` rows at a
        time: this instance's own reads wait for them and commit them, other connections see them
        once committed. A batch's failure is raised by the next ``write_batch`` (or read), or when
        the block ends. Weekly counts are counted as the batches go (``_sqlite_weekly.WeekTally``) and
        stored with a later batch once the load has left their week, the rest when the block ends
        (also when it ends with an exception). WAL checkpoints are spaced out. For ``":memory:"`` (no
        writer thread: the stage image needs a second database) the secondary indexes on price,
        last_seen and observations' week and doc_key are instead dropped and built once, sorted, at
        the end, and weekly counts are materialised then. A load killed half-way leaves a flag: the
        next ``bulk_load`` or :meth:`finish_bulk` (and any re-open, which re-creates missing indexes)
        completes it; the batches not committed then are simply not written (the load's source, the
        store, still has them: ``narcoscope index reindex`` is the only caller).
        """
        if self._bulk:
            yield self
            return
        try:
            with self._transaction() as conn:
                _sqlite_write.begin_bulk(conn, defer_indexes=not self._pipelined)
                stored_weeks = _sqlite_weekly.stored_weeks(conn)
            if self._pipelined:
                _sqlite_write.attach_stage(self._conn)
            # Fewer, larger checkpoints, and no fsync per batch: a bulk load dirties pages quickly, and
            # the index is derived data (an OS crash or power loss during a load — not a killed process,
            # which the bulk flag covers — can leave the file to rebuild with ``narcoscope index reindex``).
            self._conn.execute(f"PRAGMA wal_autocheckpoint={BULK_CHECKPOINT_PAGES}")
            self._conn.execute("PRAGMA synchronous=OFF")
        except sqlite3.Error as exc:
            raise IndexWriteError(f"cannot start a bulk load on {self.path!r}: {exc}") from exc
        self._bulk = True
        switch_interval = sys.getswitchinterval()
        if self._pipelined:
            self._tally, self._weekly_trusted = _sqlite_weekly.WeekTally(stored_weeks), True
            sys.setswitchinterval(min(switch_interval, BULK_SWITCH_INTERVAL_S))
        try:
            yield self
        finally:
            self._bulk = False
            try:
                self._settle()
                self._store_open_weeks()
            finally:
                self._tally = None
                sys.setswitchinterval(switch_interval)
                if self._pipelined:
                    _sqlite_write.detach_stage(self._conn)
                self.finish_bulk()

    def _store_open_weeks(self) -> None:
        """The tally's counts of the weeks still open at the end of a load, stored as a batch would."""
        if self._tally is None or not self._weekly_trusted:
            return
        image = _sqlite_write.stage_batch({}, {}, {}, [], self._tally.finish())
        try:
            with self._transaction() as conn:
                _sqlite_write.apply_stage(conn, image)
        except sqlite3.Error as exc:
            raise IndexWriteError(f"storing the weekly counts of the bulk load failed: {exc}") from exc

    def finish_bulk(self) -> None:
        """Rebuild what a bulk load deferred (idempotent; a no-op when no load is pending)."""
        self._settle()
        try:
            self._conn.execute("PRAGMA wal_autocheckpoint=1000")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            if not _sqlite_write.bulk_running(self._conn):
                return
            with self._transaction() as conn:
                _sqlite_write.finish_bulk(conn)
            _sqlite_weekly.refresh(self._conn)
        except sqlite3.Error as exc:
            raise IndexWriteError(f"finishing the bulk load of {self.path!r} failed: {exc}") from exc

    def search(self, req: SearchRequest) -> SearchResult:
        self._settle()
        return _sqlite_search.run_search(self._conn, req, self.limits)

    def get(self, doc_id: str) -> IndexDoc | None:
        self._settle()
        row = self._conn.execute(
            "SELECT t.title, t.body, t.extra, d.first_seen, d.last_seen FROM docs d JOIN doc_text t ON t.rid = d.rid "
            "WHERE d.doc_id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            return None
        return _sqlite_write.decode_doc(row[2], row[0], row[1], row[3], row[4])

    def weekly(
        self, by: str, *, query: str = "", start: date | None = None, end: date | None = None
    ) -> WeeklyAggregation:
        check_weekly_by(by)
        self._settle()
        return _sqlite_weekly.weekly(self._conn, by, query, start, end)

    def refresh_weekly(self) -> int:
        """Materialise weekly counts now (e.g. after a bulk load) instead of on the next read."""
        self._settle()
        return _sqlite_weekly.refresh(self._conn)

    def delete_source(self, source: str) -> int:
        self._settle()
        self._weekly_trusted = False  # in a bulk load, the tally would still count what this deletes
        try:
            with self._transaction() as conn:
                removed = _sqlite_write.delete_source(conn, source)
        except sqlite3.Error as exc:
            raise IndexWriteError(f"deleting source {source!r} failed: {exc}") from exc
        log.info("deleted %d documents of source %s", removed, source)
        return removed

    def count(self) -> int:
        self._settle()
        return _sqlite_search.count_docs(self._conn)

    def optimize(self) -> None:
        """Merge FTS5 segments and refresh planner statistics (after a bulk load)."""
        self._settle()
        self._conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        self._conn.execute("ANALYZE")

    def close(self) -> None:
        try:
            self._settle()
        finally:
            self._pool.shutdown(wait=True)
        self._conn.close()
