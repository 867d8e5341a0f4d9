"""From records to the store, extraction and the index: the one path every record takes.

The crawl's item pipeline, ``reprocess`` and importers all feed records through an
:class:`Ingestor`, so a record crawled today and one re-read from an old page are treated alike.
Index writes are batched; a failed batch is spooled by the index layer, never dropped.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from index import open_index
from index.documents import CrawlVolume, IndexDoc, ObservationDoc, iso_week
from index.spool import SpoolingIndex
from narcoscope.paths import Paths
from narcoscope.records import Extraction, Listing, Observation, Post, Vendor
from store import RecordStore

if TYPE_CHECKING:
    from nlp import Extractor

log = logging.getLogger(__name__)


@functools.cache
def shared_extractor(config_dir: Path) -> Extractor:
    """Loading the gazetteer is the slow part of start-up: one extractor per process."""
    from nlp import Extractor

    return Extractor.from_config(config_dir)


@dataclass(slots=True)
class IngestStats:
    listings: int = 0
    observations: int = 0
    new_observations: int = 0
    vendors: int = 0
    posts: int = 0
    indexed: int = 0

    def as_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]


def week_span(observed_at: datetime) -> tuple[str, str]:
    """The ISO week holding ``observed_at``, as [start, end) in the store's time format."""
    start = (observed_at - timedelta(days=observed_at.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    return start.isoformat(), (start + timedelta(days=7)).isoformat()


@dataclass
class Ingestor:
    """Writes records, their extraction and their index documents, in batches."""

    paths: Paths
    batch_size: int = 500
    store: RecordStore = field(init=False)
    stats: IngestStats = field(default_factory=IngestStats)
    commit_seconds: float = 2.0
    before_commit: list[Callable[[], None]] = field(default_factory=list)
    # Workers with separate stores count the week together (crawler/distributed/volume.py).
    volume_share: Callable[[str, datetime], AbstractContextManager[tuple[int, int]]] | None = None
    _docs: list[IndexDoc] = field(default_factory=list)
    _obs: list[ObservationDoc] = field(default_factory=list)
    _last_commit: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.store = RecordStore(self.paths.db)
        self.extractor = shared_extractor(self.paths.config)
        self.index = SpoolingIndex(open_index(self.paths.index_url), self.paths.spool)

    # records ------------------------------------------------------------------------------
    def add(self, record: Listing | Vendor | Post, observed_at: datetime, crawl_id: str = "") -> None:
        if isinstance(record, Listing):
            self.add_listing(record, observed_at, crawl_id)
        elif isinstance(record, Post):
            self.add_post(record, observed_at)
        else:
            self.store.upsert_vendor(record, observed_at)
            self.stats.vendors += 1
        self.flush_if_due()

    def flush_if_due(self) -> None:
        """Flush a full batch, or one older than ``commit_seconds``: the open transaction holds the
        store's write lock, which other workers and the scheduler are waiting for."""
        if len(self._docs) >= self.batch_size or time.monotonic() - self._last_commit > self.commit_seconds:
            self.flush()

    def add_listing(self, listing: Listing, observed_at: datetime, crawl_id: str = "") -> Extraction:
        doc_id = self.store.upsert_listing(listing, observed_at)
        price_text = listing.prices[0].text if listing.prices else ""
        obs = Observation(doc_id, observed_at, price_text, listing.page_digest, crawl_id)
        self.stats.new_observations += self.store.add_observation(obs)
        ext = self.extractor.extract_listing(listing, observed_at)
        self.store.put_extraction(ext, datetime.now(timezone.utc))
        self._docs.append(listing_doc(listing, ext, observed_at))
        self._obs.append(ObservationDoc(
            obs_id=obs.obs_id, doc_id=doc_id, observed_at=observed_at, source=listing.source,
            vendor=ext.vendor or listing.vendor, substances=list(ext.substances),
            classes=list(ext.classes), ships_from=ext.ships_from, price_usd=ext.price_usd,
        ))
        self.stats.listings += 1
        self.stats.observations += 1
        return ext

    def add_post(self, post: Post, observed_at: datetime) -> Extraction:
        self.store.upsert_post(post, observed_at)
        ext = self.extractor.extract_post(post, observed_at)
        self.store.put_extraction(ext, datetime.now(timezone.utc))
        self._docs.append(post_doc(post, ext, observed_at))
        self.stats.posts += 1
        return ext

    def record_volume(self, source: str, observed_at: datetime) -> None:
        """The week's crawl volume of a source (distinct listings and pages), for trend ratios."""
        week = iso_week(observed_at)
        if self.volume_share is not None:
            self.flush()  # committed, so the share published is this store's whole week
            with self.volume_share(source, observed_at) as (pages, listings):
                self.index.write_batch([], [], [CrawlVolume(source, week, pages, listings)])
            return
        self.flush()  # committed first: pages still being written join the count (crawler/evidence_writer.py)
        span = week_span(observed_at)
        listings = self.store.query(
            "SELECT count(DISTINCT o.doc_id) FROM observations o JOIN listings l USING(doc_id)"
            " WHERE l.source = ? AND o.observed_at >= ? AND o.observed_at < ?", (source, *span))[0][0]
        pages = self.store.query(
            "SELECT count(*) FROM pages WHERE source = ? AND observed_at >= ? AND observed_at < ?",
            (source, *span))[0][0]
        self.index.write_batch([], [], [CrawlVolume(source, week, pages, listings)])

    # batching -----------------------------------------------------------------------------
    def flush(self) -> None:
        """Commit the store (with whatever else joins the transaction), then write the index batch."""
        for hook in self.before_commit:
            hook()
        self.store.commit()
        self._last_commit = time.monotonic()
        if self._docs or self._obs:
            docs, obs = self._docs, self._obs
            self._docs, self._obs = [], []
            self.index.write_batch(docs, obs)
            self.stats.indexed += len(docs)

    def close(self) -> None:
        self.flush()
        self.store.close()
        self.index.close()

    def ingest_all(self, records: Iterable[Listing | Vendor | Post], observed_at: datetime) -> None:
        for rec in records:
            self.add(rec, observed_at)
        self.flush()


def listing_doc(listing: Listing, ext: Extraction, seen: datetime) -> IndexDoc:
    return IndexDoc(
        doc_id=listing.doc_id, kind="listing", source=listing.source, source_kind="market",
        url=listing.url, title=listing.title, body=listing.description,
        first_seen=seen, last_seen=seen, vendor=ext.vendor or listing.vendor,
        category=list(listing.category), substances=list(ext.substances),
        classes=list(ext.classes), candidates=list(ext.candidates), ships_from=ext.ships_from,
        ships_to=list(ext.ships_to), price_usd=ext.price_usd,
        price_display=listing.prices[0].text if listing.prices else "",
        price_amount=ext.price_amount, currency=ext.price_currency, quantity_g=ext.quantity_g,
        units=ext.units, lang=ext.lang, page_digest=listing.page_digest,
    )


def post_doc(post: Post, ext: Extraction, seen: datetime) -> IndexDoc:
    return IndexDoc(
        doc_id=post.doc_id, kind="post", source=post.source, source_kind="forum", url=post.url,
        title=post.thread_title, body=post.body, first_seen=seen, last_seen=seen,
        vendor=post.author, category=[post.board] if post.board else [],
        substances=list(ext.substances), classes=list(ext.classes),
        candidates=list(ext.candidates), ships_from=ext.ships_from, lang=ext.lang,
        page_digest=post.page_digest,
    )
