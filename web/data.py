"""Per-thread handles on the index, the record store and the page store.

An index instance (like SQLite's connection) is not shared between threads, and FastAPI runs
sync endpoints in a thread pool, so each worker thread opens its own. The record store is read
through a read-only connection: the workbench never writes crawl data.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from index.base import Index, open_index
from narcoscope.paths import Paths
from store.pages import PageStore
from store.records_db import RecordStore


class DataAccess:
    """Opens what a thread needs on first use and closes everything at shutdown."""

    def __init__(self, paths: Paths) -> None:
        self.paths = paths
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[Any] = []
        if not paths.db.exists():  # a fresh home: create the (empty) record store once
            RecordStore(paths.db).close()
        self.pages = PageStore(paths.pages)

    def _remember(self, handle: Any) -> None:
        with self._lock:
            self._opened.append(handle)

    def index(self) -> Index:
        idx = getattr(self._local, "index", None)
        if idx is None:
            idx = open_index(self.paths.index_url)
            self._local.index = idx
            self._remember(idx)
        return idx

    def records(self) -> sqlite3.Connection:
        conn = getattr(self._local, "records", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.paths.db}?mode=ro", uri=True, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            self._local.records = conn
            self._remember(conn)
        return conn

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        """A read on the record store."""
        return list(self.records().execute(sql, params))

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for handle in opened:
            handle.close()
