"""The novelty queue: names the extractor flagged as possible new substances, awaiting review.

Candidates come from the extractions of indexed documents (``candidates`` and their
``NPS_CANDIDATE`` entity spans, which give the evidence text); the documents themselves come from
the index. A reviewer confirms a candidate with a class — it is appended to ``confirmed.yaml``
for the extractor — or rejects it; either way the decision is kept and audited.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

from web import gazetteer
from web.accounts import User
from web.config import WebConfig
from web.data import DataAccess
from web.webdb import WebDB, now_iso

MAX_EVIDENCE = 5
CONTEXT = 80
_ID_OK = re.compile(r"^[a-z0-9][a-z0-9,\-]{0,79}$")


class ReviewError(ValueError):
    """A confirmation the workbench refuses (unknown class, malformed id, already decided)."""


def candidate_key(text: str) -> str:
    return " ".join(text.split()).casefold()


def queue(data: DataAccess, db: WebDB, *, status: str = "pending") -> list[dict[str, Any]]:
    """Candidates grouped by name with counts and evidence; ``status`` pending|confirmed|rejected|all."""
    decided = {r["candidate"]: r for r in db.rows("SELECT * FROM candidate_decisions")}
    groups: dict[str, dict[str, Any]] = {}
    docs: dict[str, list[str]] = defaultdict(list)
    for row in data.query("SELECT doc_id, data FROM extractions WHERE json_array_length(data, '$.candidates') > 0"):
        ext = json.loads(row["data"])
        for cand in ext.get("candidates") or []:
            key = candidate_key(cand)
            g = groups.setdefault(key, {"candidate": key, "names": set(), "evidence": []})
            g["names"].add(cand)
            docs[key].append(row["doc_id"])
            if len(g["evidence"]) < MAX_EVIDENCE:
                g["evidence"].extend(_evidence(data, row["doc_id"], ext, key))
    out = []
    for key, g in groups.items():
        decision = decided.get(key)
        state = decision["decision"] if decision else "pending"
        if status not in ("all", state):
            continue
        out.append(_summarise(data, g, docs[key], state, decision))
    out.sort(key=lambda c: (-c["documents"], c["candidate"]))
    return out


def _summarise(data: DataAccess, g: dict[str, Any], doc_ids: list[str], state: str,
               decision: dict[str, Any] | None) -> dict[str, Any]:
    idx = data.index()
    markets, vendors, first, last = set(), set(), None, None
    for doc_id in doc_ids[:200]:
        doc = idx.get(doc_id)
        if doc is None:
            continue
        markets.add(doc.source)
        if doc.vendor:
            vendors.add(doc.vendor)
        first = min(first, doc.first_seen) if first else doc.first_seen
        last = max(last, doc.last_seen) if last else doc.last_seen
    return {
        "candidate": g["candidate"], "names": sorted(g["names"]), "documents": len(doc_ids),
        "markets": sorted(markets), "vendors": sorted(vendors)[:20],
        "first_seen": first.isoformat() if first else None, "last_seen": last.isoformat() if last else None,
        "evidence": g["evidence"][:MAX_EVIDENCE], "status": state, "decision": decision,
    }


def _evidence(data: DataAccess, doc_id: str, ext: dict[str, Any], key: str) -> list[dict[str, Any]]:
    rec = data.query("SELECT source, title, description FROM listings WHERE doc_id = ?", (doc_id,))
    if not rec:
        rec = data.query("SELECT source, thread_title AS title, body AS description FROM posts WHERE doc_id = ?",
                         (doc_id,))
    if not rec:
        return []
    fields = {"title": rec[0]["title"] or "", "description": rec[0]["description"] or "",
              "body": rec[0]["description"] or "", "text": rec[0]["description"] or ""}
    out = []
    for ent in ext.get("entities") or []:
        if ent.get("label") != "NPS_CANDIDATE" or candidate_key(ent.get("text", "")) != key:
            continue
        text = fields.get(ent.get("field", "text"), "")
        start, end = int(ent.get("start", 0)), int(ent.get("end", 0))
        if not 0 <= start < end <= len(text):
            continue
        lo, hi = max(0, start - CONTEXT), min(len(text), end + CONTEXT)
        out.append({"doc_id": doc_id, "source": rec[0]["source"], "field": ent.get("field", "text"),
                    "before": text[lo:start], "match": text[start:end], "after": text[end:hi]})
        break
    return out


def confirm(cfg: WebConfig, db: WebDB, user: User, candidate: str, *, cls: str,
            sid: str = "", name: str = "") -> dict[str, str]:
    key = candidate_key(candidate)
    gz = gazetteer.load(cfg.paths.config / "gazetteer")
    if gz.classes and cls not in gz.classes:
        raise ReviewError(f"unknown class {cls!r}")
    sid = (sid or re.sub(r"\s+", "-", key)).strip().lower()
    if not _ID_OK.match(sid):
        raise ReviewError("id must be lower-case letters, digits, hyphens or commas (max 80)")
    if sid in gz.substances and not gz.substances[sid].confirmed:
        raise ReviewError(f"{sid!r} is already in the gazetteer")
    _decide(db, key, "confirmed", user, sid=sid, cls=cls)
    entry = {"id": sid, "name": (name or candidate).strip()[:120], "class": cls,
             "confirmed_by": user.name, "confirmed_at": now_iso()}
    gazetteer.append_confirmed(cfg.confirmed_path, entry)
    db.audit(user.name, "candidate.confirm", {"candidate": key, **entry})
    return entry


def reject(db: WebDB, user: User, candidate: str) -> None:
    key = candidate_key(candidate)
    _decide(db, key, "rejected", user, sid=None, cls=None)
    db.audit(user.name, "candidate.reject", {"candidate": key})


def _decide(db: WebDB, key: str, decision: str, user: User, *, sid: str | None, cls: str | None) -> None:
    if not key:
        raise ReviewError("empty candidate")
    if db.one("SELECT 1 FROM candidate_decisions WHERE candidate = ?", (key,)):
        raise ReviewError(f"{key!r} was already reviewed")
    db.execute("INSERT INTO candidate_decisions VALUES (?,?,?,?,?,?)",
               (key, decision, sid, cls, user.name, now_iso()))
