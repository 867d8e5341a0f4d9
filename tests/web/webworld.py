"""A small, realistic (fictional) world for the workbench tests: a real SQLite index, a real record
store and page store, filled through their public write paths (``write_batch``, ``RecordStore``).

It includes hostile listings (``HOSTILE``): scraped text that tries to run script in the analyst's
browser or be evaluated by a template engine. Every page must show them as inert text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from index import open_index
from index.documents import CrawlVolume, IndexDoc, ObservationDoc, iso_week
from narcoscope.paths import REPO_ROOT, Paths
from narcoscope.records import Entity, Extraction, Listing, Observation, PriceDisplay, RawPage, Vendor
from store.pages import PageStore
from store.records_db import RecordStore

START = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)  # a Monday
WEEKS = 8
SHARED_KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQINBGbaronKEYdataXYZ\n-----END PGP PUBLIC KEY BLOCK-----"
CANDIDATE = "zylofenazine"
PWN = "window.__pwned=1"
HOSTILE = [
    f"<script>{PWN};alert('xss')</script>",
    f"<img src=x onerror=\"{PWN};alert(1)\">",
    f"<a href=\"javascript:{PWN}\">click me</a>",
    f"<svg onload=\"{PWN}\"><script>{PWN}</script></svg>",
    "<style>body{background:url(javascript:alert(1))}</style>"
    "<div style=\"background-image:url(javascript:alert(1))\">x</div>",
    f"</title><script>{PWN}</script><title>",
    "{{7*7}} ${7*7} {% raw %}#{7*7}",
    f"\"><iframe src=\"javascript:{PWN}\"></iframe>",
    f"<math><mtext><table><mglyph><style><img src=x onerror={PWN}>",
    f"javascript:{PWN}//",
]


@dataclass
class Spec:
    source: str
    lid: str
    title: str
    vendor: str
    substances: tuple[str, ...]
    classes: tuple[str, ...]
    ships_from: str
    prices: tuple[float, ...]  # USD per observed week, from week 0
    qty: float | None = 1.0
    description: str = ""
    candidates: tuple[str, ...] = ()
    ships_to: tuple[str, ...] = ("EU",)
    start_week: int = 0


LISTINGS = [
    Spec("alpha", "a1", "Bromazolam 1mg pellets x100", "ChemKing", ("bromazolam",), ("designer_benzodiazepine",),
         "NL", (100, 100, 95, 95, 90, 90, 88, 88), 0.1, "Pressed bromazolam pellets, lab tested, from NL."),
    Spec("bravo", "b1", "Bromazolam powder 1g", "ChemKing", ("bromazolam",), ("designer_benzodiazepine",),
         "NL", (60, 60, 60, 55, 55, 55), 1.0, "Pure bromazolam powder, 1 gram, stealth shipping.",
         start_week=2),
    Spec("alpha", "a2", "3-MMC crystals 5g", "NordicLab", ("3-mmc",), ("synthetic_cathinone",),
         "SE", (120, 118, 115, 115, 110, 110, 105, 100), 5.0, "3-MMC crystal, 5 grams, ships from Sweden."),
    Spec("bravo", "b2", "MDMA crystal 10g champagne", "BenzoBaron", ("mdma",), ("mdma_type",),
         "DE", (250, 250, 245, 240), 10.0, "Champagne MDMA, 10 g.", ships_to=("EU", "WW")),
    Spec("charlie", "c1", "Protonitazene 100mg", "BaronRx", ("protonitazene",), ("nitazene",),
         "CN", (300, 290, 280), 0.1, "Protonitazene research chemical 100mg.", ships_to=("WW",), start_week=5),
    Spec("charlie", "c2", "Bromazolam blotters 3mg x50", "BaronRx", ("bromazolam",), ("designer_benzodiazepine",),
         "GB", (80, 80, 78), None, "Bromazolam blotters.", start_week=5),
    Spec("alpha", "a3", f"New research chemical {CANDIDATE} 1g", "NordicLab", (), (), "SE", (70, 70, 70), 1.0,
         f"Fresh batch of {CANDIDATE}, a novel compound. Potent, start low.", candidates=(CANDIDATE,), start_week=4),
    Spec("bravo", "b3", f"{CANDIDATE.capitalize()} 500mg sample", "ChemKing", (), (), "NL", (45, 45), 0.5,
         f"Sample pack: {CANDIDATE} 500mg.", candidates=(CANDIDATE,), start_week=6),
    Spec("bravo", "f1", '=HYPERLINK("http://evil.example","cocaine deal")', "@SUM(1+1)",
         ("cocaine",), ("cocaine",),
         "ES", (75,), 1.0, "-2+3 cocaine formula probe", start_week=7),
    Spec("alpha", "a4", "Cocaine 1g fishscale", "ChemKing", ("cocaine",), ("cocaine",), "ES",
         (90, 90, 90, 85, 85, 85, 80, 80), 1.0, "Fishscale cocaine, 1 g."),
]
VENDOR_PROFILES = [
    Vendor("alpha", "ChemKing", "http://alphaxyz.onion/vendor/chemking", "4.9", "", "Top vendor", ("chemking@dm",)),
    Vendor("bravo", "ChemKing", "http://bravoxyz.onion/v/chemking", "4.8", "", "", ()),
    Vendor("alpha", "NordicLab", "http://alphaxyz.onion/vendor/nordiclab", "4.7", "", "", ()),
    Vendor("bravo", "BenzoBaron", "http://bravoxyz.onion/v/benzobaron", "4.5", SHARED_KEY, "", ()),
    Vendor("charlie", "BaronRx", "http://charliexyz.onion/u/baronrx", "4.2", SHARED_KEY, "", ()),
]


def test_paths(root: Path) -> Paths:
    """Paths under ``root``; the gazetteer dir links the repo's curated data, so confirmations stay in root."""
    gaz = root / "config" / "gazetteer"
    gaz.mkdir(parents=True, exist_ok=True)
    for name in ("curated.yaml", "substances.yaml"):
        src = REPO_ROOT / "config" / "gazetteer" / name
        if src.exists() and not (gaz / name).exists():
            (gaz / name).symlink_to(src)
    home = root / "home"
    home.mkdir(parents=True, exist_ok=True)
    return Paths(home=home, config=root / "config", index_url=f"sqlite:///{home / 'index.db'}")


def _page_html(title: str, description: str) -> bytes:
    # The stored page mimics the market's page (the real crawler stores it verbatim): scraped
    # text is embedded raw, so hostile listings give hostile evidence pages.
    return (f"<html><head><title>{title}</title><script>{PWN}</script></head><body><h1>{title}</h1>"
            f"<p class='desc'>{description}</p><div class='price'>see price</div>"
            f"<a href='javascript:{PWN}'>buy</a></body></html>").encode()


def _entities(spec: Spec) -> tuple[Entity, ...]:
    out = []
    for fld, text in (("title", spec.title), ("description", spec.description)):
        low = text.lower()
        for sid in spec.substances:
            needle = sid.split("-")[-1] if sid == "3-mmc" else sid
            at = low.find(needle if sid != "3-mmc" else "3-mmc")
            if at >= 0:
                out.append(Entity("SUBSTANCE", text[at:at + len(needle if sid != "3-mmc" else "3-mmc")], at,
                                  at + len(needle if sid != "3-mmc" else "3-mmc"), fld, sid))
        for cand in spec.candidates:
            at = low.find(cand)
            if at >= 0:
                out.append(Entity("NPS_CANDIDATE", text[at:at + len(cand)], at, at + len(cand), fld, cand))
    return tuple(out)


def write_listing(store: RecordStore, pages: PageStore, spec: Spec, week: int, price: float,
                  docs: list[IndexDoc], obs: list[ObservationDoc], first_seen: datetime | None = None) -> str:
    when = START + timedelta(weeks=week)
    price_text = f"${price:.2f}"
    body = _page_html(spec.title, spec.description)
    digest = pages.put(body + f"<!-- week {week} -->".encode())
    crawl_id = f"{spec.source}-w{week}"
    store.add_page(RawPage(url=f"http://{spec.source}xyz.onion/listing/{spec.lid}", source=spec.source,
                           fetched_at=when, observed_at=when, status=200, headers={}, digest=digest,
                           kind="listing", crawl_id=crawl_id))
    listing = Listing(source=spec.source, listing_id=spec.lid, url=f"http://{spec.source}xyz.onion/listing/{spec.lid}",
                      title=spec.title, description=spec.description, vendor=spec.vendor,
                      prices=(PriceDisplay(price_text, f"{spec.qty} g" if spec.qty else ""),),
                      ships_from=spec.ships_from, ships_to=" ".join(spec.ships_to), page_digest=digest)
    doc_id = store.upsert_listing(listing, when)
    o = Observation(doc_id, when, price_text, digest, crawl_id)
    store.add_observation(o)
    store.put_extraction(Extraction(
        doc_id=doc_id, extractor_version="test-1", entities=_entities(spec), substances=spec.substances,
        classes=spec.classes, candidates=spec.candidates, ships_from=spec.ships_from, ships_to=spec.ships_to,
        price_amount=price, price_currency="USD", price_usd=price, quantity_g=spec.qty, lang="en",
        vendor=spec.vendor), when)
    docs.append(IndexDoc(
        doc_id=doc_id, kind="listing", source=spec.source, source_kind="market", url=listing.url,
        title=spec.title, body=spec.description, first_seen=first_seen or when, last_seen=when,
        vendor=spec.vendor, substances=list(spec.substances), classes=list(spec.classes),
        candidates=list(spec.candidates), ships_from=spec.ships_from, ships_to=list(spec.ships_to),
        price_usd=price, price_display=price_text, price_amount=price, currency="USD", quantity_g=spec.qty,
        lang="en", page_digest=digest))
    obs.append(ObservationDoc(obs_id=o.obs_id, doc_id=doc_id, observed_at=when, source=spec.source,
                              vendor=spec.vendor, substances=list(spec.substances), classes=list(spec.classes),
                              ships_from=spec.ships_from, price_usd=price))
    return doc_id


# (no "*": the query language rejects it even inside quotes, so such a name is not searchable)
HOSTILE_VENDOR = f"<img src=x onerror={PWN}>/../{{{{config}}}}"


def hostile_specs() -> list[Spec]:
    return [Spec("alpha", f"h{i}", f"hostile-probe {p}", HOSTILE_VENDOR if i == 1 else "ChemKing", ("bromazolam",),
                 ("designer_benzodiazepine",), "NL", (10 + i,), 1.0, f"bromazolam hostile-probe body {p} end",
                 start_week=7)
            for i, p in enumerate(HOSTILE)]


def build_world(paths: Paths) -> dict[str, str]:
    """Fill the index, record store and page store; returns doc ids by listing key."""
    store, pages = RecordStore(paths.db), PageStore(paths.pages)
    idx = open_index(paths.index_url)
    ids: dict[str, str] = {}
    try:
        for spec in [*LISTINGS, *hostile_specs()]:
            docs: list[IndexDoc] = []
            obs: list[ObservationDoc] = []
            first = START + timedelta(weeks=spec.start_week)
            for n, price in enumerate(spec.prices):
                ids[spec.lid] = write_listing(store, pages, spec, spec.start_week + n, price, docs, obs, first)
            idx.write_batch([docs[-1]], obs)
        for v in VENDOR_PROFILES:
            v.page_digest = pages.put(f"<html><body><h1>{html.escape(v.name)}</h1></body></html>".encode())
            store.upsert_vendor(v, START)
        volumes = []
        for source in ("alpha", "bravo", "charlie"):
            for week in range(WEEKS):
                when = START + timedelta(weeks=week)
                crawl_id = f"{source}-w{week}"
                store.begin_crawl(crawl_id, source, when, when)
                stats = {"narcoscope/evidence/pages": 40, "narcoscope/blocked": 3 if source == "charlie" else 0,
                         "narcoscope/items/listing": 12, "log_count/ERROR": 2 if source == "charlie" else 0}
                store.finish_crawl(crawl_id, "finished", when + timedelta(hours=1), stats)
                volumes.append(CrawlVolume(source, iso_week(when), 40, 12))
        idx.write_batch([], [], volumes)
        store.commit()
    finally:
        store.close()
        idx.close()
    return ids


def add_new_activity(paths: Paths) -> None:
    """A later crawl: a new bromazolam vendor on a new market, and a price drop on listing a2."""
    store, pages = RecordStore(paths.db), PageStore(paths.pages)
    idx = open_index(paths.index_url)
    try:
        docs: list[IndexDoc] = []
        obs: list[ObservationDoc] = []
        new = Spec("delta", "d1", "Bromazolam 2mg tabs x200", "FreshBenz", ("bromazolam",),
                   ("designer_benzodiazepine",), "PL", (150,), None, "Bromazolam tablets, new vendor.")
        write_listing(store, pages, new, WEEKS, 150, docs, obs)
        drop = next(s for s in LISTINGS if s.lid == "a2")
        write_listing(store, pages, drop, WEEKS, 50, docs, obs, START)
        idx.write_batch(docs, obs)
        store.commit()
    finally:
        store.close()
        idx.close()
