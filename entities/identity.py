"""Reading identities back: a vendor's accounts across markets, aliases, and the evidence for each link."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from entities import names


@dataclass(slots=True)
class Identity:
    """One seller as narcoscope sees it: accounts joined by strong evidence, plus weak hints."""

    identity_id: str
    accounts: list[dict[str, Any]]
    strong: list[dict[str, Any]] = field(default_factory=list)
    weak: list[dict[str, Any]] = field(default_factory=list)  # name links to accounts of *other* identities too

    @property
    def markets(self) -> list[str]:
        return sorted({a["source"] for a in self.accounts})

    @property
    def aliases(self) -> list[str]:
        return sorted({a["name"] for a in self.accounts}, key=str.casefold)

    def as_dict(self) -> dict[str, Any]:
        return {"identity_id": self.identity_id, "markets": self.markets, "aliases": self.aliases,
                "accounts": self.accounts, "strong_evidence": self.strong, "weak_evidence": self.weak}


def _account(row: sqlite3.Row) -> dict[str, Any]:
    return {k: row[k] for k in ("vendor_id", "source", "name", "fingerprint", "page_digest", "first_seen",
                                "last_seen")}


def _link(row: sqlite3.Row, names_by_id: dict[str, str]) -> dict[str, Any]:
    out = {k: row[k] for k in ("kind", "value", "tier", "vendor_a", "vendor_b", "source_a", "source_b",
                               "digest_a", "digest_b", "detail", "linked_at")}
    out["name_a"], out["name_b"] = names_by_id.get(row["vendor_a"], "?"), names_by_id.get(row["vendor_b"], "?")
    return out


def load_identity(db: sqlite3.Connection, identity_id: str) -> Identity:
    rows = db.execute("SELECT v.* FROM vendor_identities i JOIN entity_vendors v USING(vendor_id)"
                      " WHERE i.identity_id = ? ORDER BY v.source, v.name", (identity_id,)).fetchall()
    ident = Identity(identity_id, [_account(r) for r in rows])
    ids = [r["vendor_id"] for r in rows]
    marks = ",".join("?" * len(ids))
    links = db.execute(f"SELECT * FROM vendor_links WHERE vendor_a IN ({marks}) OR vendor_b IN ({marks})"
                       " ORDER BY tier, kind, value", (*ids, *ids)).fetchall()
    others = {x for r in links for x in (r["vendor_a"], r["vendor_b"])} - set(ids)
    names_by_id = {r["vendor_id"]: r["name"] for r in rows}
    if others:
        omarks = ",".join("?" * len(others))
        names_by_id.update({r[0]: r[1] for r in db.execute(
            f"SELECT vendor_id, name FROM entity_vendors WHERE vendor_id IN ({omarks})", tuple(others))})
    for r in links:
        (ident.strong if r["tier"] == "strong" else ident.weak).append(_link(r, names_by_id))
    return ident


def find(db: sqlite3.Connection, name: str, market: str | None = None) -> list[Identity]:
    """Identities having an account called ``name`` (case-insensitive), optionally on ``market``."""
    sql = ("SELECT DISTINCT i.identity_id FROM entity_vendors v JOIN vendor_identities i USING(vendor_id)"
           " WHERE lower(v.name) = lower(?)" + (" AND v.source = ?" if market else ""))
    params: tuple[str, ...] = (name, market) if market else (name,)
    rows = db.execute(sql, params).fetchall()
    if not rows:  # sqlite's lower() is ASCII-only: fall back to Python's casefold
        key = names.exact_key(name)
        rows = [r for r in db.execute("SELECT v.name, v.source, i.identity_id FROM entity_vendors v"
                                      " JOIN vendor_identities i USING(vendor_id)")
                if names.exact_key(r["name"]) == key and (not market or r["source"] == market)]
    return [load_identity(db, r["identity_id"]) for r in rows]


def suggestions(db: sqlite3.Connection, name: str, limit: int = 8) -> list[str]:
    """Account names close to ``name``, for a "did you mean" line."""
    from rapidfuzz import process

    choices = sorted({f"{r[0]} ({r[1]})" for r in db.execute("SELECT name, source FROM entity_vendors")})
    return [c for c, score, _ in process.extract(name, choices, limit=limit) if score >= 60]


def linked_identities(db: sqlite3.Connection) -> list[sqlite3.Row]:
    """Identities with more than one account: id, number of accounts and markets, names."""
    return db.execute(
        "SELECT i.identity_id, count(*) AS accounts, count(DISTINCT v.source) AS markets,"
        " group_concat(v.name || ' (' || v.source || ')', ', ') AS names"
        " FROM vendor_identities i JOIN entity_vendors v USING(vendor_id)"
        " GROUP BY i.identity_id HAVING count(*) > 1 ORDER BY accounts DESC, names").fetchall()
