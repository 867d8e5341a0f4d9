"""Several processes opening one fresh database at once (two crawl workers starting together) must
all get a working store: CI once lost a worker to ``database is locked`` during schema creation."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

OPENERS = 6
ROUNDS = 8


def _open_store(path: str, barrier: Any, kind: str, out: Any) -> None:
    out.put(_attempt(path, barrier, kind))


def _attempt(path: str, barrier: Any, kind: str) -> str:
    barrier.wait()
    try:
        if kind == "records":
            from store.records_db import RecordStore
            RecordStore(Path(path)).close()
        elif kind == "entities":
            from entities.db import connect
            connect(Path(path)).close()
        elif kind == "jobs":
            from scheduler.jobstore import JobStore
            JobStore(Path(path)).db.close()
        else:
            from index._sqlite_schema import connect as index_connect
            index_connect(path).close()
    except sqlite3.OperationalError as err:
        return f"{kind}: {err}"
    return ""


@pytest.mark.parametrize("kind", ["records", "entities", "jobs", "index"])
def test_simultaneous_first_opens_all_succeed(tmp_path: Path, kind: str) -> None:
    ctx = mp.get_context("fork")
    failures: list[str] = []
    for n in range(ROUNDS):
        path = str(tmp_path / f"{kind}{n}.db")
        barrier, out = ctx.Barrier(OPENERS), ctx.Queue()
        procs = [ctx.Process(target=_open_store, args=(path, barrier, kind, out)) for _ in range(OPENERS)]
        for proc in procs:
            proc.start()
        results = [out.get(timeout=60) for _ in procs]
        for proc in procs:
            proc.join(timeout=10)
        failures += [r for r in results if r]
    assert not failures, failures[:3]


@pytest.mark.parametrize("kind", ["records", "index"])
def test_open_waits_out_a_long_write_transaction(tmp_path: Path, kind: str) -> None:
    """A worker that created the schema first and now holds the write lock for one batch (seconds on
    a loaded machine) is waited for, not reported as ``database is locked``."""
    path = str(tmp_path / "busy.db")
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE first_worker_batch(x)")
    release = threading.Timer(6.0, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        assert _attempt(path, _NoBarrier(), kind) == ""
    finally:
        release.join()
        holder.close()


class _NoBarrier:
    def wait(self) -> None:
        return None
