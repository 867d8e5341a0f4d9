"""The NPS candidate registry: every name the extractor flagged as a possible new substance, with
when, where and by whom it was first seen, and how widely.

One listing of an odd name is noise — a typo, one vendor's brand. The same name from two sellers
(counted as identities, so one seller's two accounts count once) or on two markets is a *signal*
worth an analyst's time. Decisions are kept: a rejected name is never listed again, a confirmed
one joins the gazetteer (``confirmed.yaml``) and is extracted as a substance from then on.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from entities.db import get_state, set_state
from entities.evidence import vendor_id

EXTRACTION_MARK = "candidates/extraction_rowid"
MIN_VENDORS = 2
MIN_MARKETS = 2


def candidate_key(text: str) -> str:
    """Whitespace-collapsed and case-folded, as the web workbench keys candidates."""
    return " ".join(text.split()).casefold()


@dataclass(slots=True)
class Candidate:
    """One candidate name with its first sighting and its spread."""

    candidate: str
    name: str
    documents: int
    listings: int
    posts: int
    vendors: int
    markets: int
    forums: int
    first_seen: str
    last_seen: str
    first_source: str
    first_vendor: str
    first_doc_id: str
    first_kind: str
    first_page_digest: str
    market_names: list[str]
    status: str  # pending | confirmed | rejected

    @property
    def signal(self) -> bool:
        return self.vendors >= MIN_VENDORS or self.markets >= MIN_MARKETS

    def as_dict(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.__slots__}  # type: ignore[attr-defined]
        out["signal"] = self.signal
        return out


def _record(db: sqlite3.Connection, doc_id: str) -> tuple[str, str, str, str, str, str] | None:
    """(kind, source, vendor, vendor_id, first_seen, page_digest) of the listing or post ``doc_id``."""
    r = db.execute("SELECT source, vendor, first_seen, page_digest FROM listings WHERE doc_id = ?",
                   (doc_id,)).fetchone()
    if r is not None:
        vid = vendor_id(r["source"], r["vendor"].strip()) if r["vendor"].strip() else ""
        return "listing", r["source"], r["vendor"].strip(), vid, r["first_seen"], r["page_digest"]
    r = db.execute("SELECT source, author, first_seen, page_digest FROM posts WHERE doc_id = ?", (doc_id,)).fetchone()
    if r is not None:
        return "post", r["source"], r["author"], "", r["first_seen"], r["page_digest"]
    return None


def _written_names(data: dict[str, Any]) -> dict[str, str]:
    """Candidate value -> the text as the page wrote it (first NPS_CANDIDATE span)."""
    out: dict[str, str] = {}
    for ent in data.get("entities") or []:
        if ent.get("label") == "NPS_CANDIDATE":
            out.setdefault(candidate_key(str(ent.get("value") or ent.get("text", ""))), str(ent.get("text", "")))
    return out


def scan(db: sqlite3.Connection, *, batch: int = 2000) -> dict[str, int]:
    """File the candidates of extractions written since the last scan (rowid watermark: a re-run
    extraction is a REPLACE, hence a new rowid, so re-extracted documents are read again)."""
    stats = {"extractions": 0, "sightings": 0, "orphans": 0}
    mark = int(get_state(db, EXTRACTION_MARK, "0"))
    while True:
        rows = db.execute("SELECT rowid, doc_id, data FROM extractions WHERE rowid > ? ORDER BY rowid LIMIT ?",
                          (mark, batch)).fetchall()
        if not rows:
            break
        for row in rows:
            mark = row["rowid"]
            if '"candidates": []' in row["data"]:
                continue
            data = json.loads(row["data"])
            cands = data.get("candidates") or []
            if not cands:
                continue
            stats["extractions"] += 1
            rec = _record(db, row["doc_id"])
            if rec is None:
                stats["orphans"] += 1
                continue
            written = _written_names(data)
            for cand in cands:
                key = candidate_key(str(cand))
                stats["sightings"] += _sight(db, key, written.get(key, str(cand)), row["doc_id"], rec)
    set_state(db, EXTRACTION_MARK, str(mark))
    return stats


def _sight(db: sqlite3.Connection, key: str, name: str, doc_id: str,
           rec: tuple[str, str, str, str, str, str]) -> int:
    kind, source, vendor, vid, seen, digest = rec
    cur = db.execute(
        """INSERT INTO candidate_sightings VALUES (?,?,?,?,?,?,?,?,?)
           ON CONFLICT(candidate, doc_id) DO UPDATE SET
             page_digest = CASE WHEN excluded.seen_at < seen_at THEN excluded.page_digest ELSE page_digest END,
             seen_at = min(seen_at, excluded.seen_at)""",
        (key, doc_id, name, kind, source, vendor, vid, seen, digest))
    return cur.rowcount


_AGGREGATE = """
SELECT s.candidate,
       count(DISTINCT s.doc_id) AS documents,
       count(DISTINCT CASE WHEN s.kind = 'listing' THEN s.doc_id END) AS listings,
       count(DISTINCT CASE WHEN s.kind = 'post' THEN s.doc_id END) AS posts,
       count(DISTINCT CASE WHEN s.kind = 'listing' AND s.vendor_id != ''
                           THEN coalesce(i.identity_id, s.vendor_id) END) AS vendors,
       count(DISTINCT CASE WHEN s.kind = 'listing' THEN s.source END) AS markets,
       count(DISTINCT CASE WHEN s.kind = 'post' THEN s.source END) AS forums,
       group_concat(DISTINCT CASE WHEN s.kind = 'listing' THEN s.source END) AS market_names,
       min(s.seen_at) AS first_seen, max(s.seen_at) AS last_seen,
       coalesce(d.decision, 'pending') AS status
FROM candidate_sightings s
LEFT JOIN vendor_identities i ON i.vendor_id = s.vendor_id
LEFT JOIN candidate_decisions d ON d.candidate = s.candidate
{where}
GROUP BY s.candidate
"""


def registry(db: sqlite3.Connection, *, status: str = "pending", name: str | None = None) -> list[Candidate]:
    """Candidates with their spread, newest signals first; ``status``: pending|confirmed|rejected|all."""
    where, params = [], []
    if name is not None:
        where.append("s.candidate = ?")
        params.append(candidate_key(name))
    if status != "all":
        where.append("coalesce(d.decision, 'pending') = ?")
        params.append(status)
    sql = _AGGREGATE.format(where=("WHERE " + " AND ".join(where)) if where else "")
    out = []
    for r in db.execute(sql, params):
        first = db.execute("SELECT * FROM candidate_sightings WHERE candidate = ? ORDER BY seen_at, kind, doc_id"
                           " LIMIT 1", (r["candidate"],)).fetchone()
        out.append(Candidate(
            candidate=r["candidate"], name=first["name"], documents=r["documents"], listings=r["listings"],
            posts=r["posts"], vendors=r["vendors"], markets=r["markets"], forums=r["forums"],
            first_seen=r["first_seen"], last_seen=r["last_seen"], first_source=first["source"],
            first_vendor=first["vendor"], first_doc_id=first["doc_id"], first_kind=first["kind"],
            first_page_digest=first["page_digest"],
            market_names=sorted((r["market_names"] or "").split(",")) if r["market_names"] else [],
            status=r["status"]))
    out.sort(key=lambda c: (not c.signal, -c.vendors, -c.markets, -c.documents, c.candidate))
    return out


def sightings(db: sqlite3.Connection, name: str) -> list[sqlite3.Row]:
    return db.execute("SELECT * FROM candidate_sightings WHERE candidate = ? ORDER BY seen_at, doc_id",
                      (candidate_key(name),)).fetchall()


def decision(db: sqlite3.Connection, name: str) -> sqlite3.Row | None:
    row: sqlite3.Row | None = db.execute("SELECT * FROM candidate_decisions WHERE candidate = ?",
                                         (candidate_key(name),)).fetchone()
    return row


def decide(db: sqlite3.Connection, name: str, verdict: str, *, by: str, at: str,
           substance_id: str | None = None, cls: str | None = None, commit: bool = True) -> None:
    """Record an analyst's decision (one per candidate: a second raises ``sqlite3.IntegrityError``).
    ``commit=False`` leaves the transaction open, for a caller that must also write a file."""
    db.execute("INSERT INTO candidate_decisions VALUES (?,?,?,?,?,?)",
               (candidate_key(name), verdict, substance_id, cls, by, at))
    if commit:
        db.commit()
