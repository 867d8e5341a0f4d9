"""The detail views — listing, vendor, substance, market — assembled from the index (through its
interface only) and the record store (price history, extractions, vendor profiles, evidence).
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections import defaultdict
from datetime import datetime
from typing import Any

from index.base import FACET_FIELDS, SearchRequest, WeeklyAggregation
from index.documents import iso_week, parse_time, to_json
from web import gazetteer
from web.data import DataAccess
from web.search import hit_json, quote

RECENT = 25
# A displayed price: symbol or code before or after a number ("$120.00", "0.0021 BTC", "95 €").
_CURRENCY = {"$": "USD", "€": "EUR", "£": "GBP", "usd": "USD", "eur": "EUR", "gbp": "GBP", "btc": "BTC",
             "xmr": "XMR", "ltc": "LTC", "eth": "ETH", "cad": "CAD", "aud": "AUD", "chf": "CHF"}
_SYM = r"(\$|€|£|usd|eur|gbp|btc|xmr|ltc|eth|cad|aud|chf)"
_PRICE = re.compile(rf"{_SYM}\s?(\d[\d,]*(?:\.\d+)?)|(\d[\d,]*(?:\.\d+)?)\s?{_SYM}(?!\w)", re.I)


def parse_price(text: str) -> tuple[float | None, str]:
    """Amount and currency of the first price in a displayed price text (for charting history).

    Deliberately small: the extractor's full parser (nlp) loads spaCy, too heavy for the web process.
    """
    m = _PRICE.search(text or "")
    if not m:
        return None, ""
    sym, num = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
    try:
        return float(num.replace(",", "")), _CURRENCY[sym.lower()]
    except ValueError:
        return None, ""


def _rows(rows: list[Any]) -> list[dict[str, Any]]:
    return [dict(r) for r in rows]


def facets_for(data: DataAccess, query: str, size: int = RECENT) -> dict[str, Any]:
    """Facet counts and the newest matches for one query."""
    req = SearchRequest(query=query, sort="newest", size=size, facets=list(FACET_FIELDS))
    res = data.index().search(req)
    return {
        "query": query, "total": res.total, "total_is_lower_bound": res.total_is_lower_bound,
        "facets": {k: [{"value": v, "count": n} for v, n in c] for k, c in res.facets.items()},
        "recent": [hit_json(h) for h in res.hits],
    }


def weekly_json(agg: WeeklyAggregation) -> dict[str, Any]:
    return {
        "by": agg.by, "weeks": agg.weeks(),
        "rows": [{"week": r.week, "key": r.key, "observations": r.observations, "listings": r.listings,
                  "vendors": r.vendors, "markets": r.markets} for r in agg.rows],
        "totals": [{"week": t.week, "crawl_pages": t.crawl_pages, "crawl_listings": t.crawl_listings,
                    "observations": t.observations, "observed_listings": t.observed_listings}
                   for t in agg.totals],
    }


# listing --------------------------------------------------------------------------------------
def listing_detail(data: DataAccess, doc_id: str) -> dict[str, Any] | None:
    doc = data.index().get(doc_id)
    rec = data.query("SELECT * FROM listings WHERE doc_id = ?", (doc_id,))
    post = [] if rec else data.query("SELECT * FROM posts WHERE doc_id = ?", (doc_id,))
    if doc is None and not rec and not post:
        return None
    record = _listing_record(dict(rec[0])) if rec else (dict(post[0]) if post else None)
    ext = data.query("SELECT extractor_version, extracted_at, data FROM extractions WHERE doc_id = ?", (doc_id,))
    extraction = json.loads(ext[0]["data"]) if ext else None
    if extraction is not None:
        extraction["extracted_at"] = ext[0]["extracted_at"]
    observations = _rows(data.query(
        "SELECT observed_at, price_text, page_digest, crawl_id FROM observations WHERE doc_id = ? "
        "ORDER BY observed_at", (doc_id,)))
    for obs in observations:
        obs["amount"], obs["currency"] = parse_price(obs["price_text"])
    digests = {o["page_digest"] for o in observations if o["page_digest"]}
    if record and record.get("page_digest"):
        digests.add(record["page_digest"])
    return {
        "doc_id": doc_id,
        "doc": to_json(doc) if doc else None,
        "record": record,
        "extraction": extraction,
        "observations": observations,
        "evidence": _evidence_pages(data, digests),
    }


def _listing_record(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("category", "prices", "extra"):
        row[key] = json.loads(row[key]) if row.get(key) else None
    return row


def _evidence_pages(data: DataAccess, digests: set[str]) -> list[dict[str, Any]]:
    if not digests:
        return []
    marks = ",".join("?" * len(digests))
    rows = _rows(data.query(
        f"SELECT digest, url, source, kind, status, fetched_at, observed_at, blocked, crawl_id FROM pages "
        f"WHERE digest IN ({marks}) ORDER BY fetched_at DESC", tuple(sorted(digests))))
    seen = {r["digest"] for r in rows}
    rows += [{"digest": d, "url": "", "source": "", "kind": "", "status": None, "fetched_at": None,
              "observed_at": None, "blocked": None, "crawl_id": ""} for d in sorted(digests - seen)]
    for r in rows:
        r["stored"] = r["digest"] in data.pages
    return rows


# vendor ---------------------------------------------------------------------------------------
def key_digest(pgp_key: str) -> str:
    """A short, stable digest of a PGP key block (whitespace-insensitive) to compare and show."""
    body = "".join(pgp_key.split())
    return hashlib.sha256(body.encode("utf-8")).hexdigest()[:16].upper() if body else ""


def vendor_detail(data: DataAccess, name: str) -> dict[str, Any]:
    profiles = _rows(data.query(
        "SELECT vendor_id, source, name, rating, pgp_key, contacts, page_digest, first_seen, last_seen "
        "FROM vendors WHERE name = ? COLLATE NOCASE ORDER BY source", (name,)))
    keys: dict[str, str] = {}
    for p in profiles:
        p["key_digest"] = key_digest(p.pop("pgp_key") or "")
        p["contacts"] = json.loads(p["contacts"] or "[]")
        if p["key_digest"]:
            keys[p["key_digest"]] = p["source"]
    aliases = _aliases(data, name, set(keys))
    found = facets_for(data, f"vendor:{quote(name)}")
    activity = weekly_json(data.index().weekly("source", query=f"vendor:{quote(name)}"))
    markets = sorted({p["source"] for p in profiles} | {f["value"] for f in found["facets"].get("source", [])})
    return {"name": name, "profiles": profiles, "aliases": aliases, "markets": markets,
            "activity": activity, **found}


def _aliases(data: DataAccess, name: str, digests: set[str]) -> list[dict[str, Any]]:
    """Other vendor names linked by evidence: the same PGP key published under another name."""
    if not digests:
        return []
    out = []
    for row in data.query("SELECT source, name, pgp_key, page_digest FROM vendors WHERE pgp_key != '' "
                          "AND name != ? COLLATE NOCASE", (name,)):
        digest = key_digest(row["pgp_key"])
        if digest in digests:
            out.append({"name": row["name"], "source": row["source"], "page_digest": row["page_digest"],
                        "evidence": "shared PGP key", "key_digest": digest})
    return out


# substance ------------------------------------------------------------------------------------
def substance_detail(data: DataAccess, sid: str) -> dict[str, Any]:
    gz = gazetteer.load(data.paths.config / "gazetteer")
    info = gz.substances.get(sid)
    query = f"substance:{quote(sid)}"
    found = facets_for(data, query)
    trend = weekly_json(data.index().weekly("source", query=query))
    first_week = next((r["week"] for r in trend["rows"] if r["observations"]), None)
    return {
        "id": sid, "known": info is not None,
        "name": info.name if info else sid,
        "class": info.cls if info else "", "class_label": info.class_label if info else "",
        "nps": info.nps if info else None, "confirmed": info.confirmed if info else False,
        "synonyms": info.synonyms[:200] if info else [],
        "first_seen_week": first_week,
        "listings_over_time": trend,
        "price_per_gram": price_per_gram(data, query),
        **found,
    }


def price_per_gram(data: DataAccess, query: str, sample: int = 500) -> list[dict[str, Any]]:
    """Weekly median USD per gram over the newest ``sample`` matches with a price and a quantity.

    The week of each record-store observation counts (the listing's price as last extracted);
    documents without observations count in the week they were last seen.
    """
    req = SearchRequest(query=f"({query}) AND quantity_g:>0 AND price_usd:>0", sort="newest", size=sample)
    docs = [h.doc for h in data.index().search(req).hits]
    ppg = {d.doc_id: d.price_usd / d.quantity_g for d in docs if d.price_usd and d.quantity_g}
    weeks: dict[str, list[float]] = defaultdict(list)
    seen: set[str] = set()
    ids = list(ppg)
    for start in range(0, len(ids), 400):
        chunk = ids[start : start + 400]
        sql = f"SELECT doc_id, observed_at FROM observations WHERE doc_id IN ({','.join('?' * len(chunk))})"
        for row in data.query(sql, tuple(chunk)):
            weeks[iso_week(datetime.fromisoformat(row["observed_at"]))].append(ppg[row["doc_id"]])
            seen.add(row["doc_id"])
    for d in docs:
        if d.doc_id in ppg and d.doc_id not in seen:
            weeks[iso_week(d.last_seen)].append(ppg[d.doc_id])
    return [{"week": w, "median_usd_per_g": round(statistics.median(v), 2), "n": len(v)}
            for w, v in sorted(weeks.items())]


# market ---------------------------------------------------------------------------------------
def market_detail(data: DataAccess, name: str) -> dict[str, Any]:
    query = f"market:{quote(name)}"
    found = facets_for(data, query)
    trend = weekly_json(data.index().weekly("class", query=query))
    return {"name": name, "trend_by_class": trend, **found}


def latest_seen(data: DataAccess) -> datetime | None:
    """The newest last_seen in the index: "now" for rules about recent days in simulated data."""
    res = data.index().search(SearchRequest(sort="last_seen", size=1))
    return parse_time(to_json(res.hits[0].doc)["last_seen"]) if res.hits else None
