"""Entities derived from the record store: vendor identities across markets, and the NPS candidate registry.

One call after every crawl, import or reprocess brings both up to date::

    import entities
    stats = entities.update(paths)      # incremental: reads only what is new since the last call

Everything here is derived, kept in tables of the record store's database (``entities/schema.sql``)
and rebuildable with ``entities.update(paths, rebuild=True)``; analysts' decisions on candidates
are the one thing not derived, and are kept across rebuilds.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

from entities import candidates, evidence, linking
from entities.db import connect, reset
from narcoscope.paths import Paths

log = logging.getLogger(__name__)

__all__ = ["update"]


def update(paths: Paths, *, rebuild: bool = False) -> dict[str, int | float]:
    """Bring vendor links, identities and the candidate registry up to date with the record store."""
    from store import RecordStore

    started = time.perf_counter()
    RecordStore(paths.db).close()  # the record tables exist before the entities tables read them
    db = connect(paths.db)
    try:
        if rebuild:
            reset(db)
        now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
        stats: dict[str, int | float] = {}
        stats.update({f"vendors/{k}": v for k, v in evidence.scan_profiles(db).items()})
        stats.update({f"vendors/{k}": v for k, v in evidence.scan_listings(db).items()})
        accounts = linking.load_accounts(db)
        links = linking.handle_links(db, accounts) + linking.name_links(accounts)
        stats["links/new"] = linking.store_links(db, links, now)
        stats.update({f"vendors/{k}": v for k, v in linking.rebuild_identities(db).items()})
        stats.update({f"candidates/{k}": v for k, v in candidates.scan(db).items()})
        db.commit()
    finally:
        db.close()
    stats["seconds"] = round(time.perf_counter() - started, 3)
    log.info("entities updated: %s", stats)
    return stats
