"""A week's crawl volume when the workers' stores are not one file.

The trend reports divide substance counts by the crawl volume of the week (pages fetched, distinct
listings seen), so a partial count reads as a surge. Workers on separate hosts each keep their own
record store (the evidence stays where it was fetched; see docs/scaling.md): no store knows the
week's total. Each worker therefore publishes what its store holds for the week in Redis, pages per
crawl id (a hash: publishing twice changes nothing) and listing ids (a set: a union), and writes the
totals to the shared index under a Redis lock, so the last writer always has every contribution
that was published before it. Workers sharing one store publish the same picture; the union is
still right.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import redis

from index.documents import iso_week
from narcoscope.ingest import week_span
from store import RecordStore

LOCK_SECONDS = 60.0
KEEP_SECONDS = 60 * 86400  # a re-crawl of the week weeks later still finds the others' share


def local_week(store: RecordStore, source: str, observed_at: datetime) -> tuple[dict[str, int], set[str]]:
    """This store's pages per crawl id and distinct listing ids for the source's week."""
    span = week_span(observed_at)
    pages = {str(r[0]): int(r[1]) for r in store.query(
        "SELECT crawl_id, count(*) FROM pages WHERE source = ? AND observed_at >= ? AND observed_at < ?"
        " GROUP BY crawl_id", (source, *span))}
    listings = {str(r[0]) for r in store.query(
        "SELECT DISTINCT o.doc_id FROM observations o JOIN listings l USING(doc_id)"
        " WHERE l.source = ? AND o.observed_at >= ? AND o.observed_at < ?", (source, *span))}
    return pages, listings


class SharedVolume:
    """The union of every worker's week, in Redis: ``narcoscope:volume:SOURCE:WEEK:{pages,listings,lock}``."""

    def __init__(self, client: redis.Redis, store: RecordStore) -> None:
        self.client = client
        self.store = store

    def _key(self, source: str, week: str) -> str:
        return f"narcoscope:volume:{source}:{week}"

    @contextmanager
    def publish(self, source: str, observed_at: datetime) -> Iterator[tuple[int, int]]:
        """Publish this store's week and yield the totals (pages, listings); hold the lock while the
        caller writes them to the index."""
        key = self._key(source, iso_week(observed_at))
        pages, listings = local_week(self.store, source, observed_at)
        with self.client.lock(f"{key}:lock", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS):
            pipe = self.client.pipeline(transaction=True)
            if pages:
                pipe.hset(f"{key}:pages", mapping=pages)  # type: ignore[arg-type]
            if listings:
                pipe.sadd(f"{key}:listings", *sorted(listings))
            pipe.expire(f"{key}:pages", KEEP_SECONDS)
            pipe.expire(f"{key}:listings", KEEP_SECONDS)
            pipe.hvals(f"{key}:pages")
            pipe.scard(f"{key}:listings")
            *_, counts, distinct = pipe.execute()
            yield sum(int(n) for n in counts), int(distinct)
