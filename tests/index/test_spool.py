"""Spool + replay with real failures: ES on a closed local port, and a SQLite file locked by
another writer. Nothing is mocked."""

from __future__ import annotations

import dataclasses
import json
import socket
import sqlite3
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from fixture_corpus import BY_ID, DOCS, observations, volumes

from index.base import IndexWriteError, SearchRequest
from index.es_backend import ElasticsearchIndex, Es8CompatibleTransport
from index.spool import SpoolingIndex, read_spool_file
from index.sqlite_backend import SqliteIndex


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dead_es() -> ElasticsearchIndex:
    client = Elasticsearch(f"http://127.0.0.1:{closed_port()}", max_retries=1, request_timeout=2,
                           transport_class=Es8CompatibleTransport)
    return ElasticsearchIndex(client, prefix="nstest-dead", max_retries=1, initial_backoff=0.01)


def test_es_down_spools_then_replays_into_working_backend(tmp_path: Path) -> None:
    spool = SpoolingIndex(dead_es(), tmp_path / "spool")
    with pytest.raises(IndexWriteError):
        spool.inner.write_batch(DOCS[:1])  # the failure is real: connection refused
    spool.write_batch(DOCS[:30], observations()[:10], volumes())
    spool.write_batch(DOCS[30:])
    assert (spool.spooled_batches, spool.spooled_docs) == (2, 50)
    files = spool.pending()
    assert len(files) == 2 and not list((tmp_path / "spool").glob(".*.tmp"))
    docs, obs, vols = read_spool_file(files[0])
    assert docs == DOCS[:30] and obs == observations()[:10] and vols == volumes()

    spool.inner = SqliteIndex(str(tmp_path / "index.db"))
    result = spool.replay()
    assert (result.batches, result.docs, result.remaining) == (2, 50, 0)
    assert spool.pending() == [] and spool.count() == 50
    assert spool.get("L22") == BY_ID["L22"]
    assert spool.stats()["index/replayed_docs"] == 50
    assert sum(r.observations for r in spool.weekly("source").rows) == 10


def test_locked_sqlite_spools_and_keeps_order(tmp_path: Path) -> None:
    db = tmp_path / "index.db"
    inner = SqliteIndex(str(db), busy_timeout_s=0.05)
    spool = SpoolingIndex(inner, tmp_path / "spool")
    spool.write_batch(DOCS[:10])
    blocker = sqlite3.connect(db, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another writer holds the lock: writes fail for real
    first = BY_ID["L01"]
    changed = dataclasses.replace(first, title="v2 title")
    spool.write_batch([changed])
    later = dataclasses.replace(first, title="v3 title")
    spool.write_batch([later])  # must queue behind v2, not overtake it
    assert spool.spooled_batches == 2 and len(spool.pending()) == 2
    blocker.execute("ROLLBACK")
    blocker.close()
    spool.write_batch(DOCS[10:20])  # healthy again: replays the spool first, then writes
    assert spool.pending() == [] and spool.count() == 20
    got = spool.get("L01")
    assert got is not None and got.title == "v3 title"
    assert {h.doc.doc_id for h in spool.search(SearchRequest(query="v3")).hits} == {"L01"}


def test_truncated_spool_file_is_detected(tmp_path: Path) -> None:
    spool = SpoolingIndex(dead_es(), tmp_path)
    spool.write_batch(DOCS[:3])
    (path,) = spool.pending()
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="truncated"):
        read_spool_file(path)
    assert json.loads(lines[0])["docs"] == 3

