# ruff: noqa: E501  (one document per line reads better than wrapped rows)
"""A fixed, hand-written corpus of 50 documents (40 listings, 10 forum posts) for the contract suite.

Rows: id, source, title, body, vendor, substances, classes, ships_from, ships_to, price_usd, lang,
first-seen day, last-seen day (days after BASE). Expected results in test_contract.py were worked
out by hand from this table.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from index.documents import CrawlVolume, IndexDoc, ObservationDoc, iso_week

BASE = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)  # a Monday
S, OP, P, D = "stimulant", "opioid", "psychedelic", "dissociative"

ROWS: list[tuple] = [
    ("L01", "alpha", "Peruvian cocaine 1g", "pure fishscale cocaine, vacuum sealed", "DutchQuality", ["cocaine"], [S], "NL", ["EU", "WW"], 80.0, "en", 0, 20),
    ("L02", "alpha", "Cocaine 5g bulk deal", "uncut cocaine from the source", "DutchQuality", ["cocaine"], [S], "NL", ["EU"], 350.0, "en", 1, 30),
    ("L03", "bravo", "Colombian coke 2g", "strong cocaine, tracked shipping", "snowman", ["cocaine"], [S], "DE", ["EU", "US"], 150.0, "en", 2, 9),
    ("L04", "bravo", "Crystal meth shards 1g", "clear crystal meth, very strong", "icecold", ["methamphetamine"], [S], "US", ["US"], 60.0, "en", 3, 40),
    ("L05", "alpha", "MDMA crystal 1g", "champagne mdma crystal, lab tested", "molly_uk", ["mdma"], ["entactogen"], "GB", ["GB", "EU"], 35.0, "en", 4, 10),
    ("L06", "alpha", "Ecstasy pills x10", "strong ecstasy pills 200mg mdma", "molly_uk", ["mdma"], ["entactogen"], "GB", ["GB"], 45.0, "en", 5, 12),
    ("L07", "bravo", "Heroin no4 1g", "white heroin, sample available", "dragon", ["heroin"], [OP], "NL", ["EU"], 90.0, "en", 6, 50),
    ("L08", "bravo", "Brown heroin 5g", "brown heroin bulk", "dragon", ["heroin"], [OP], "NL", ["EU"], 300.0, "en", 7, 8),
    ("L09", "alpha", "Ketamine shards 5g", "needle point ketamine shards", "kpax", ["ketamine"], [D], "DE", ["EU", "WW"], 120.0, "en", 8, 60),
    ("L10", "alpha", "Ketamine sample 0.5g", "ketamine sample pack", "kpax", ["ketamine"], [D], "DE", ["EU"], 15.0, "en", 9, 11),
    ("L11", "bravo", "MDMB-4en-PINACA 10g", "synthetic cannabinoid powder mdmb-4en-pinaca", "labchem", ["mdmb-4en-pinaca"], ["synthetic_cannabinoid"], "CN", ["WW"], 200.0, "en", 10, 70),
    ("L12", "bravo", "MDMB-CHMICA research chemical", "mdmb-chmica, lab grade", "labchem", ["mdmb-chmica"], ["synthetic_cannabinoid"], "CN", ["WW"], 180.0, "en", 11, 13),
    ("L13", "alpha", "LSD tabs 10x 150ug", "blotter lsd tabs, hofmann design", "acidhouse", ["lsd"], [P], "NL", ["WW"], 70.0, "en", 12, 80),
    ("L14", "alpha", "Magic mushrooms 28g", "psilocybin mushrooms golden teacher", "shroomer", ["psilocybin"], [P], "NL", ["EU"], 110.0, "en", 13, 20),
    ("L15", "bravo", "Xanax bars 2mg x30", "alprazolam bars, pressed", "benzobob", ["alprazolam"], ["benzodiazepine"], "US", ["US"], 65.0, "en", 14, 15),
    ("L16", "bravo", "Oxycodone 30mg x20", "oxy pills, pharma grade", "benzobob", ["oxycodone"], [OP], "US", ["US", "CA"], 400.0, "en", 15, 90),
    ("L17", "alpha", "Speed paste 10g", "amphetamine paste, strong", "speedy", ["amphetamine"], [S], "DE", ["EU"], 50.0, "en", 16, 17),
    ("L18", "alpha", "Amphetamine sulphate 5g", "amphetamine powder", "speedy", ["amphetamine"], [S], "PL", ["EU"], 25.0, "en", 17, 30),
    ("L19", "bravo", "Cannabis kush 7g", "indoor kush cannabis", "greenleaf", ["cannabis"], ["cannabinoid"], "ES", ["EU"], 55.0, "en", 18, 19),
    ("L20", "bravo", "Hash 10g", "moroccan hash", "greenleaf", ["cannabis"], ["cannabinoid"], "ES", ["EU"], 60.0, "en", 19, 100),
    ("L21", "alpha", "Cocaine and heroin speedball kit", "cocaine plus heroin combo", "dragon", ["cocaine", "heroin"], [S, OP], "NL", ["EU"], 250.0, "en", 20, 25),
    ("L22", "alpha", "<script>alert('x')</script> cocaine", "hostile title & body <b>bold</b> cocaine", "evil", ["cocaine"], [S], "XX", [], None, "en", 21, 21),
    ("L23", "bravo", "Fentanyl powder 1g", "fentanyl, dangerous", "darkchem", ["fentanyl"], [OP], "CN", ["US"], 500.0, "en", 22, 23),
    ("L24", "bravo", "2C-B pills x10", "2c-b pink pills", "acidhouse", ["2c-b"], [P], "NL", ["EU"], 40.0, "en", 23, 24),
    ("L25", "alpha", "Cocaine sample 0.2g", "cocaine sample, fishscale", "snowman", ["cocaine"], [S], "DE", ["EU"], 20.0, "en", 24, 26),
    ("L26", "alpha", "DMT vape cart", "dmt cartridge 1ml", "spirit", ["dmt"], [P], "WW", ["WW"], 75.0, "en", 25, 27),
    ("L27", "bravo", "Methamphetamine 3.5g", "methamphetamine crystal shards", "icecold", ["methamphetamine"], [S], "US", ["US"], 140.0, "en", 26, 28),
    ("L28", "bravo", "Cocaine 10g wholesale", "cocaine wholesale price", "snowman", ["cocaine"], [S], "DE", ["EU"], 650.0, "en", 27, 29),
    ("L29", "alpha", "Ketamine 1g", "ketamine crystals", "kpax", ["ketamine"], [D], "DE", ["EU"], 30.0, "en", 28, 30),
    ("L30", "alpha", "Mephedrone 4-MMC 5g", "mephedrone crystal", "labchem", ["mephedrone"], ["cathinone"], "CN", ["EU"], 95.0, "en", 29, 31),
    ("L31", "charlie", "Cocaine 1g charlie", "charlie cocaine", "snowman", ["cocaine"], [S], "NL", ["EU"], 85.0, "en", 30, 31),
    ("L32", "charlie", "MDMA 1g", "mdma powder", "molly_uk", ["mdma"], ["entactogen"], "GB", ["GB"], 30.0, "en", 31, 32),
    ("L33", "charlie", "Heroin 1g", "heroin", "dragon", ["heroin"], [OP], "NL", ["EU"], 95.0, "en", 32, 33),
    ("L34", "charlie", "Weed 3.5g", "cannabis flower", "greenleaf", ["cannabis"], ["cannabinoid"], "ES", ["EU"], 35.0, "en", 33, 34),
    ("L35", "charlie", "LSD 1x", "lsd tab", "acidhouse", ["lsd"], [P], "NL", ["WW"], 10.0, "en", 34, 35),
    ("L36", "charlie", "Ketamine 2g", "ketamine", "kpax", ["ketamine"], [D], "DE", ["EU"], 50.0, "en", 35, 36),
    ("L37", "charlie", "Xanax 10x", "alprazolam", "benzobob", ["alprazolam"], ["benzodiazepine"], "US", ["US"], 25.0, "en", 36, 37),
    ("L38", "charlie", "Speed 1g", "amphetamine", "speedy", ["amphetamine"], [S], "DE", ["EU"], 12.0, "en", 37, 38),
    ("L39", "charlie", "Hash 5g", "hash", "greenleaf", ["cannabis"], ["cannabinoid"], "ES", ["EU"], 40.0, "en", 38, 39),
    ("L40", "charlie", "Oxycodone 10x", "oxycodone", "benzobob", ["oxycodone"], [OP], "US", ["US"], 210.0, "en", 39, 40),
    ("P01", "dread", "Review of DutchQuality cocaine", "the cocaine from DutchQuality was great", "user1", ["cocaine"], [S], "", [], None, "en", 5, 5),
    ("P02", "dread", "Is mdmb-4en-pinaca dangerous?", "synthetic cannabinoid warnings", "user2", ["mdmb-4en-pinaca"], ["synthetic_cannabinoid"], "", [], None, "en", 10, 10),
    ("P03", "dread", "Ketamine tolerance", "ketamine tolerance question", "user3", ["ketamine"], [D], "", [], None, "en", 15, 15),
    ("P04", "dread", "Heroin scam alert", "dragon is a scammer, heroin never arrived", "user4", ["heroin"], [OP], "", [], None, "en", 20, 20),
    ("P05", "dread", "Best crystal meth vendor?", "looking for crystal", "user5", ["methamphetamine"], [S], "", [], None, "en", 25, 25),
    ("P06", "dread", "LSD trip report", "lsd trip report, amazing", "user6", ["lsd"], [P], "", [], None, "en", 30, 30),
    ("P07", "dread", "Kokain aus Holland", "gutes kokain", "user7", ["cocaine"], [S], "", [], None, "de", 35, 35),
    ("P08", "dread", "Fentanyl warning", "fentanyl test strips save lives", "user8", ["fentanyl"], [OP], "", [], None, "en", 40, 40),
    ("P09", "dread", "Shipping to Australia", "stealth shipping discussion", "user9", [], [], "", [], None, "en", 45, 45),
    ("P10", "dread", "Oxycodone vs heroin", "comparison oxycodone heroin", "user10", ["oxycodone", "heroin"], [OP], "", [], None, "en", 50, 50),
]


def make_doc(row: tuple) -> IndexDoc:
    (doc_id, source, title, body, vendor, subs, classes, origin, dest, price, lang, first, last) = row
    post = doc_id.startswith("P")
    return IndexDoc(
        doc_id=doc_id, kind="post" if post else "listing", source=source,
        source_kind="forum" if post else "market", url=f"http://{source}.onion/{doc_id}", title=title, body=body,
        first_seen=BASE + timedelta(days=first), last_seen=BASE + timedelta(days=last), vendor=vendor,
        category=[] if post else ["drugs"], substances=list(subs), classes=list(classes), ships_from=origin,
        ships_to=list(dest), price_usd=price, price_display="" if price is None else f"${price:.2f}",
        price_amount=price, currency="" if price is None else "USD", lang=lang, page_digest=f"sha256:{doc_id}",
    )


DOCS = [make_doc(r) for r in ROWS]
BY_ID = {d.doc_id: d for d in DOCS}


def observations() -> list[ObservationDoc]:
    """Each listing observed when first seen, and again a week later if it was still listed."""
    out = []
    for doc in DOCS:
        if doc.kind != "listing":
            continue
        times = [doc.first_seen]
        if doc.last_seen - doc.first_seen >= timedelta(days=7):
            times.append(doc.first_seen + timedelta(days=7))
        for at in times:
            out.append(ObservationDoc(
                obs_id=f"{doc.doc_id}@{at:%Y%m%d}", doc_id=doc.doc_id, observed_at=at, source=doc.source,
                vendor=doc.vendor, substances=doc.substances, classes=doc.classes, ships_from=doc.ships_from,
                price_usd=doc.price_usd))
    return out


def volumes() -> list[CrawlVolume]:
    weeks = sorted({iso_week(d.first_seen) for d in DOCS})
    return [CrawlVolume(source, week, pages=100 + i, listings=50 + i)
            for i, week in enumerate(weeks) for source in ("alpha", "bravo")]
