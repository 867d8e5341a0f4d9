"""The truth describes exactly what the pages show."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from lxml import html as lhtml

from demosites.markup import Page

CANONICAL = {
    "cannabis", "cannabis-resin", "cannabis-concentrate", "cocaine", "crack-cocaine",
    "amphetamine", "methamphetamine", "mdma", "ketamine", "heroin", "oxycodone", "fentanyl",
    "tramadol", "codeine", "morphine", "methadone", "buprenorphine", "alprazolam", "diazepam",
    "clonazepam", "lorazepam", "lsd", "psilocybin-mushrooms", "dmt", "mescaline", "2c-b",
    "2c-i", "25i-nbome", "ghb", "gbl", "3-mmc", "4-mmc", "3-cmc", "4-cmc", "a-pvp", "eutylone",
    "2-fdck", "3-meo-pcp", "1p-lsd", "4-ho-met", "mdmb-4en-pinaca", "adb-butinaca", "hhc",
    "hhc-p", "thcp", "protonitazene", "metonitazene", "isotonitazene",
    "n-pyrrolidino-protonitazene", "etizolam", "flualprazolam", "clonazolam", "bromazolam", "pregabalin",
    "zopiclone",
}
ISO = {"NL", "DE", "GB", "US", "CA", "AU", "FR", "ES", "BE", "PL", "CZ", "IT", "AT", "SE", "RU",
       "CN", "IN", "CO", "PT", "CH"}
Truth = Callable[[int], dict[str, Any]]
Rendered = Callable[[int], dict[str, dict[str, Page]]]


def _text(body: bytes) -> str:
    return " ".join(lhtml.fromstring(body).text_content().split())


def _fingerprint(armor: str) -> str:
    """Independent v4 fingerprint computation from the armored key's first packet."""
    lines = armor.strip().splitlines()
    b64 = "".join(x for x in lines[2:] if not x.startswith(("=", "-----")))
    data = base64.b64decode(b64)
    assert data[0] == 0xC6  # new-format public-key packet
    length = data[1] if data[1] < 192 else ((data[1] - 192) << 8) + data[2] + 192
    start = 2 if data[1] < 192 else 3
    body = data[start:start + length]
    return hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body).hexdigest().upper()


@pytest.mark.parametrize("week", (0, 12, 25))
def test_listing_pages_show_their_truth(week: int, truth: Truth, rendered: Rendered) -> None:
    pages = rendered(week)
    for rec in truth(week)["listings"]:
        status, _, body = pages[rec["source"]][rec["path"]]
        text = _text(body)
        assert status == 200
        assert rec["title"] in text, rec["path"]
        assert rec["vendor"] in text
        assert rec["price"]["display"] in text
        assert rec["listing_id"] in rec["path"]
        assert set(rec["substances"]) <= CANONICAL
        assert rec["drug"] == bool(rec["substances"] or rec["novel"])
        assert rec["ships_from"] in ISO | {"EU", "XX"}
        assert set(rec["ships_to"]) <= ISO | {"EU", "WW"}
        assert rec["price_usd"] > 0


@pytest.mark.parametrize("week", (0, 12))
def test_vendor_pages_and_pgp(week: int, truth: Truth, rendered: Rendered) -> None:
    pages = rendered(week)
    for rec in truth(week)["vendors"]:
        body = pages[rec["source"]][rec["path"]][2].decode()
        text = _text(body.encode())
        assert rec["name"] in text
        armor = body.split("-----BEGIN PGP PUBLIC KEY BLOCK-----", 1)[1]
        armor = "-----BEGIN PGP PUBLIC KEY BLOCK-----" + armor.split("-----END", 1)[0]
        assert _fingerprint(armor + "-----END PGP PUBLIC KEY BLOCK-----") == rec["pgp_fingerprint"]
        for lid in rec["listing_ids"]:
            assert lid in body


def test_vendor_names_unique_per_market(truth: Truth) -> None:
    for week in (0, 20):
        for market in ("tortuga", "nightjar", "velvet-alley"):
            names = [v["name"].casefold() for v in truth(week)["vendors"] if v["source"] == market]
            assert len(names) == len(set(names))


def test_shared_vendors_share_key(truth: Truth) -> None:
    by_fp: dict[str, set[tuple[str, str]]] = {}
    for rec in truth(5)["vendors"]:
        by_fp.setdefault(rec["pgp_fingerprint"], set()).add((rec["source"], rec["name"]))
    shared = [v for v in by_fp.values() if len({m for m, _ in v}) > 1]
    assert len(shared) >= 5
    assert any(len({n for _, n in v}) > 1 for v in shared), "some renamed across markets"


@pytest.mark.parametrize("week", (3, 12, 22))
def test_thread_pages_show_posts(week: int, truth: Truth, rendered: Rendered) -> None:
    pages = rendered(week)
    threads = truth(week)["threads"]
    assert {t["source"] for t in threads} == {"the-hive", "dreadnought"}
    for thread in threads:
        site = pages[thread["source"]]
        bodies = [b for p, (_, _, b) in site.items()
                  if p == thread["path"] or p.startswith(thread["path"] + "&")]
        body = b"".join(bodies)
        text = " ".join(_text(b) for b in bodies)
        assert thread["title"] in text
        assert all(v in thread["title"] for v in thread["title_vendors"])
        assert 1 <= len(thread["posts"]) <= 12
        for post in thread["posts"]:
            assert post["post_id"] in body.decode()
            assert post["author"] in text
            assert set(post["substances"]) <= CANONICAL
            for vendor in post["vendors_mentioned"]:
                assert vendor in text


def test_pages_count_matches_render(truth: Truth, rendered: Rendered) -> None:
    for week in (0, 18):
        counts = truth(week)["pages"]
        assert counts == {s: len([p for p in pages if p != "*"])
                          for s, pages in rendered(week).items()}
