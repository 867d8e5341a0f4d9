"""Links between vendor accounts, and identities as connected groups of strongly linked accounts.

Tiers, and why:

* **strong** — a shared PGP fingerprint (only the key's owner can use the key) or a shared contact
  handle (buyers are sent to it). Identities are the connected components over these links.
* **weak** — the same name on two markets, or a similar name. Names are free to copy, so these are
  shown as "possibly the same seller" and never merge identities.

A contact handle shared by more than ``MAX_SHARED_CONTACT`` accounts is a market's or a service's
address, not a seller's: its links are filed as weak (``contact_shared``) instead.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections import defaultdict
from dataclasses import dataclass

from entities import names
from narcoscope.records import stable_id

MAX_SHARED_CONTACT = 6
MAX_PAIRS_GROUP = 40  # above this, a group is chained (a star), not fully paired: same components


@dataclass(frozen=True, slots=True)
class Account:
    vendor_id: str
    source: str
    name: str
    digest: str


@dataclass(frozen=True, slots=True)
class Link:
    kind: str
    value: str
    a: Account
    b: Account
    tier: str
    detail: str = ""


def load_accounts(db: sqlite3.Connection) -> dict[str, Account]:
    return {r["vendor_id"]: Account(r["vendor_id"], r["source"], r["name"], r["page_digest"])
            for r in db.execute("SELECT vendor_id, source, name, page_digest FROM entity_vendors")}


def _pairs(members: list[str]) -> list[tuple[str, str]]:
    members = sorted(set(members))
    if len(members) <= MAX_PAIRS_GROUP:
        return list(itertools.combinations(members, 2))
    return [(members[0], m) for m in members[1:]]


def handle_links(db: sqlite3.Connection, accounts: dict[str, Account]) -> list[Link]:
    """Links from shared fingerprints and contact handles, with the digest of the page each was on."""
    groups: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for r in db.execute("SELECT vendor_id, kind, value, page_digest FROM vendor_handles ORDER BY first_seen"):
        groups[(r["kind"], r["value"])].setdefault(r["vendor_id"], r["page_digest"])
    links = []
    for (kind, value), members in groups.items():
        if len(members) < 2:
            continue
        if kind == "pgp":
            link_kind, tier, shown = "pgp", "strong", value
        else:
            shared = len(members) > MAX_SHARED_CONTACT
            link_kind, tier = ("contact_shared", "weak") if shared else ("contact", "strong")
            shown = f"{kind}:{value}"
        for a, b in _pairs(list(members)):
            if a in accounts and b in accounts:
                acc_a = _with_digest(accounts[a], members[a])
                acc_b = _with_digest(accounts[b], members[b])
                links.append(Link(link_kind, shown, acc_a, acc_b, tier,
                                  f"{len(members)} accounts" if len(members) > 2 else ""))
    return links


def _with_digest(acc: Account, digest: str) -> Account:
    return Account(acc.vendor_id, acc.source, acc.name, digest or acc.digest)


def name_links(accounts: dict[str, Account]) -> list[Link]:
    """Weak links: the same name on another market, or a similar name on any market."""
    by_loose: dict[str, list[Account]] = defaultdict(list)
    for acc in accounts.values():
        by_loose[names.loose_key(acc.name)].append(acc)
    links: list[Link] = []
    seen: set[tuple[str, str]] = set()

    def add(a: Account, b: Account) -> None:
        if a.vendor_id > b.vendor_id:
            a, b = b, a
        if (a.vendor_id, b.vendor_id) in seen or a.vendor_id == b.vendor_id:
            return
        if names.exact_key(a.name) == names.exact_key(b.name):
            if a.source != b.source:
                seen.add((a.vendor_id, b.vendor_id))
                links.append(Link("name", names.exact_key(a.name), a, b, "weak"))
        elif names.similar(a.name, b.name):
            seen.add((a.vendor_id, b.vendor_id))
            links.append(Link("name_similar", f"{a.name} ~ {b.name}", a, b, "weak"))

    for group in by_loose.values():
        for a, b in itertools.combinations(group, 2):
            add(a, b)
    # one edit apart but different loose keys: compare within blocks sharing a 4-letter prefix or suffix
    blocks: dict[str, list[tuple[str, Account]]] = defaultdict(list)
    for key, group in by_loose.items():
        if len(key) >= names.MIN_SIMILAR_LEN:
            blocks["<" + key[:4]].append((key, group[0]))
            blocks[">" + key[-4:]].append((key, group[0]))
    for block in blocks.values():
        for (ka, a), (kb, b) in itertools.combinations(block, 2):
            if ka != kb and names.similar(a.name, b.name):
                for x in by_loose[ka]:
                    for y in by_loose[kb]:
                        add(x, y)
    return links


def store_links(db: sqlite3.Connection, links: list[Link], now: str) -> int:
    """Insert new evidence (existing evidence keeps its first ``linked_at``); returns how many were new."""
    new = 0
    for link in links:
        a, b = (link.a, link.b) if link.a.vendor_id < link.b.vendor_id else (link.b, link.a)
        cur = db.execute(
            "INSERT OR IGNORE INTO vendor_links VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (link.kind, link.value, a.vendor_id, b.vendor_id, link.tier, a.source, b.source, a.digest, b.digest,
             link.detail, now))
        new += cur.rowcount
    return new


class UnionFind:
    """Disjoint sets with path halving and union by size."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}
        self.size: dict[str, int] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        self.size.setdefault(x, 1)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


def rebuild_identities(db: sqlite3.Connection) -> dict[str, int]:
    """Recompute every account's identity from the strong links (cheap: one pass over the links)."""
    uf = UnionFind()
    for r in db.execute("SELECT vendor_id FROM entity_vendors"):
        uf.find(r[0])
    for r in db.execute("SELECT vendor_a, vendor_b FROM vendor_links WHERE tier = 'strong'"):
        uf.union(r[0], r[1])
    members: dict[str, list[str]] = defaultdict(list)
    for vid in uf.parent:
        members[uf.find(vid)].append(vid)
    db.execute("DELETE FROM vendor_identities")
    rows = []
    for group in members.values():
        ident = stable_id("identity", min(group))
        rows += [(vid, ident) for vid in group]
    db.executemany("INSERT INTO vendor_identities VALUES (?, ?)", rows)
    return {"identities": len(members), "linked_identities": sum(1 for g in members.values() if len(g) > 1)}
