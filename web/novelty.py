"""The novelty queue: names the extractor flagged as possible new substances, awaiting review.

Candidates come from the extractions of indexed documents (``candidates`` and their
``NPS_CANDIDATE`` entity spans, which give the evidence text); the documents themselves come from
the index. A reviewer confirms a candidate with a class — it is appended to ``confirmed.yaml``
for the extractor — or rejects it. The decision is the same record ``narcoscope candidates``
writes (``entities``: the record store's ``candidate_decisions``, checked and appended by
``entities.confirmed``), so the workbench and the CLI never disagree; the web audit log adds who
did it from where.
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Any

from entities import candidates, confirmed
from entities.candidates import candidate_key
from entities.db import connect as connect_store
from web.accounts import User
from web.config import WebConfig
from web.data import DataAccess
from web.webdb import WebDB, now_iso

MAX_EVIDENCE = 5
CONTEXT = 80


class ReviewError(ValueError):
    """A confirmation the workbench refuses (unknown class, malformed id, already decided)."""


def queue(data: DataAccess, db: WebDB, *, status: str = "pending") -> list[dict[str, Any]]:
    """Candidates grouped by name with counts and evidence; ``status`` pending|confirmed|rejected|all."""
    decided = _decisions(data.paths.db)
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


def _decisions(store: Path) -> dict[str, dict[str, Any]]:
    conn = connect_store(store)
    try:
        rows = conn.execute("SELECT * FROM candidate_decisions")
        return {r["candidate"]: {**dict(r), "cls": r["class"]} for r in rows}
    finally:
        conn.close()


def confirm(cfg: WebConfig, db: WebDB, user: User, candidate: str, *, cls: str,
            sid: str = "", name: str = "") -> dict[str, str]:
    """Record the decision and append to ``confirmed.yaml``: both or neither (the decision row holds
    the store's write lock until the file is written)."""
    gazette = confirmed.Gazette.load(cfg.paths.config / "gazetteer")
    conn = _open_for_decision(cfg, candidate)
    try:
        entry = confirmed.make_entry(gazette, (name or candidate).strip() or candidate, cls, sid=sid, by=user.name)
        candidates.decide(conn, candidate, "confirmed", by=user.name, at=entry["confirmed_at"],
                          substance_id=entry["id"], cls=cls, commit=False)
        confirmed.append(cfg.confirmed_path, entry)
        conn.commit()
    except confirmed.ConfirmError as exc:
        conn.rollback()
        raise ReviewError(str(exc)) from None
    finally:
        if conn.in_transaction:
            conn.rollback()
        conn.close()
    db.audit(user.name, "candidate.confirm", {"candidate": candidate_key(candidate), **entry})
    return entry


def reject(cfg: WebConfig, db: WebDB, user: User, candidate: str) -> None:
    conn = _open_for_decision(cfg, candidate)
    try:
        candidates.decide(conn, candidate, "rejected", by=user.name, at=now_iso())
    finally:
        conn.close()
    db.audit(user.name, "candidate.reject", {"candidate": candidate_key(candidate)})


def _open_for_decision(cfg: WebConfig, candidate: str) -> sqlite3.Connection:
    if not candidate_key(candidate):
        raise ReviewError("empty candidate")
    conn = connect_store(cfg.paths.db)
    prior = candidates.decision(conn, candidate)
    if prior is not None:
        conn.close()
        raise ReviewError(f"{candidate_key(candidate)!r} was already reviewed "
                          f"({prior['decision']} by {prior['decided_by']})")
    return conn
