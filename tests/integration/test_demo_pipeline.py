"""The whole pipeline against the generator's truth: what lands in the store and the index must
match what the demo sites hold, week by week, with every difference explained."""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from functools import cache
from typing import Any

import pytest

from demosites import DemoWorld
from demosites.weeks import observed_at
from index import SearchRequest, open_index
from narcoscope.records import stable_id
from tests.integration.conftest import DemoRun

pytestmark = pytest.mark.slow


@cache
def truth(week: int) -> dict[str, Any]:
    return DemoWorld.build(seed=7).truth(week)


def db(run: DemoRun) -> sqlite3.Connection:
    con = sqlite3.connect(run.home / "narcoscope.db")
    con.row_factory = sqlite3.Row
    return con


def observed_listings(run: DemoRun, week: int) -> dict[tuple[str, str], sqlite3.Row]:
    rows = db(run).execute(
        "SELECT l.*, o.price_text FROM observations o JOIN listings l USING(doc_id) WHERE o.observed_at = ?",
        (observed_at(week).isoformat(),))
    return {(r["source"], r["listing_id"]): r for r in rows}


def test_every_listing_of_every_week_is_observed_once(demo_run: DemoRun) -> None:
    for week in demo_run.weeks:
        expected = {(t["source"], t["listing_id"]) for t in truth(week)["listings"]}
        got = set(observed_listings(demo_run, week))
        assert got == expected, f"week {week}: missing {sorted(expected - got)[:5]}, extra {sorted(got - expected)[:5]}"


def test_listing_fields_match_what_the_pages_showed(demo_run: DemoRun) -> None:
    for week in demo_run.weeks:
        seen = observed_listings(demo_run, week)
        for t in truth(week)["listings"]:
            row = seen[(t["source"], t["listing_id"])]
            assert row["price_text"] == t["price"]["display"], (week, t["listing_id"])
        # titles and vendors: the stored listing holds its latest sighting
    last: dict[tuple[str, str], dict[str, Any]] = {}
    for week in demo_run.weeks:
        for t in truth(week)["listings"]:
            last[(t["source"], t["listing_id"])] = t
    rows = {(r["source"], r["listing_id"]): r for r in db(demo_run).execute("SELECT * FROM listings")}
    assert set(rows) == set(last)
    bad = [(k, rows[k]["title"], t["title"]) for k, t in last.items() if rows[k]["title"] != t["title"]]
    assert not bad, bad[:5]
    bad = [(k, rows[k]["vendor"], t["vendor"]) for k, t in last.items() if rows[k]["vendor"] != t["vendor"]]
    assert not bad, bad[:5]


def test_vendors_and_posts_match_truth(demo_run: DemoRun) -> None:
    vendors: set[tuple[str, str]] = set()
    posts: set[tuple[str, str, str, str]] = set()
    for week in demo_run.weeks:
        t = truth(week)
        vendors |= {(v["source"], v["name"]) for v in t["vendors"]}
        posts |= {(th["source"], th["thread_id"], p["post_id"], p["author"])
                  for th in t["threads"] for p in th["posts"]}
    con = db(demo_run)
    assert {(r["source"], r["name"]) for r in con.execute("SELECT source, name FROM vendors")} == vendors
    got_posts = {(r["source"], r["thread_id"], r["post_id"], r["author"])
                 for r in con.execute("SELECT source, thread_id, post_id, author FROM posts")}
    assert got_posts == posts, f"missing {sorted(posts - got_posts)[:5]}, extra {sorted(got_posts - posts)[:5]}"


def test_takedown_pages_are_kept_as_blocked_evidence(demo_run: DemoRun) -> None:
    con = db(demo_run)
    after = [w for w in demo_run.weeks if truth(w)["sites"]["velvet-alley"]["status"] == "seized"]
    assert after, "the integration weeks must include the takedown"
    for week in after:
        rows = con.execute("SELECT blocked FROM pages WHERE source='velvet-alley' AND observed_at=?",
                           (observed_at(week).isoformat(),)).fetchall()
        assert rows and all(r["blocked"] == "seized" for r in rows)


def _extracted(run: DemoRun) -> dict[tuple[str, str], dict[str, Any]]:
    import json

    con = db(run)
    out = {}
    for r in con.execute("SELECT l.source, l.listing_id, e.data FROM listings l JOIN extractions e USING(doc_id)"):
        out[(r["source"], r["listing_id"])] = json.loads(r["data"])
    return out


def _latest_truth(run: DemoRun) -> dict[tuple[str, str], dict[str, Any]]:
    last: dict[tuple[str, str], dict[str, Any]] = {}
    for week in run.weeks:
        for t in truth(week)["listings"]:
            last[(t["source"], t["listing_id"])] = t
    return last


def test_extraction_matches_truth(demo_run: DemoRun) -> None:
    """Substances (incl. slang and misspellings), novel NPS, origins and prices, listing by listing."""
    ext, last = _extracted(demo_run), _latest_truth(demo_run)
    diffs: dict[str, list[Any]] = defaultdict(list)
    for key, t in last.items():
        e = ext[key]
        if sorted(e["substances"]) != sorted(t["substances"]):
            diffs["substances"].append((key, t["title"], e["substances"], t["substances"]))
        if sorted(c.lower() for c in e["candidates"]) != sorted(n.lower() for n in t["novel"]):
            diffs["novel"].append((key, t["title"], e["candidates"], t["novel"]))
        if e["ships_from"] != t["ships_from"]:
            diffs["origin"].append((key, e["ships_from"], t["ships_from"]))
        if (e["price_amount"], e["price_currency"]) != (pytest.approx(t["price"]["amount"]), t["price"]["currency"]):
            diffs["price"].append((key, e["price_amount"], e["price_currency"], t["price"]))
        if t["price_usd"] and (e["price_usd"] is None or abs(e["price_usd"] - t["price_usd"]) > 0.02 * t["price_usd"]):
            diffs["price_usd"].append((key, e["price_usd"], t["price_usd"]))
    report = {k: (len(v), v[:4]) for k, v in diffs.items()}
    assert not diffs, f"{len(last)} listings; differences: {report}"


def test_index_holds_every_listing_and_post_once(demo_run: DemoRun) -> None:
    con = db(demo_run)
    n_listings = con.execute("SELECT count(*) FROM listings").fetchone()[0]
    n_posts = con.execute("SELECT count(*) FROM posts").fetchone()[0]
    idx = open_index(f"sqlite:///{demo_run.home / 'index.db'}")
    try:
        assert idx.count() == n_listings + n_posts
        res = idx.search(SearchRequest(query="substance:bromazolam", kind="listing", size=500))
        expected = {stable_id("listing", *k) for k, t in _latest_truth(demo_run).items()
                    if "bromazolam" in t["substances"]}
        assert expected and {h.doc.doc_id for h in res.hits} == expected
    finally:
        idx.close()


def test_weekly_counts_follow_the_planted_nps(demo_run: DemoRun) -> None:
    idx = open_index(f"sqlite:///{demo_run.home / 'index.db'}")
    try:
        agg = idx.weekly("substance")
    finally:
        idx.close()
    counts = Counter({(r.week, r.key): r.listings for r in agg.rows})
    for week in demo_run.weeks:
        t = truth(week)
        expected = Counter(s for lst in t["listings"] for s in set(lst["substances"]))
        year, wk, _ = observed_at(week).isocalendar()
        label = f"{year}-W{wk:02d}"
        got = Counter({k: n for (w, k), n in counts.items() if w == label and k})
        assert got == expected, f"week {week}: {dict(got - expected)} extra, {dict(expected - got)} missing"


def test_second_run_is_idempotent(demo_run: DemoRun) -> None:
    before = dict(db(demo_run).execute(
        "SELECT (SELECT count(*) FROM listings), (SELECT count(*) FROM observations),"
        " (SELECT count(*) FROM posts), (SELECT count(*) FROM vendors)").fetchone())
    proc = demo_run.run_again(f"{demo_run.weeks[0]},{demo_run.weeks[-1]}")  # the same snapshots again
    assert proc.returncode == 0, proc.stderr[-3000:]
    after = dict(db(demo_run).execute(
        "SELECT (SELECT count(*) FROM listings), (SELECT count(*) FROM observations),"
        " (SELECT count(*) FROM posts), (SELECT count(*) FROM vendors)").fetchone())
    assert after == before
    idx = open_index(f"sqlite:///{demo_run.home / 'index.db'}")
    try:
        assert idx.count() == before["(SELECT count(*) FROM listings)"] + before["(SELECT count(*) FROM posts)"]
    finally:
        idx.close()


def test_demo_prints_where_to_look_next(demo_run: DemoRun) -> None:
    assert "report:" in demo_run.output and ".html" in demo_run.output
    assert "narcoscope search" in demo_run.output
    report = next(p for p in (demo_run.home / "reports").glob("*.html"))
    html = report.read_text()
    assert "Listings per substance" in html and "<script" not in html


def test_reindex_rebuilds_the_same_index(demo_run: DemoRun, tmp_path: Any) -> None:
    """`narcoscope index reindex` from the store alone gives back what the crawl indexed: the same
    documents, search hits, weekly counts and crawl volumes (the switch to Elasticsearch is this)."""
    from narcoscope.cli import main

    target = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    assert main(["index", "reindex", "--home", str(demo_run.home), "--to", target]) == 0
    crawled, rebuilt = open_index(f"sqlite:///{demo_run.home / 'index.db'}"), open_index(target)
    try:
        assert rebuilt.count() == crawled.count() > 0
        for q in ("substance:bromazolam", "class:synthetic_cathinone AND from:NL", "kind:post", "pellets OR crystal"):
            req = SearchRequest(query=q, size=500, sort="newest")
            a, b = crawled.search(req), rebuilt.search(req)
            assert {h.doc.doc_id for h in a.hits} == {h.doc.doc_id for h in b.hits}, q
        for by in ("substance", "source"):
            a_w, b_w = crawled.weekly(by), rebuilt.weekly(by)
            assert a_w.rows == b_w.rows, by
            assert a_w.totals == b_w.totals, by
    finally:
        crawled.close()
        rebuilt.close()
