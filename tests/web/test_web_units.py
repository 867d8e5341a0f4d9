"""Small pure functions of the workbench: price parsing, CSV neutralising, evidence text, redirects."""

from __future__ import annotations

import pytest

from web.deps import safe_next
from web.entities import key_digest, parse_price
from web.evidence import html_to_text
from web.exports import neutralise
from web.search import FilterError, SearchParams, quote


@pytest.mark.parametrize(("text", "expected"), [
    ("$120.00", (120.0, "USD")), ("0.0021 BTC", (0.0021, "BTC")), ("95 €", (95.0, "EUR")),
    ("€1,299.50 / 10g", (1299.5, "EUR")), ("USD 40", (40.0, "USD")), ("ask vendor", (None, "")),
])
def test_parse_price(text: str, expected: tuple) -> None:
    assert parse_price(text) == expected


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_neutralise_formula_cells(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    assert neutralise("plain") == "plain" and neutralise(None) == ""


def test_html_to_text_drops_active_content() -> None:
    body = (b"<html><head><title>t</title><script>alert(1)</script><style>p{}</style></head>"
            b"<body><h1>Offer</h1><p>Good <b>stuff</b></p><svg><text>svgtext</text></svg>"
            b"<template><img src=x onerror=alert(1)></template><!-- hidden --></body></html>")
    text = html_to_text(body)
    assert "Offer" in text and "Good stuff" in text
    for bad in ("alert", "svgtext", "hidden", "<", "p{}"):
        assert bad not in text


def test_safe_next_refuses_other_sites() -> None:
    assert safe_next("/vendor/x?y=1") == "/vendor/x?y=1"
    for bad in ("//evil.example", "https://evil.example", "/\\evil.example", "", None):
        assert safe_next(bad) == "/search"


def test_filters_become_quoted_clauses() -> None:
    p = SearchParams(q="crystal", filters={"market": ['a"b', "c"], "vendor": ["x y"]}, price_band=["1000+"],
                     dates={"first_seen_from": "2026-01-01"})
    assert p.query() == ('(crystal) AND (source:"a\\"b" OR source:"c") AND vendor:"x y" AND price_usd:[1000 TO *]'
                         ' AND first_seen:[2026-01-01 TO *]')
    assert quote('a\\"') == '"a\\\\\\""'
    with pytest.raises(FilterError):
        SearchParams(price_band=["free"]).query()


def test_key_digest_ignores_whitespace() -> None:
    assert key_digest("AB CD\nEF") == key_digest("ABCDEF") != "" and key_digest("  ") == ""
