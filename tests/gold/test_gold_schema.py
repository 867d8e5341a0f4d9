"""Schema and coverage checks for the hand-written gold evaluation set.

The gold set is only useful if every record follows GUIDELINES.md exactly: an evaluator compares
extractor output field by field, so a malformed code or a candidate that is not in the text would
silently skew the measured precision. These tests validate; they never produce records.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pycountry
import pytest

GOLD_DIR = Path(__file__).parent
ROOT = GOLD_DIR.parent.parent
GAZETTEER = ROOT / "config" / "gazetteer" / "substances.yaml"

CURRENCIES = {"USD", "EUR", "GBP", "BTC", "XMR"}
SPECIAL_AREAS = {"EU", "WW", "XX"}
QUANTITY_UNITS = {"mg", "g", "kg", "oz", "lb", "ml", "l"}
DOSE_UNITS = {"mg", "ug", "g", "ml"}
SOURCE_STYLES = {
    "agora", "alphabay", "dream", "empire", "hydra", "dread", "reddit", "silkroad", "silkroad2",
    "wallstreet", "whitehouse", "versus", "bohemia", "abacus", "archetyp", "hansa", "cannahome",
    "torrez", "monopoly", "kraken", "omg", "rutor", "bluelight", "evolution", "nucleus",
    "asap", "incognito", "darkfox", "tor2door", "deutschland-im-deep-web", "cryptonia",
    "cebulka", "hyperreal", "drugs-forum", "psychonaut", "legalrc", "xss",
}
SUBSTANCE_ID = re.compile(r"^[a-z0-9][a-z0-9'\-]*[a-z0-9]$")
LISTING_KEYS = {
    "id", "source_style", "title", "description", "ships_from", "ships_to", "price", "vendor",
    "gold",
}
LISTING_GOLD_KEYS = {
    "drug", "substances", "candidates", "origin", "destinations", "price", "quantity", "units",
    "vendor", "lang",
}
POST_KEYS = {"id", "source_style", "author", "thread_title", "body", "gold"}
POST_GOLD_KEYS = {"substances", "candidates", "vendors_mentioned", "origin", "lang"}


def _load(name: str) -> list[dict[str, Any]]:
    rows = []
    with (GOLD_DIR / name).open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:  # pragma: no cover - message only
                pytest.fail(f"{name}:{number}: invalid JSON: {exc}")
    return rows


@pytest.fixture(scope="module")
def listings() -> list[dict[str, Any]]:
    return _load("listings.jsonl")


@pytest.fixture(scope="module")
def posts() -> list[dict[str, Any]]:
    return _load("posts.jsonl")


def _valid_area(code: object) -> bool:
    if not isinstance(code, str):
        return False
    return code in SPECIAL_AREAS or pycountry.countries.get(alpha_2=code) is not None


def _valid_lang(code: object) -> bool:
    return isinstance(code, str) and len(code) == 2 and (
        pycountry.languages.get(alpha_2=code) is not None
    )


def _norm(text: str) -> str:
    """Lower-case and drop separators so '4F-ADB-PXINACA' matches '4f adb pxinaca'."""
    return re.sub(r"[\s\-_]", "", text.casefold())


def _check_common(rec: dict[str, Any], text: str) -> list[str]:
    """Checks shared by listings and posts; returns problems found."""
    gold = rec["gold"]
    errs: list[str] = []
    for sid in gold["substances"]:
        if not isinstance(sid, str) or not SUBSTANCE_ID.match(sid):
            errs.append(f"bad substance id {sid!r}")
    if len(set(gold["substances"])) != len(gold["substances"]):
        errs.append("duplicate substances")
    for cand in gold["candidates"]:
        if cand != cand.lower() or _norm(cand) not in _norm(text):
            errs.append(f"candidate {cand!r} not lower-case or not in text")
        if cand in gold["substances"]:
            errs.append(f"candidate {cand!r} also in substances")
    for decoy in gold.get("decoys", []):
        if decoy.casefold() not in text.casefold():
            errs.append(f"decoy {decoy!r} not in text")
    if gold["origin"] is not None and not _valid_area(gold["origin"]):
        errs.append(f"bad origin {gold['origin']!r}")
    if not _valid_lang(gold["lang"]):
        errs.append(f"bad lang {gold['lang']!r}")
    return errs


def _check_listing(rec: dict[str, Any]) -> list[str]:
    gold = rec["gold"]
    text = " ".join(str(rec[k]) for k in ("title", "description", "price", "ships_from"))
    errs = _check_common(rec, text)
    if gold["origin"] is None and (rec["ships_from"] or "").strip():
        errs.append("ships_from given but origin null")
    errs += [f"bad destination {d!r}" for d in gold["destinations"] if not _valid_area(d)]
    price = gold["price"]
    if price is not None:
        if set(price) != {"amount", "currency"} or price["currency"] not in CURRENCIES:
            errs.append(f"bad price {price!r}")
        elif not isinstance(price["amount"], float) or price["amount"] <= 0:
            errs.append(f"bad price amount {price['amount']!r}")
    qty = gold["quantity"]
    if qty is not None and (qty.get("unit") not in QUANTITY_UNITS or not qty.get("value")):
        errs.append(f"bad quantity {qty!r}")
    units = gold["units"]
    if units is not None:
        if set(units) != {"count", "dose", "dose_unit"}:
            errs.append(f"bad units keys {units!r}")
        elif units["count"] is not None and not isinstance(units["count"], int):
            errs.append("units.count must be int")
        elif (units["dose"] is None) != (units["dose_unit"] is None):
            errs.append("dose and dose_unit must both be set or both null")
        elif units["dose_unit"] is not None and units["dose_unit"] not in DOSE_UNITS:
            errs.append(f"bad dose unit {units['dose_unit']!r}")
        elif units["count"] is None and units["dose"] is None:
            errs.append("units with neither count nor dose should be null")
    if gold["drug"]:
        if not gold["substances"] and not gold["candidates"]:
            errs.append("drug listing without substance or candidate")
    else:
        if gold["substances"] or gold["candidates"] or qty is not None or units is not None:
            errs.append("non-drug listing with substance/candidate/quantity/units")
    if gold["vendor"] is not None and _norm(gold["vendor"]) not in _norm(
        text + " " + rec["vendor"]
    ):
        errs.append(f"vendor {gold['vendor']!r} not in record")
    return errs


def test_counts(listings: list[dict[str, Any]], posts: list[dict[str, Any]]) -> None:
    assert len(listings) >= 300
    assert len(posts) >= 100


def test_ids_unique_and_well_formed(
    listings: list[dict[str, Any]], posts: list[dict[str, Any]]
) -> None:
    ids = [r["id"] for r in listings] + [r["id"] for r in posts]
    dupes = [k for k, n in Counter(ids).items() if n > 1]
    assert not dupes, dupes
    assert all(re.fullmatch(r"L\d{4}", r["id"]) for r in listings)
    assert all(re.fullmatch(r"P\d{4}", r["id"]) for r in posts)


def test_listing_schema(listings: list[dict[str, Any]]) -> None:
    problems = []
    for rec in listings:
        if set(rec) != LISTING_KEYS or not set(rec["gold"]) >= LISTING_GOLD_KEYS:
            problems.append(f"{rec.get('id')}: keys {sorted(set(rec) ^ LISTING_KEYS)}")
            continue
        if set(rec["gold"]) - LISTING_GOLD_KEYS - {"decoys"}:
            problems.append(f"{rec['id']}: unknown gold keys")
        if rec["source_style"] not in SOURCE_STYLES:
            problems.append(f"{rec['id']}: source_style {rec['source_style']!r}")
        problems += [f"{rec['id']}: {e}" for e in _check_listing(rec)]
    assert not problems, "\n".join(problems)


def test_post_schema(posts: list[dict[str, Any]]) -> None:
    problems = []
    for rec in posts:
        if set(rec) != POST_KEYS or not set(rec["gold"]) >= POST_GOLD_KEYS:
            problems.append(f"{rec.get('id')}: keys {sorted(set(rec) ^ POST_KEYS)}")
            continue
        if set(rec["gold"]) - POST_GOLD_KEYS - {"decoys"}:
            problems.append(f"{rec['id']}: unknown gold keys")
        if rec["source_style"] not in SOURCE_STYLES:
            problems.append(f"{rec['id']}: source_style {rec['source_style']!r}")
        text = f"{rec['thread_title']} {rec['body']}"
        problems += [f"{rec['id']}: {e}" for e in _check_common(rec, text)]
        for vendor in rec["gold"]["vendors_mentioned"]:
            if _norm(vendor) not in _norm(text):
                problems.append(f"{rec['id']}: vendor {vendor!r} not in body")
    assert not problems, "\n".join(problems)


def test_coverage(listings: list[dict[str, Any]], posts: list[dict[str, Any]]) -> None:
    non_drug = [r for r in listings if not r["gold"]["drug"]]
    assert len(non_drug) >= 40
    novel = [r for r in listings + posts if r["gold"]["candidates"]]
    assert len(novel) >= 20
    non_drug_decoys = {d for r in non_drug for d in r["gold"].get("decoys", [])}
    assert len(non_drug_decoys) >= 10
    foreign = [r for r in listings if r["gold"]["lang"] != "en"]
    assert len(foreign) >= 0.12 * len(listings)
    assert {"de", "fr", "es", "nl", "pl", "ru"} <= {r["gold"]["lang"] for r in listings}


@pytest.fixture(scope="module")
def gazetteer() -> list[dict[str, Any]]:
    """The built gazetteer's entries; the tests using it skip until the build has run."""
    if not GAZETTEER.exists():
        pytest.skip("gazetteer not built yet")
    yaml = pytest.importorskip("yaml")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(GAZETTEER.read_text(encoding="utf-8"), Loader=loader)
    entries = data["substances"] if isinstance(data, dict) else data
    assert isinstance(entries, list) and entries, "unexpected gazetteer shape"
    return [e for e in entries if isinstance(e, dict) and "id" in e]


def test_substance_ids_in_gazetteer(
    listings: list[dict[str, Any]], posts: list[dict[str, Any]], gazetteer: list[dict[str, Any]]
) -> None:
    """Every gold id must be a canonical gazetteer id, or the evaluation compares apples to pears."""
    known = {str(e["id"]) for e in gazetteer}
    used = {s for r in listings + posts for s in r["gold"]["substances"]}
    missing = sorted(used - known)
    assert not missing, f"ids not in gazetteer: {missing}"


def test_candidates_are_not_known_names(
    listings: list[dict[str, Any]], posts: list[dict[str, Any]], gazetteer: list[dict[str, Any]]
) -> None:
    """A novelty case is only a novelty case while no gazetteer id or synonym names it."""
    known: set[str] = set()
    for entry in gazetteer:
        known.add(_norm(str(entry["id"])))
        known.add(_norm(str(entry.get("name", ""))))
        for syn in entry.get("synonyms") or []:
            known.add(_norm(str(syn["text"] if isinstance(syn, dict) else syn)))
    cands = {c for r in listings + posts for c in r["gold"]["candidates"]}
    clashes = sorted(c for c in cands if _norm(c) in known)
    assert not clashes, f"candidates already in the gazetteer: {clashes}"
