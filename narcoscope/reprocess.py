"""Re-read stored pages with the current profiles and extractor, without touching the network.

Raw pages are immutable evidence (DESIGN.md invariant 1): a better profile or a better extractor
is applied to everything crawled so far by re-parsing the stored bodies.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from crawler.profiles import SiteProfile, load_profiles, parse_page
from narcoscope.ingest import Ingestor
from narcoscope.paths import Paths
from store import PageStore, RecordStore


@dataclass(slots=True)
class ReprocessStats:
    pages: int = 0
    records: int = 0
    blocked: int = 0
    skipped: int = 0
    seconds: float = 0.0

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds if self.seconds else 0.0


def reprocess(
    paths: Paths, *, source: str | None = None, profiles: dict[str, SiteProfile] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ReprocessStats:
    """Parse every stored content page again and feed its records through the ingest path."""
    profiles = profiles if profiles is not None else load_profiles(paths.config / "sites")
    reader = RecordStore(paths.db)
    pages = list(reader.iter_pages(source=source))
    reader.close()
    bodies = PageStore(paths.pages)
    ingestor = Ingestor(paths)
    stats = ReprocessStats()
    volumes: set[tuple[str, datetime]] = set()
    started = time.perf_counter()
    try:
        for i, page in enumerate(pages, 1):
            profile = profiles.get(page.source)
            if profile is None:
                stats.skipped += 1
                continue
            parsed = parse_page(profile, page.url, bodies.get(page.digest), status=page.status,
                                digest=page.digest, links=False)
            stats.pages += 1
            if parsed.blocked:
                stats.blocked += 1
                continue
            for rec in parsed.records:
                ingestor.add(rec, page.observed_at, page.crawl_id)
                stats.records += 1
            volumes.add((page.source, page.observed_at))
            if progress and (i % 200 == 0 or i == len(pages)):
                progress(i, len(pages))
        for src, when in sorted(volumes):
            ingestor.record_volume(src, when)
    finally:
        ingestor.close()
    stats.seconds = time.perf_counter() - started
    return stats
