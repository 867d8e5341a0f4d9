"""A small synthetic index for unit tests: 16 weeks, three markets, hostile scraped strings."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from index import CrawlVolume, IndexDoc, ObservationDoc, open_index
from index.documents import iso_week

START = datetime(2026, 1, 5, 12, tzinfo=timezone.utc)  # Monday of 2026-W02
WEEKS = 16
HOSTILE_TITLE = '<script>alert("t")</script> ](javascript:alert(1)) *bold* | $\\frac{x}$'
HOSTILE_VENDOR = "<img src=x onerror=alert(1)>"
HOSTILE_CANDIDATE = "4F-<b>X</b>-PINACA$"
SUBSTANCES = (("3-mmc", "synthetic_cathinone"), ("ketamine", "arylcyclohexylamine"),
              ("hhc", "semi_synthetic_cannabinoid"),
              ("2c-b", "phenethylamine"), ("isotonitazene", "nitazene"))


def _doc(i: int, week: int, last: int, source: str, sub: str, cls: str, **kw: object) -> IndexDoc:
    base = {
        "doc_id": f"syn-{i}", "kind": "listing", "source": source, "source_kind": "market",
        "url": f"http://{source}abcdefghijklmnop.onion/item/{i}", "title": f"1g {sub} premium", "body": "fast stealth",
        "first_seen": START + timedelta(weeks=week), "last_seen": START + timedelta(weeks=last),
        "vendor": f"vendor{i % 7}", "substances": [sub], "classes": [cls], "ships_from": ("NL", "DE", "PL")[i % 3],
        "ships_to": ["WW"], "price_usd": 20.0 + i % 9, "quantity_g": 1.0, "lang": "en", "page_digest": f"{i:064x}",
    }
    base.update(kw)
    return IndexDoc(**base)  # type: ignore[arg-type]


def listings() -> list[IndexDoc]:
    docs = []
    i = 0
    for sub, cls in SUBSTANCES:
        for k in range(6):
            docs.append(_doc(i, 0, WEEKS - 1, ("alpha", "beta", "gamma")[k % 3], sub, cls))
            i += 1
    # A new substance from week 13, two vendors on two markets, one hostile title and vendor.
    for k in range(4):
        docs.append(_doc(i, 13, WEEKS - 1, ("alpha", "beta")[k % 2], "bromazolam", "designer_benzodiazepine",
                         vendor=HOSTILE_VENDOR if k == 0 else f"benzo{k}",
                         title=HOSTILE_TITLE if k == 0 else "bromazolam 1mg",
                         units=20.0, quantity_g=None, price_usd=30.0 + k))
        i += 1
    # A candidate name no gazetteer knows, from week 14 on two markets.
    for k in range(3):
        docs.append(_doc(i, 14, WEEKS - 1, ("beta", "gamma", "beta")[k], "hhc", "semi_synthetic_cannabinoid",
                         candidates=[HOSTILE_CANDIDATE], title=f"{HOSTILE_CANDIDATE} 1g", vendor=f"spice{k}"))
        i += 1
    # Market gamma disappears from week 10 (its listings end there).
    docs.append(_doc(i, 0, 9, "gamma", "3-mmc", "synthetic_cathinone"))
    return docs


def observations(docs: list[IndexDoc]) -> list[ObservationDoc]:
    out = []
    for d in docs:
        week = int((d.first_seen - START).days // 7)
        last = int((d.last_seen - START).days // 7)
        for w in range(week, last + 1):
            if d.source == "gamma" and w >= 10:
                continue
            out.append(ObservationDoc(f"{d.doc_id}-{w}", d.doc_id, START + timedelta(weeks=w), d.source, d.vendor,
                                      d.substances, d.classes, d.ships_from, d.price_usd))
    return out


def build(path: Path) -> str:
    """Write the synthetic index at ``path``; returns its URL."""
    url = f"sqlite:///{path}"
    docs = listings()
    obs = observations(docs)
    volumes: dict[tuple[str, str], int] = {}
    for o in obs:
        key = (o.source, iso_week(o.observed_at))
        volumes[key] = volumes.get(key, 0) + 1
    idx = open_index(url)
    try:
        idx.write_batch(docs, obs, [CrawlVolume(s, w, n * 2, n) for (s, w), n in volumes.items()])
    finally:
        idx.close()
    return url


def last_monday() -> datetime:
    return START + timedelta(weeks=WEEKS - 1)
