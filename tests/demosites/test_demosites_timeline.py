"""What happens over the 26 weeks: the seizure, the planted NPS, churn and repricing."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from demosites.markup import FALLBACK, Page
from demosites.weeks import N_WEEKS, observed_at
from demosites.world import DemoWorld

Truth = Callable[[int], dict[str, Any]]
Rendered = Callable[[int], dict[str, dict[str, Page]]]


def test_calendar() -> None:
    assert observed_at(0).isoformat() == "2026-05-04T12:00:00+00:00"
    assert observed_at(25).isocalendar()[:2] == (2026, 44)
    assert observed_at(0).isocalendar()[:2] == (2026, 19)


def test_velvet_alley_seized_from_week_18(truth: Truth, rendered: Rendered) -> None:
    for week in range(N_WEEKS):
        t, pages = truth(week), rendered(week)["velvet-alley"]
        velvet = [x for x in t["listings"] if x["source"] == "velvet-alley"]
        if week < 18:
            assert t["sites"]["velvet-alley"]["status"] == "up"
            assert len(velvet) >= 30 and FALLBACK not in pages
        else:
            assert t["sites"]["velvet-alley"]["status"] == "seized"
            assert not velvet and not [v for v in t["vendors"] if v["source"] == "velvet-alley"]
            status, _, body = pages[FALLBACK]
            assert status == 200 and b"This hidden site has been seized" in body
            assert pages["/"] == pages[FALLBACK]


def _count(truth: Truth, pred: Callable[[dict[str, Any]], bool]) -> list[int]:
    return [sum(1 for x in truth(w)["listings"] if pred(x)) for w in range(N_WEEKS)]


def test_bromazolam_emerges_at_week_6_and_grows(truth: Truth) -> None:
    counts = _count(truth, lambda x: "bromazolam" in x["substances"])
    assert counts[:6] == [0] * 6
    assert 1 <= counts[6] <= 2
    assert all(b >= a for a, b in itertools.pairwise(counts[6:])), counts
    assert counts[25] >= counts[12] + 3 >= counts[6] + 5
    sellers = {(x["source"], x["vendor"]) for w in range(6, N_WEEKS) for x in truth(w)["listings"]
               if "bromazolam" in x["substances"]}
    assert len({m for m, _ in sellers}) >= 2 and len(sellers) >= 4


def test_novel_substance_emerges_at_week_10_and_grows(truth: Truth) -> None:
    novel = lambda x: "MDMB-3en-PXINACA" in x["novel"]  # noqa: E731
    counts = _count(truth, novel)
    assert counts[:10] == [0] * 10 and counts[10] >= 1
    assert all(b >= a for a, b in itertools.pairwise(counts[10:])), counts
    assert counts[25] > counts[12]
    recs = [x for w in range(N_WEEKS) for x in truth(w)["listings"] if novel(x)]
    assert len({x["vendor"] for x in recs}) >= 2 and len({x["source"] for x in recs}) >= 2
    for rec in recs:
        assert rec["substances"] == [] and rec["drug"] and rec["quantity_g"]
        assert "MDMB-3en-PXINACA" in rec["title"]


def test_forums_follow_the_nps(truth: Truth) -> None:
    def mentions(week: int, key: str, field: str) -> int:
        return sum(key in p[field] for t in truth(week)["threads"] for p in t["posts"])

    assert all(mentions(w, "bromazolam", "substances") == 0 for w in range(6))
    assert all(mentions(w, "MDMB-3en-PXINACA", "novel") == 0 for w in range(10))
    assert mentions(24, "bromazolam", "substances") > mentions(8, "bromazolam", "substances") > 0
    assert mentions(24, "MDMB-3en-PXINACA", "novel") > 0


def test_listings_churn_and_reprice(world: DemoWorld) -> None:
    specs = [s for m in ("tortuga", "nightjar") for s in world.listings[m]]
    gaps = [s for s in specs if s.weeks and len(s.weeks) < max(s.weeks) - min(s.weeks) + 1]
    assert len(gaps) >= 5, "some listings disappear and reappear"
    assert any(max(s.weeks) < N_WEEKS - 1 for s in specs), "some listings end"
    assert any(min(s.weeks) > 0 for s in specs), "some listings start later"
    repriced = [s for s in specs if len(set(s.price_usd.values())) > 1]
    assert len(repriced) > len(specs) // 4


def test_vendors_migrate_after_seizure(truth: Truth) -> None:
    before = {v["pgp_fingerprint"] for v in truth(17)["vendors"] if v["source"] == "velvet-alley"}
    others_before = {v["pgp_fingerprint"] for v in truth(17)["vendors"]
                     if v["source"] != "velvet-alley"}
    after = {v["pgp_fingerprint"] for v in truth(21)["vendors"]}
    migrated = (before & after) - others_before
    assert 2 <= len(migrated) < len(before)


def test_volume_and_size_budget(truth: Truth) -> None:
    for week in range(N_WEEKS):
        t = truth(week)
        assert sum(t["pages"].values()) <= 320, (week, t["pages"])
        for market in ("tortuga", "nightjar"):
            n = sum(1 for x in t["listings"] if x["source"] == market)
            assert 35 <= n <= 75, (week, market, n)
            v = sum(1 for x in t["vendors"] if x["source"] == market)
            assert 10 <= v <= 25
        assert 8 <= sum(1 for x in t["threads"] if x["source"] == "the-hive") <= 15 or week < 2
