"""Quality floors on the hand-annotated gold set and the demo generator's truth.

The floors sit slightly under what the extractor measured when they were set (see
``bench/bench_quality.py`` and ``bench/bench_demo.py``), and at least at the issue's targets
where those are met, so a change that loses quality fails here instead of in a report.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from bench.bench_demo import run as demo_run
from bench.bench_quality import WHEN, listing_sets, post_sets, to_listing, to_post
from nlp import Extractor

GOLD = Path(__file__).resolve().parents[2] / "tests" / "gold"

# (type, metric) -> floor; measured when set: listings substance F1 .986, origin .997 (P) /
# .993 (R), price 1.0, quantity F1 .946, units F1 .944, candidates R 1.0; posts substance F1 .962,
# candidates R 1.0, origin P 1.0 / R 1.0, vendor mentions F1 .959. The issue's targets over
# listings and posts together are checked by test_whole_gold_set_meets_the_issue_targets.
LISTING_FLOORS = {
    ("substance", "f1"): 0.97, ("origin", "p"): 0.97, ("origin", "r"): 0.97, ("price", "f1"): 0.98,
    ("quantity", "f1"): 0.92, ("units", "f1"): 0.92, ("nps_candidate", "r"): 0.90, ("destination", "f1"): 0.97,
}
POST_FLOORS = {("substance", "f1"): 0.94, ("nps_candidate", "p"): 0.99, ("nps_candidate", "r"): 0.90,
               ("origin", "p"): 0.97, ("origin", "r"): 0.90, ("vendor_mention", "f1"): 0.93}


def _rows(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (GOLD / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@cache
def _extractor() -> Extractor:
    return Extractor.from_config()


@cache
def _pairs(kind: str) -> list[dict[str, tuple[set[Any], set[Any]]]]:
    rows = _rows(f"{kind}.jsonl")
    ex = _extractor()
    if kind == "listings":
        return [listing_sets(d, e) for d, e in zip(rows, ex.extract_many([to_listing(d) for d in rows], WHEN),
                                                    strict=True)]
    return [post_sets(d, e) for d, e in zip(rows, ex.extract_many([to_post(d) for d in rows], WHEN), strict=True)]


def _scores(*kinds: str) -> dict[tuple[str, str], float]:
    pairs = [sets for kind in kinds for sets in _pairs(kind)]
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for sets in pairs:
        for typ, (pred, gold) in sets.items():
            c = counts[typ]
            c[0] += len(pred & gold)
            c[1] += len(pred - gold)
            c[2] += len(gold - pred)
    out = {}
    for typ, (tp, fp, fn) in counts.items():
        p = tp / (tp + fp) if tp + fp else 1.0
        r = tp / (tp + fn) if tp + fn else 1.0
        out[(typ, "p")], out[(typ, "r")] = p, r
        out[(typ, "f1")] = 2 * p * r / (p + r) if p + r else 0.0
    return out


@pytest.mark.parametrize(("key", "floor"), sorted(LISTING_FLOORS.items()))
def test_listing_gold_floor(key: tuple[str, str], floor: float) -> None:
    got = _scores("listings")[key]
    assert got >= floor, f"listings {key}: {got:.3f} < floor {floor}"


@pytest.mark.parametrize(("key", "floor"), sorted(POST_FLOORS.items()))
def test_post_gold_floor(key: tuple[str, str], floor: float) -> None:
    got = _scores("posts")[key]
    assert got >= floor, f"posts {key}: {got:.3f} < floor {floor}"


def test_whole_gold_set_meets_the_issue_targets() -> None:
    """The issue's targets on the gold set as a whole (listings and posts): substance F1 >= 0.95,
    origin accuracy >= 0.97 (a record's origin, none included, right), novelty recall >= 0.9."""
    both = _scores("listings", "posts")
    assert both[("substance", "f1")] >= 0.95
    assert both[("nps_candidate", "r")] >= 0.90
    origins = [sets["origin"][0] == sets["origin"][1] for kind in ("listings", "posts") for sets in _pairs(kind)]
    assert sum(origins) / len(origins) >= 0.97


def test_decoys_are_rarely_flagged() -> None:
    """Novel-looking non-drug tokens (product codes, crypto strings, supplements): < 2% flagged
    as NPS candidates, and none as a substance in non-drug listings."""
    rows = [d for d in _rows("listings.jsonl") if d["gold"].get("decoys")]
    ex = _extractor()
    total = flagged = 0
    for d, e in zip(rows, ex.extract_many([to_listing(d) for d in rows], WHEN), strict=True):
        texts = {x.text.lower() for x in e.entities if x.label in ("NPS_CANDIDATE", "SUBSTANCE")}
        for decoy in d["gold"]["decoys"]:
            total += 1
            flagged += decoy.lower() in texts and (decoy.lower() in {c.lower() for c in e.candidates}
                                                   or not d["gold"]["drug"])
    assert total >= 10
    assert flagged / total < 0.02, f"{flagged}/{total} decoys flagged"


def test_demo_truth_agreement() -> None:
    """Listings rebuilt from the demo generator agree exactly (substances, novel names, origin,
    price); forum posts' substances agree for most posts (slang in chat is often bare)."""
    tallies = demo_run([0, 10, 18], show_errors=False)
    listings = tallies["listing all four"]
    assert listings.exact == listings.records, listings.errors[:5]
    posts = tallies["post substances (body)"]
    assert posts.exact / posts.records >= 0.80 and posts.fp == 0, posts.errors[:5]
