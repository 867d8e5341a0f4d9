"""Extraction quality on the hand-written gold set: precision / recall / F1 per entity type.

    .venv/bin/python -m bench.bench_quality [--gazetteer DIR] [--errors]

Document-level sets, micro-averaged over records: for each record the predicted set of values of
one type (substance ids, candidates, origin, destinations, headline price, quantity, item count,
vendor, language) is compared with the gold set. Gold: tests/gold/listings.jsonl and posts.jsonl
(schema in tests/gold/GUIDELINES.md). Rules are not tuned to single gold strings.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from narcoscope.records import Extraction, Listing, Post, PriceDisplay
from nlp import Extractor
from nlp.normalize.quantities import GRAMS

ROOT = Path(__file__).resolve().parents[1]
WHEN = datetime(2026, 5, 4)


def _load(name: str) -> list[dict[str, Any]]:
    path = ROOT / "tests" / "gold" / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _quantity(q: dict[str, Any] | None) -> set[tuple[str, float]]:
    if not q:
        return set()
    factor = GRAMS.get(q["unit"])
    return {("g", round(q["value"] * factor, 2))} if factor else {(q["unit"], round(q["value"], 2))}


def _pred_quantity(ex: Extraction) -> set[tuple[str, float]]:
    if ex.quantity_g is not None:
        return {("g", round(ex.quantity_g, 2))}
    if not ex.substances and not ex.candidates:
        return set()
    for e in ex.entities:  # volumes have no gram figure: the first volume QUANTITY
        unit = dict(e.attrs).get("unit")
        if e.label == "QUANTITY" and unit in ("ml", "l"):
            return {(unit, round(float(e.value), 2))}
    return set()


def listing_sets(d: dict[str, Any], ex: Extraction) -> dict[str, tuple[set[Any], set[Any]]]:
    g = d["gold"]
    price = g.get("price")
    return {
        "substance": (set(ex.substances), set(g["substances"])),
        "nps_candidate": (set(ex.candidates), set(g["candidates"])),
        "origin": ({ex.ships_from} if ex.ships_from else set(), {g["origin"]} if g.get("origin") else set()),
        "destination": (set(ex.ships_to), set(g["destinations"])),
        "price": ({(round(ex.price_amount, 6), ex.price_currency)} if ex.price_amount is not None else set(),
                  {(round(price["amount"], 6), price["currency"])} if price else set()),
        "quantity": (_pred_quantity(ex), _quantity(g.get("quantity"))),
        "units": ({ex.units} if ex.units is not None else set(),
                  {float(g["units"]["count"])} if g.get("units") and g["units"].get("count") is not None else set()),
        "vendor": ({ex.vendor} if ex.vendor else set(), {g["vendor"]} if g.get("vendor") else set()),
        "lang": ({ex.lang} if ex.lang else set(), {g["lang"]} if g.get("lang") else set()),
    }


def post_sets(d: dict[str, Any], ex: Extraction) -> dict[str, tuple[set[Any], set[Any]]]:
    g = d["gold"]
    vendors = {e.value for e in ex.entities if e.label == "VENDOR"}
    return {
        "substance": (set(ex.substances), set(g["substances"])),
        "nps_candidate": (set(ex.candidates), set(g["candidates"])),
        "vendor_mention": (vendors, set(g.get("vendors_mentioned") or [])),
        "origin": ({ex.ships_from} if ex.ships_from else set(), {g["origin"]} if g.get("origin") else set()),
        "lang": ({ex.lang} if ex.lang else set(), {g["lang"]} if g.get("lang") else set()),
    }


def to_listing(d: dict[str, Any]) -> Listing:
    return Listing(source=d.get("source_style", "gold"), listing_id=d["id"], url="", title=d.get("title") or "",
                   description=d.get("description") or "", vendor=d.get("vendor") or "",
                   prices=(PriceDisplay(d["price"]),) if d.get("price") else (),
                   ships_from=d.get("ships_from") or "", ships_to=d.get("ships_to") or "")


def to_post(d: dict[str, Any]) -> Post:
    return Post(source=d.get("source_style", "gold"), thread_id=d["id"], post_id=d["id"], url="",
                author=d.get("author") or "", body=d.get("body") or "", thread_title=d.get("thread_title") or "")


Counts = dict[str, list[int]]  # type -> [tp, fp, fn]


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def score(rows: Iterable[tuple[str, dict[str, tuple[set[Any], set[Any]]]]], show_errors: bool,
          origins: list[bool]) -> Counts:
    """Print P/R/F1 per type and return the counts; appends to ``origins`` whether each record's
    origin (none included) is right."""
    counts: Counts = defaultdict(lambda: [0, 0, 0])
    for rid, sets in rows:
        for kind, (pred, gold) in sets.items():
            c = counts[kind]
            c[0] += len(pred & gold)
            c[1] += len(pred - gold)
            c[2] += len(gold - pred)
            if show_errors and pred != gold:
                print(f"  {rid} {kind}: predicted {sorted(pred, key=str)} gold {sorted(gold, key=str)}")
        origins.append(sets["origin"][0] == sets["origin"][1])
    print(f"{'type':16s} {'P':>6s} {'R':>6s} {'F1':>6s}   tp   fp   fn")
    for kind, (tp, fp, fn) in counts.items():
        p, r, f1 = prf(tp, fp, fn)
        print(f"{kind:16s} {p:6.3f} {r:6.3f} {f1:6.3f} {tp:4d} {fp:4d} {fn:4d}")
    return counts


def targets(parts: list[Counts], origins: list[bool]) -> None:
    """The issue's targets over the whole gold set (listings and posts together). The decoy bar
    (< 2% of novel-looking non-drug tokens flagged) is tests/nlp/test_nlp_gold_floors.py's."""
    total: Counts = defaultdict(lambda: [0, 0, 0])
    for counts in parts:
        for kind, c in counts.items():
            total[kind] = [a + b for a, b in zip(total[kind], c, strict=True)]
    figures = [("substance F1", prf(*total["substance"])[2], 0.95),
               ("origin accuracy", sum(origins) / len(origins), 0.97),
               ("price F1 (amount and currency)", prf(*total["price"])[2], 0.98),
               ("novelty recall", prf(*total["nps_candidate"])[1], 0.90)]
    print(f"\nthe issue's targets, listings and posts together ({len(origins)} records):")
    for name, value, bar in figures:
        print(f"  {name:32s} {value:6.3f}  target >= {bar}: {'met' if value >= bar else 'NOT met'}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gazetteer", type=Path, default=None, help="default: config/gazetteer")
    ap.add_argument("--errors", action="store_true", help="print every record whose sets differ")
    args = ap.parse_args()
    listings, posts = _load("listings.jsonl"), _load("posts.jsonl")
    if not listings and not posts:
        print("no gold set at tests/gold/ yet")
        return 0
    extractor = Extractor.from_config(gazetteer_dir=args.gazetteer)
    print(f"extractor {extractor.version}")
    parts: list[Counts] = []
    origins: list[bool] = []
    if listings:
        print(f"\nlistings: {len(listings)}")
        exs = extractor.extract_many([to_listing(d) for d in listings], WHEN)
        parts.append(score(((d["id"], listing_sets(d, ex)) for d, ex in zip(listings, exs, strict=True)),
                           args.errors, origins))
    if posts:
        print(f"\nposts: {len(posts)}")
        exs = extractor.extract_many([to_post(d) for d in posts], WHEN)
        parts.append(score(((d["id"], post_sets(d, ex)) for d, ex in zip(posts, exs, strict=True)),
                           args.errors, origins))
    targets(parts, origins)
    return 0


if __name__ == "__main__":
    sys.exit(main())
