"""Nothing lost: a failed batch goes to a spool directory and is replayed later, in order.

``SpoolingIndex`` wraps any backend. When ``write_batch`` raises :class:`IndexWriteError`
(connection refused, store down, documents rejected), the batch is written as one JSON-lines file
(to a temporary name, fsynced, then atomically renamed, so a crash never leaves half a batch that
looks complete), and counted. ``replay()`` re-sends the files oldest first and deletes each only
after the backend accepted it. While files are pending, new batches are spooled behind them (after
a replay attempt), so an older version of a document never overwrites a newer one. Ids are
deterministic, so a batch replayed twice (crash between write and delete) is harmless.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from index.base import Index, IndexWriteError, SearchRequest, SearchResult, WeeklyAggregation
from index.documents import CrawlVolume, IndexDoc, ObservationDoc, from_json, to_json

log = logging.getLogger(__name__)
_FORMAT = 1
_SUFFIX = ".jsonl"


@dataclass(slots=True)
class ReplayResult:
    """What one ``replay()`` did; ``remaining`` files are still waiting (the backend failed again)."""

    batches: int = 0
    docs: int = 0
    remaining: int = 0


class SpoolingIndex:
    """An :class:`index.base.Index` whose writes are never lost, whatever the backend's state."""

    def __init__(self, inner: Index, spool_dir: str | os.PathLike[str], *, auto_replay: bool = True) -> None:
        self.inner = inner
        self.spool_dir = Path(spool_dir)
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        self.auto_replay = auto_replay
        self.spooled_batches = 0
        self.spooled_docs = 0
        self.replayed_batches = 0
        self.replayed_docs = 0
        self._seq = itertools.count()

    def pending(self) -> list[Path]:
        """Spool files waiting for replay, oldest first (names sort by creation time)."""
        return sorted(self.spool_dir.glob(f"*{_SUFFIX}"))

    def write_batch(
        self,
        docs: Iterable[IndexDoc],
        observations: Iterable[ObservationDoc] = (),
        volumes: Iterable[CrawlVolume] = (),
    ) -> None:
        """Write through to the backend; on :class:`IndexWriteError`, spool the batch instead."""
        batch = (list(docs), list(observations), list(volumes))
        if self.pending() and (not self.auto_replay or self.replay().remaining):
            self._spool(*batch, reason="earlier batches are still spooled")
            return
        try:
            self.inner.write_batch(*batch)
        except IndexWriteError as exc:
            self._spool(*batch, reason=str(exc))

    def _spool(self, docs: list[IndexDoc], observations: list[ObservationDoc], volumes: list[CrawlVolume],
               reason: str) -> Path:
        name = f"{time.time_ns():020d}-{os.getpid()}-{next(self._seq):06d}"
        final = self.spool_dir / f"{name}{_SUFFIX}"
        tmp = self.spool_dir / f".{name}.tmp"
        header = {"format": _FORMAT, "docs": len(docs), "observations": len(observations),
                  "volumes": len(volumes), "reason": reason[:500]}
        with tmp.open("w", encoding="utf-8") as out:
            out.write(json.dumps(header) + "\n")
            for kind, items in (("doc", docs), ("obs", observations), ("vol", volumes)):
                for item in items:
                    out.write(json.dumps({"t": kind, "v": to_json(item)}, ensure_ascii=False) + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, final)
        self.spooled_batches += 1
        self.spooled_docs += len(docs)
        log.warning("index write failed, spooled %d docs to %s: %s", len(docs), final.name, reason[:200])
        return final

    def replay(self) -> ReplayResult:
        """Re-send spooled batches oldest first; stop at the first failure, keeping that file."""
        result = ReplayResult()
        files = self.pending()
        for i, path in enumerate(files):
            docs, observations, volumes = read_spool_file(path)
            try:
                self.inner.write_batch(docs, observations, volumes)
            except IndexWriteError as exc:
                log.warning("replay of %s failed, %d files remain: %s", path.name, len(files) - i, exc)
                result.remaining = len(files) - i
                return result
            path.unlink()
            result.batches += 1
            result.docs += len(docs)
        self.replayed_batches += result.batches
        self.replayed_docs += result.docs
        return result

    def stats(self) -> dict[str, int]:
        """Slash-namespaced counters, as the crawler's stats use them."""
        return {"index/spooled_batches": self.spooled_batches, "index/spooled_docs": self.spooled_docs,
                "index/replayed_batches": self.replayed_batches, "index/replayed_docs": self.replayed_docs,
                "index/spool_pending": len(self.pending())}

    def search(self, req: SearchRequest) -> SearchResult:
        return self.inner.search(req)

    def get(self, doc_id: str) -> IndexDoc | None:
        return self.inner.get(doc_id)

    def weekly(self, by: str, *, query: str = "", start: date | None = None, end: date | None = None
               ) -> WeeklyAggregation:
        return self.inner.weekly(by, query=query, start=start, end=end)

    def delete_source(self, source: str) -> int:
        return self.inner.delete_source(source)

    def count(self) -> int:
        return self.inner.count()

    def close(self) -> None:
        self.inner.close()


def read_spool_file(path: Path) -> tuple[list[IndexDoc], list[ObservationDoc], list[CrawlVolume]]:
    """Load one spool file; raises ValueError when it is not a complete spool file."""
    docs: list[IndexDoc] = []
    observations: list[ObservationDoc] = []
    volumes: list[CrawlVolume] = []
    with path.open(encoding="utf-8") as src:
        header: dict[str, Any] = json.loads(src.readline())
        if header.get("format") != _FORMAT:
            raise ValueError(f"{path}: unknown spool format {header.get('format')!r}")
        for line in src:
            row = json.loads(line)
            if row["t"] == "doc":
                docs.append(from_json(IndexDoc, row["v"]))
            elif row["t"] == "obs":
                observations.append(from_json(ObservationDoc, row["v"]))
            else:
                volumes.append(from_json(CrawlVolume, row["v"]))
    if (len(docs), len(observations), len(volumes)) != (header["docs"], header["observations"], header["volumes"]):
        raise ValueError(f"{path}: truncated spool file")
    return docs, observations, volumes
