"""Rebuild an index from the record store: listings, posts, their stored extractions, sightings.

Nothing is re-crawled or re-extracted: the index is a derived view of the store (DESIGN.md,
invariant 1), so switching from SQLite to Elasticsearch, or rebuilding a lost index, is this.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from index import open_index
from index.documents import CrawlVolume, IndexDoc, ObservationDoc, iso_week
from narcoscope.ingest import listing_doc, post_doc
from narcoscope.paths import Paths
from narcoscope.records import Entity, Extraction, Listing, Post, PriceDisplay
from store import RecordStore


@dataclass(slots=True)
class ReindexStats:
    listings: int = 0
    posts: int = 0
    observations: int = 0
    volumes: int = 0


def extraction_from_json(data: dict[str, Any]) -> Extraction:
    data = dict(data)
    entities = tuple(Entity(**{**e, "attrs": tuple(tuple(a) for a in e.get("attrs", ()))})
                     for e in data.pop("entities", ()))
    for key in ("substances", "classes", "candidates", "ships_to"):
        data[key] = tuple(data.get(key) or ())
    return Extraction(entities=entities, **data)


def _listings(store: RecordStore) -> Iterator[tuple[Listing, Extraction, datetime, datetime]]:
    rows = store.db.execute("SELECT l.*, e.data FROM listings l JOIN extractions e USING(doc_id)")
    for r in rows:
        listing = Listing(
            source=r["source"], listing_id=r["listing_id"], url=r["url"], title=r["title"],
            description=r["description"], category=tuple(json.loads(r["category"])), vendor=r["vendor"],
            prices=tuple(PriceDisplay(**p) for p in json.loads(r["prices"])), ships_from=r["ships_from"],
            ships_to=r["ships_to"], page_digest=r["page_digest"], extra=json.loads(r["extra"]))
        yield (listing, extraction_from_json(json.loads(r["data"])),
               datetime.fromisoformat(r["first_seen"]), datetime.fromisoformat(r["last_seen"]))


def _posts(store: RecordStore) -> Iterator[tuple[Post, Extraction, datetime, datetime]]:
    for r in store.db.execute("SELECT p.*, e.data FROM posts p JOIN extractions e USING(doc_id)"):
        post = Post(source=r["source"], thread_id=r["thread_id"], post_id=r["post_id"], url=r["url"],
                    author=r["author"], body=r["body"], posted_at=r["posted_at"], thread_title=r["thread_title"],
                    board=r["board"], page_digest=r["page_digest"])
        yield (post, extraction_from_json(json.loads(r["data"])),
               datetime.fromisoformat(r["first_seen"]), datetime.fromisoformat(r["last_seen"]))


def reindex(paths: Paths, target_url: str, *, batch: int = 2000,
            progress: Callable[[str, int], None] | None = None) -> ReindexStats:
    store = RecordStore(paths.db)
    target = open_index(target_url)
    stats = ReindexStats()
    docs: list[IndexDoc] = []
    obs_extraction: dict[str, Extraction] = {}

    def flush() -> None:
        if docs:
            target.write_batch(docs)
            docs.clear()
    # A backend with a bulk mode (SQLite: secondary indexes rebuilt once at the end) loads faster.
    bulk = getattr(target, "bulk_load", None)
    try:
        with bulk() if bulk is not None else contextlib.nullcontext():
            for listing, ext, first, last in _listings(store):
                doc = listing_doc(listing, ext, last)
                doc.first_seen = first
                docs.append(doc)
                obs_extraction[listing.doc_id] = ext
                stats.listings += 1
                if len(docs) >= batch:
                    flush()
                    if progress:
                        progress("listings", stats.listings)
            for post, ext, first, last in _posts(store):
                doc = post_doc(post, ext, last)
                doc.first_seen = first
                docs.append(doc)
                stats.posts += 1
                if len(docs) >= batch:
                    flush()
                    if progress:
                        progress("posts", stats.posts)
            flush()
            _observations(store, target, obs_extraction, stats, batch, progress)
    finally:
        store.close()
        target.close()
    return stats


def _observations(store: RecordStore, target: Any, exts: dict[str, Extraction], stats: ReindexStats, batch: int,
                  progress: Callable[[str, int], None] | None) -> None:
    obs: list[ObservationDoc] = []
    weekly: dict[tuple[str, str], set[str]] = {}
    rows = store.db.execute("SELECT o.obs_id, o.doc_id, o.observed_at, l.source, l.vendor FROM observations o "
                            "JOIN listings l USING(doc_id)")
    for r in rows:
        ext = exts.get(r["doc_id"])
        if ext is None:
            continue
        when = datetime.fromisoformat(r["observed_at"])
        obs.append(ObservationDoc(obs_id=r["obs_id"], doc_id=r["doc_id"], observed_at=when, source=r["source"],
                                  vendor=ext.vendor or r["vendor"], substances=list(ext.substances),
                                  classes=list(ext.classes), ships_from=ext.ships_from, price_usd=ext.price_usd))
        weekly.setdefault((r["source"], iso_week(when)), set()).add(r["doc_id"])
        stats.observations += 1
        if len(obs) >= batch:
            target.write_batch([], obs)
            obs.clear()
            if progress:
                progress("observations", stats.observations)
    pages: dict[tuple[str, str], int] = {}
    for r in store.db.execute("SELECT source, observed_at FROM pages"):
        key = (r["source"], iso_week(datetime.fromisoformat(r["observed_at"])))
        pages[key] = pages.get(key, 0) + 1
    # Every crawled (source, week), forums included (pages, no listings), as the crawl recorded it.
    volumes = [CrawlVolume(src, week, pages.get((src, week), 0), len(weekly.get((src, week), ())))
               for src, week in sorted(pages.keys() | weekly.keys())]
    target.write_batch([], obs, volumes)
    stats.volumes = len(volumes)
