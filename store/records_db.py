"""SQLite store of crawls, raw-page metadata and the records the pages said.

One writer (the crawl's reactor thread or ``reprocess``), WAL mode so readers never block it.
Upserts keep ``first_seen`` and move ``last_seen`` forward, so re-runs never duplicate.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import asdict
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from narcoscope.records import Extraction, Listing, Observation, Post, RawPage, Vendor
from narcoscope.sqlite import apply_schema, connect

_SCHEMA = resources.files("store").joinpath("schema.sql").read_text(encoding="utf-8")


def _iso(ts: datetime) -> str:
    return ts.isoformat()


class RecordStore:
    """The record database. Call :meth:`commit` at batch boundaries; writes are transactional."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = connect(self.path, isolation_level="DEFERRED")
        self.db.row_factory = sqlite3.Row
        apply_schema(self.db, _SCHEMA)
        self.db.execute("PRAGMA synchronous = NORMAL")

    # crawls ---------------------------------------------------------------------------------
    def begin_crawl(self, crawl_id: str, source: str, observed_at: datetime, started_at: datetime) -> None:
        self.db.execute(
            "INSERT INTO crawls(crawl_id, source, observed_at, started_at) VALUES (?,?,?,?)"
            " ON CONFLICT(crawl_id) DO UPDATE SET status='running', finished_at=NULL",
            (crawl_id, source, _iso(observed_at), _iso(started_at)),
        )
        self.db.commit()

    def finish_crawl(self, crawl_id: str, status: str, finished_at: datetime, stats: dict[str, Any]) -> None:
        self.db.execute(
            "UPDATE crawls SET status=?, finished_at=?, stats=? WHERE crawl_id=?",
            (status, _iso(finished_at), json.dumps(stats, default=str, sort_keys=True), crawl_id),
        )
        self.db.commit()

    def crawls(self, source: str | None = None) -> list[sqlite3.Row]:
        sql = "SELECT * FROM crawls" + (" WHERE source=?" if source else "") + " ORDER BY started_at"
        return list(self.db.execute(sql, (source,) if source else ()))

    # pages ----------------------------------------------------------------------------------
    def add_page(self, page: RawPage) -> None:
        self.add_pages((page,))

    def add_pages(self, pages: Iterable[RawPage]) -> None:
        """Insert (or replace, on a re-fetch in the same crawl) page rows, in one statement."""
        self.db.executemany(
            "INSERT OR REPLACE INTO pages VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [(
                page.crawl_id, page.url, page.source, _iso(page.fetched_at), _iso(page.observed_at),
                page.status, json.dumps(page.headers, sort_keys=True), page.digest, page.kind,
                page.blocked, page.warc_path or None, page.warc_offset if page.warc_path else None,
            ) for page in pages],
        )

    def pages_for(self, url_or_digest: str) -> list[RawPage]:
        """Every capture of a URL, or every page with a body digest, oldest first."""
        rows = self.db.execute(
            "SELECT * FROM pages WHERE url = ? OR digest = ? ORDER BY fetched_at", (url_or_digest, url_or_digest))
        return [_page_from_row(r) for r in rows]

    def iter_pages(self, *, source: str | None = None, include_blocked: bool = False) -> Iterator[RawPage]:
        """Pages in capture order: the input of ``reprocess``."""
        where, params = [], []
        if source:
            where.append("source = ?")
            params.append(source)
        if not include_blocked:
            where.append("blocked IS NULL")
        sql = "SELECT * FROM pages" + (" WHERE " + " AND ".join(where) if where else "")
        sql += " ORDER BY observed_at, fetched_at"
        for row in self.db.execute(sql, params):
            yield _page_from_row(row)

    # records --------------------------------------------------------------------------------
    def upsert_listing(self, listing: Listing, seen: datetime) -> str:
        doc_id = listing.doc_id
        prices = json.dumps([asdict(p) for p in listing.prices], ensure_ascii=False)
        self.db.execute(
            """INSERT INTO listings VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT(doc_id) DO UPDATE SET
              url=excluded.url, title=excluded.title, description=excluded.description,
              category=excluded.category, vendor=excluded.vendor, prices=excluded.prices,
              ships_from=excluded.ships_from, ships_to=excluded.ships_to, extra=excluded.extra,
              page_digest=CASE WHEN excluded.last_seen >= listings.last_seen
                               THEN excluded.page_digest ELSE listings.page_digest END,
              first_seen=min(listings.first_seen, excluded.first_seen),
              last_seen=max(listings.last_seen, excluded.last_seen)""",
            (
                doc_id, listing.source, listing.listing_id, listing.url, listing.title,
                listing.description, json.dumps(list(listing.category), ensure_ascii=False),
                listing.vendor, prices, listing.ships_from, listing.ships_to,
                json.dumps(listing.extra, ensure_ascii=False, sort_keys=True), listing.page_digest,
                _iso(seen), _iso(seen),
            ),
        )
        return doc_id

    def add_observation(self, obs: Observation) -> bool:
        """Record a sighting; returns False when this exact sighting was already stored."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO observations VALUES (?,?,?,?,?,?)",
            (obs.obs_id, obs.listing_doc_id, _iso(obs.observed_at), obs.price_text,
             obs.page_digest, obs.crawl_id),
        )
        return cur.rowcount > 0

    def upsert_vendor(self, vendor: Vendor, seen: datetime) -> str:
        vid = vendor.vendor_id
        self.db.execute(
            """INSERT INTO vendors VALUES (?,?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT(vendor_id) DO UPDATE SET
              url=excluded.url, rating=excluded.rating, pgp_key=excluded.pgp_key,
              description=excluded.description, contacts=excluded.contacts,
              page_digest=excluded.page_digest,
              first_seen=min(vendors.first_seen, excluded.first_seen),
              last_seen=max(vendors.last_seen, excluded.last_seen)""",
            (
                vid, vendor.source, vendor.name, vendor.url, vendor.rating, vendor.pgp_key,
                vendor.description, json.dumps(list(vendor.contacts)), vendor.page_digest,
                _iso(seen), _iso(seen),
            ),
        )
        return vid

    def upsert_post(self, post: Post, seen: datetime) -> str:
        doc_id = post.doc_id
        self.db.execute(
            """INSERT INTO posts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT(doc_id) DO UPDATE SET
              body=excluded.body, url=excluded.url, page_digest=excluded.page_digest,
              first_seen=min(posts.first_seen, excluded.first_seen),
              last_seen=max(posts.last_seen, excluded.last_seen)""",
            (
                doc_id, post.source, post.thread_id, post.post_id, post.url, post.author,
                post.body, post.posted_at, post.thread_title, post.board, post.page_digest,
                _iso(seen), _iso(seen),
            ),
        )
        return doc_id

    def put_extraction(self, extraction: Extraction, extracted_at: datetime) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO extractions VALUES (?,?,?,?)",
            (extraction.doc_id, extraction.extractor_version, _iso(extracted_at),
             json.dumps(extraction_json(extraction), ensure_ascii=False)),
        )

    def commit(self) -> None:
        self.db.commit()

    def close(self) -> None:
        self.db.commit()
        self.db.close()

    # reading --------------------------------------------------------------------------------
    def counts(self) -> dict[str, int]:
        tables = ("crawls", "pages", "listings", "observations", "vendors", "posts", "extractions")
        return {t: self.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        return list(self.db.execute(sql, params))


def extraction_json(e: Extraction) -> dict[str, Any]:
    """The stored form of an extraction (``dataclasses.asdict`` deep-copies: too slow per record)."""
    out = {f: getattr(e, f) for f in _EXTRACTION_FIELDS}
    out["entities"] = [
        {"label": x.label, "text": x.text, "start": x.start, "end": x.end, "field": x.field, "value": x.value,
         "attrs": [list(a) for a in x.attrs]}
        for x in e.entities
    ]
    for key in ("substances", "classes", "candidates", "ships_to"):
        out[key] = list(out[key])
    return out


_EXTRACTION_FIELDS = tuple(f for f in Extraction.__dataclass_fields__ if f != "entities")


def _page_from_row(row: sqlite3.Row) -> RawPage:
    return RawPage(
        url=row["url"], source=row["source"],
        fetched_at=datetime.fromisoformat(row["fetched_at"]),
        observed_at=datetime.fromisoformat(row["observed_at"]),
        status=row["status"], headers=json.loads(row["headers"]), digest=row["digest"],
        kind=row["kind"], blocked=row["blocked"], crawl_id=row["crawl_id"],
        warc_path=row["warc_path"] or "", warc_offset=row["warc_offset"] if row["warc_offset"] is not None else -1,
    )
