"""Messy realism the pipeline must cope with: hostile strings, broken HTML, languages, traps."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import html as lhtml

from demosites.markup import Page
from demosites.model import MARKETS
from demosites.weeks import N_WEEKS

Truth = Callable[[int], dict[str, Any]]
Rendered = Callable[[int], dict[str, dict[str, Page]]]


def _all_listings(truth: Truth) -> list[dict[str, Any]]:
    return [x for w in range(N_WEEKS) for x in truth(w)["listings"]]


def test_hostile_strings(truth: Truth, rendered: Rendered) -> None:
    rec = next(x for x in truth(4)["listings"] if "<script>alert(1)</script>" in x["title"])
    body = rendered(4)[rec["source"]][rec["path"]][2]
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in body and b"<script>" not in body
    raw = [p for site in rendered(4).values() for p, (_, _, b) in site.items()
           if b"<img src=x onerror=alert(1)>" in b]
    assert raw, "one listing description carries a raw, unescaped img tag"


def test_non_drugs_have_no_substance(truth: Truth) -> None:
    nondrug = [x for x in _all_listings(truth) if not x["drug"]]
    titles = {x["title"] for x in nondrug}
    assert len(titles) >= 8
    assert all(x["substances"] == [] and x["novel"] == [] for x in nondrug)
    assert any("5-HTP" in t for t in titles) and any("MK-677" in t for t in titles)


def test_languages_and_places(truth: Truth, rendered: Rendered) -> None:
    recs = _all_listings(truth)
    assert {x["lang"] for x in recs} >= {"en", "de", "nl", "ru"}
    assert len({x["lang"] for x in recs}) >= 5
    origins = {x["ships_from"] for x in recs}
    assert {"EU", "XX"} <= origins and len(origins) >= 10
    assert any("WW" in x["ships_to"] for x in recs) and any("EU" in x["ships_to"] for x in recs)
    text = b"".join(b for site in rendered(12).values() for _, _, b in site.values()).decode()
    assert "Torland" in text and "Worldwide" in text
    assert re.search("[\U0001F1E6-\U0001F1FF]{2} ", text), "flag emoji"
    assert re.search(r'<img class="flag"[^>]+alt="[A-Z][a-z]+[^"]*" title="[A-Z?]{2}"', text)
    assert re.search(r"€ \d{1,3}(\.\d{3})*,\d{2}", text), "EUR with European formatting"
    assert re.search(r"\d\.\d{4,6} BTC \(\$[\d,]+\.\d{2}\)", text)
    assert re.search(r"USD \d+\.\d{2} / \d+\.\d{4,6} XMR", text)


def test_malformed_pages_exist_and_parse(truth: Truth, rendered: Rendered) -> None:
    broken = [x for x in _all_listings(truth) if x["malformed"]]
    assert {x["source"] for x in broken} == set(MARKETS)
    for week in (5, 12):
        for rec in (x for x in truth(week)["listings"] if x["malformed"]):
            body = rendered(week)[rec["source"]][rec["path"]][2]
            assert rec["title"] in lhtml.fromstring(body).text_content()


def test_every_market_has_slang_and_misspellings(truth: Truth) -> None:
    titles = " ".join(x["title"] for x in _all_listings(truth)).lower()
    for word in ("xans", "molly", "tina", "3mmc", "ketamin", "alprazolan", "kush", "charlie"):
        assert word in titles, word
    for market in MARKETS:
        assert any(x["source"] == market for x in truth(0)["listings"])


def test_forum_posts_are_messy(truth: Truth) -> None:
    posts = [p for w in (10, 20, 25) for t in truth(w)["threads"] for p in t["posts"]]
    assert len({p["lang"] for p in posts}) >= 3
    assert sum(1 for p in posts if p["vendors_mentioned"]) >= 10
    assert sum(1 for p in posts if not p["substances"] and not p["novel"]) >= 5
