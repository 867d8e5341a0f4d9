"""Collecting identity evidence from the record store: keys, contact handles and names per account.

Vendor profiles are few (hundreds to thousands), so they are re-read in full on every update —
a changed key or contact is noticed, and a key seen earlier is kept (``vendor_handles`` keeps
history). Listings are many, so only those added since the last update (rowid watermark) are read
for contact handles in their descriptions.
"""

from __future__ import annotations

import json
import logging
import sqlite3

from entities.db import get_state, set_state
from entities.handles import find_handles, parse_contact
from entities.pgp import PgpError, key_info
from narcoscope.records import stable_id

log = logging.getLogger(__name__)
LISTING_MARK = "evidence/listing_rowid"


def vendor_id(source: str, name: str) -> str:
    """Same formula as :attr:`narcoscope.records.Vendor.vendor_id`."""
    return stable_id("vendor", source, name.casefold())


def _add_handle(db: sqlite3.Connection, vid: str, kind: str, value: str, found_in: str, digest: str,
                seen: str) -> None:
    db.execute(
        "INSERT INTO vendor_handles VALUES (?,?,?,?,?,?) ON CONFLICT(vendor_id, kind, value, found_in) DO UPDATE"
        " SET first_seen = min(first_seen, excluded.first_seen),"
        " page_digest = CASE WHEN excluded.first_seen < first_seen THEN excluded.page_digest ELSE page_digest END",
        (vid, kind, value, found_in, digest, seen))


def _upsert_account(db: sqlite3.Connection, vid: str, source: str, name: str, fpr: str | None,
                    key_error: str | None, digest: str, first: str, last: str) -> None:
    db.execute(
        """INSERT INTO entity_vendors VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(vendor_id) DO UPDATE SET
             fingerprint = coalesce(excluded.fingerprint, entity_vendors.fingerprint),
             key_error = excluded.key_error,
             page_digest = CASE WHEN excluded.page_digest != '' THEN excluded.page_digest
                                ELSE entity_vendors.page_digest END,
             first_seen = min(entity_vendors.first_seen, excluded.first_seen),
             last_seen = max(entity_vendors.last_seen, excluded.last_seen)""",
        (vid, source, name, fpr, key_error, digest, first, last))


def scan_profiles(db: sqlite3.Connection) -> dict[str, int]:
    """Every vendor profile: its key's fingerprint and the handles in its contacts and description."""
    stats = {"profiles": 0, "keys": 0, "bad_keys": 0, "handles": 0}
    rows = db.execute("SELECT vendor_id, source, name, pgp_key, description, contacts, page_digest,"
                      " first_seen, last_seen FROM vendors").fetchall()
    for r in rows:
        stats["profiles"] += 1
        fpr, err = None, None
        if r["pgp_key"].strip():
            try:
                fpr = key_info(r["pgp_key"]).fingerprint
                stats["keys"] += 1
            except PgpError as exc:
                err = str(exc)
                stats["bad_keys"] += 1
        _upsert_account(db, r["vendor_id"], r["source"], r["name"], fpr, err, r["page_digest"],
                        r["first_seen"], r["last_seen"])
        if fpr:
            _add_handle(db, r["vendor_id"], "pgp", fpr, "pgp_key", r["page_digest"], r["first_seen"])
        for contact in _contacts(r["contacts"]):
            for h in parse_contact(contact):
                _add_handle(db, r["vendor_id"], h.kind, h.value, "contacts", r["page_digest"], r["first_seen"])
                stats["handles"] += 1
        for h in find_handles(r["description"]):
            _add_handle(db, r["vendor_id"], h.kind, h.value, "vendor_description", r["page_digest"], r["first_seen"])
            stats["handles"] += 1
    return stats


def _contacts(raw: str) -> list[str]:
    try:
        data = json.loads(raw or "[]")
    except json.JSONDecodeError:
        return [raw] if raw.strip() else []
    return [str(c) for c in data if str(c).strip()] if isinstance(data, list) else []


def scan_listings(db: sqlite3.Connection, *, batch: int = 5000) -> dict[str, int]:
    """Listings added since the last scan: their vendor account, and handles in their description."""
    stats = {"listings": 0, "handles": 0}
    mark = int(get_state(db, LISTING_MARK, "0"))
    while True:
        rows = db.execute("SELECT rowid, doc_id, source, vendor, description, page_digest, first_seen, last_seen"
                          " FROM listings WHERE rowid > ? ORDER BY rowid LIMIT ?", (mark, batch)).fetchall()
        if not rows:
            break
        for r in rows:
            mark = r["rowid"]
            name = r["vendor"].strip()
            if not name:
                continue
            stats["listings"] += 1
            vid = vendor_id(r["source"], name)
            _upsert_account(db, vid, r["source"], name, None, None, "", r["first_seen"], r["last_seen"])
            for h in find_handles(r["description"]):
                _add_handle(db, vid, h.kind, h.value, f"listing:{r['doc_id']}", r["page_digest"], r["first_seen"])
                stats["handles"] += 1
    set_state(db, LISTING_MARK, str(mark))
    return stats
