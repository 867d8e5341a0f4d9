"""Parser tests on saved demo pages: every profile reads exactly what the generator put there.

The pages in tests/pages were saved from the demo sites (seed 7, week 12); the generator's truth
for that week is the expected output, so a profile change that misreads a field fails here.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from crawler.profiles import load_profile, parse_page
from crawler.profiles.parse import path_and_query
from demosites import DemoWorld
from narcoscope.records import Listing, Post, Vendor

PAGES = Path(__file__).resolve().parents[1] / "pages"
ROWS = list(csv.DictReader((PAGES / "INDEX.tsv").open(encoding="utf-8"), delimiter="\t"))


@cache
def truth() -> dict[str, Any]:
    return DemoWorld.build(seed=7).truth(12)


def _parse(row: dict[str, str]) -> tuple[Any, list[Any]]:
    profile = load_profile(row["site"])
    html = (PAGES / row["site"] / f"{row['name']}.html").read_bytes()
    page = parse_page(profile, profile.mirrors[0] + row["path"], html)
    assert page.blocked is None
    return page, page.records


@pytest.mark.parametrize("row", [r for r in ROWS if r["name"].startswith("listing")],
                         ids=lambda r: f"{r['site']}-{r['name']}")
def test_listing_pages(row: dict[str, str]) -> None:
    page, records = _parse(row)
    [rec] = records
    assert isinstance(rec, Listing)
    [t] = [x for x in truth()["listings"] if x["source"] == row["site"] and x["path"] == row["path"]]
    assert (rec.listing_id, rec.title, rec.vendor) == (t["listing_id"], t["title"], t["vendor"])
    assert rec.prices[0].text == t["price"]["display"]
    assert rec.ships_from and rec.ships_to
    assert page.links, "a listing page links on (vendor, categories)"


@pytest.mark.parametrize("row", [r for r in ROWS if r["name"] == "vendor"], ids=lambda r: r["site"])
def test_vendor_pages(row: dict[str, str]) -> None:
    _, records = _parse(row)
    [rec] = records
    assert isinstance(rec, Vendor)
    [t] = [v for v in truth()["vendors"] if v["source"] == row["site"] and v["path"] == row["path"]]
    assert rec.name == t["name"]
    assert rec.pgp_key.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----") and "\n" in rec.pgp_key


@pytest.mark.parametrize("row", [r for r in ROWS if r["name"].startswith("thread")],
                         ids=lambda r: f"{r['site']}-{r['name']}")
def test_thread_pages(row: dict[str, str]) -> None:
    _, records = _parse(row)
    assert records and all(isinstance(r, Post) for r in records)
    thread_id = records[0].thread_id
    [t] = [th for th in truth()["threads"] if th["source"] == row["site"] and th["thread_id"] == thread_id]
    expected = {(p["post_id"], p["author"]) for p in t["posts"]}
    got = {(r.post_id, r.author) for r in records}
    assert got <= expected and got, (got - expected)
    assert all(r.body for r in records)


@pytest.mark.parametrize("row", [r for r in ROWS if r["name"].startswith("index") or r["name"] == "board"],
                         ids=lambda r: f"{r['site']}-{r['name']}")
def test_index_pages_lead_somewhere(row: dict[str, str]) -> None:
    page, records = _parse(row)
    assert records == [] and page.links
    profile = load_profile(row["site"])
    kinds = {profile.rule_for(path_and_query(link)).kind for link in page.links}  # type: ignore[union-attr]
    assert kinds & {"listing", "thread", "board"}
