"""Running an importer: the dump kept as evidence, its rows through the Ingestor, problems counted.

The dump file itself is stored in the content-addressed page store (its SHA-256 is every imported
listing's ``page_digest``) and registered as a page of a pseudo-crawl ``import-<digest>``, so
``narcoscope evidence DIGEST`` finds and verifies it like a crawled page. Rows the importer cannot
read go to ``$NARCOSCOPE_HOME/imports/<source>-<digest>.rejects.jsonl`` with line and reason.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from importers.base import Importer, Rejected, Row
from narcoscope.paths import Paths
from narcoscope.records import Listing, RawPage

log = logging.getLogger(__name__)
Progress = Callable[[int, int], None]  # (rows read, rows estimate)
BATCH = 256  # rows extracted together


@dataclass(slots=True)
class ImportReport:
    """What an import did; every row read is accounted for in exactly one of imported/rejected."""

    file: str
    digest: str
    source: str
    rows: int = 0
    imported: int = 0
    rejected: int = 0
    listings: int = 0
    vendors: int = 0
    new_observations: int = 0
    known_observations: int = 0  # re-imported rows (same listing, same time): nothing new written
    fixes: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    weeks: int = 0
    seconds: float = 0.0
    startup_seconds: float = 0.0  # loading the extractor and opening the store and index
    rows_seconds: float = 0.0  # the row loop alone: what rows_per_second is measured over
    rejects_file: str = ""
    entities: dict[str, Any] = field(default_factory=dict)

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.rows_seconds if self.rows_seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]
        out["fixes"], out["reasons"] = dict(self.fixes), dict(self.reasons)
        out["rows_per_second"] = round(self.rows_per_second, 1)
        return out


def _register_dump(ingestor: Any, paths: Paths, data: bytes, importer: Importer, path: Path) -> str:
    from store import PageStore

    digest = PageStore(paths.pages).put(data)
    now = datetime.now(timezone.utc)
    ingestor.store.add_page(RawPage(
        url=f"import:{importer.name}/{path.name}", source=importer_source(importer), fetched_at=now,
        observed_at=now, status=200,
        headers={"content-type": "text/csv", "x-narcoscope-importer": importer.name,
                 "x-narcoscope-file": str(path)},
        digest=digest, kind="other", crawl_id=f"import-{digest[:16]}"))
    return digest


def importer_source(importer: Importer) -> str:
    return str(getattr(importer, "source", importer.default_source))


def _week_start(ts: datetime) -> datetime:
    return (ts - timedelta(days=ts.weekday())).replace(hour=12, minute=0, second=0, microsecond=0)


def run_import(importer: Importer, path: Path, paths: Paths, *, progress: Progress | None = None,
               update_entities: bool = True) -> ImportReport:
    """Import ``path`` with ``importer`` into the record store, extraction and index."""
    from narcoscope.ingest import Ingestor

    started = time.perf_counter()
    data = Path(path).read_bytes()
    info = importer.inspect(data)
    ingestor = Ingestor(paths)
    loaded = time.perf_counter()
    weeks: set[datetime] = set()
    try:
        digest = _register_dump(ingestor, paths, data, importer, path)
        report = ImportReport(str(path), digest, importer_source(importer))
        rejects_path = paths.home / "imports" / f"{report.source}-{digest[:16]}.rejects.jsonl"
        rejects_path.parent.mkdir(parents=True, exist_ok=True)
        prefetch = Prefetched(ingestor.extractor)
        ingestor.extractor = prefetch  # type: ignore[assignment]  # duck-typed: same two methods used
        batch: list[Row] = []
        with rejects_path.open("w", encoding="utf-8") as rejects:
            for item in importer.rows(data, digest=digest, file_name=Path(path).name):
                report.rows += 1
                if isinstance(item, Rejected):
                    report.rejected += 1
                    report.reasons[item.reason.split(" (")[0]] += 1
                    rejects.write(json.dumps({"line": item.line, "reason": item.reason, "raw": item.raw},
                                             ensure_ascii=False) + "\n")
                    continue
                batch.append(item)
                weeks.add(_week_start(item.observed_at))
                if len(batch) >= BATCH:
                    _ingest_batch(ingestor, prefetch, batch, report)
                    batch = []
                if progress is not None and report.rows % 50 == 0:
                    progress(report.rows, info.rows_estimate)
            _ingest_batch(ingestor, prefetch, batch, report)
        for week in sorted(weeks):  # trend ratios need the source's volume per week
            ingestor.record_volume(report.source, week)
        ingestor.flush()
    finally:
        ingestor.close()
    report.startup_seconds, report.rows_seconds = loaded - started, time.perf_counter() - loaded
    if report.rejected == 0:
        rejects_path.unlink(missing_ok=True)
    else:
        report.rejects_file = str(rejects_path)
    report.weeks = len(weeks)
    if progress is not None:
        progress(report.rows, report.rows)
    if update_entities:
        import entities

        report.entities = dict(entities.update(paths))
    report.seconds = time.perf_counter() - started
    log.info("import %s: %s", path, report.as_dict())
    return report


class Prefetched:
    """The Ingestor's extractor, answering from extractions computed a batch at a time.

    ``Ingestor.add_listing`` extracts one listing per call; spaCy is several times faster over a
    batch (``extract_many``). The import extracts each batch first, then feeds the rows through
    the unchanged ingest path, whose ``extract_listing`` call is answered from here.
    """

    def __init__(self, extractor: Any) -> None:
        self.inner = extractor
        self.ready: dict[tuple[str, datetime], Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def prefetch(self, rows: list[Row]) -> None:
        by_time: dict[datetime, list[Listing]] = {}
        for row in rows:
            by_time.setdefault(row.observed_at, []).extend(r for r in row.records if isinstance(r, Listing))
        for when, listings in by_time.items():
            for listing, ext in zip(listings, self.inner.extract_many(listings, when), strict=True):
                self.ready[(listing.doc_id, when)] = ext

    def extract_listing(self, listing: Listing, observed_at: datetime) -> Any:
        ext = self.ready.pop((listing.doc_id, observed_at), None)
        return ext if ext is not None else self.inner.extract_listing(listing, observed_at)


def _ingest_batch(ingestor: Any, prefetch: Prefetched, rows: list[Row], report: ImportReport) -> None:
    prefetch.prefetch(rows)
    for row in rows:
        _ingest_row(ingestor, row, report)
    prefetch.ready.clear()


def _ingest_row(ingestor: Any, item: Any, report: ImportReport) -> None:
    report.imported += 1
    report.fixes.update(item.fixes)
    for rec in item.records:
        before = ingestor.stats.new_observations
        ingestor.add(rec, item.observed_at, crawl_id=f"import-{report.digest[:16]}")
        if isinstance(rec, Listing):
            report.listings += 1
            if ingestor.stats.new_observations > before:
                report.new_observations += 1
            else:
                report.known_observations += 1
        else:
            report.vendors += 1
