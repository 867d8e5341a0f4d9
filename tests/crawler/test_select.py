"""The profile evaluator's queries give what parsel gives, without a Selector per result."""

from __future__ import annotations

import pytest
from parsel import Selector

from crawler.profiles.extract import select, serialized

HTML = """<html><body><h1> Title <b>bold</b></h1>
<div class="item" data-id="7"><a href="/a?x=1">A</a><span>one</span></div>
<div class="item"><a href="/b">B</a><span>two</span><!-- c --></div>
<p>tail</p></body></html>"""


@pytest.mark.parametrize(("query", "css"), [
    ("h1", True), ("h1::text", True), ("a::attr(href)", True), ("div.item span::text", True),
    ("div.item", True), ("p, h1 b", True), ("//div[@data-id]/@data-id", False), ("count(//div)", False),
    ("string(//h1)", False), ("//div[re:test(@class, '^it')]/a/text()", False), ("//nothing", False),
])
def test_select_matches_parsel(query: str, css: bool) -> None:
    sel = Selector(text=HTML, type="html")
    expected = (sel.css(query) if css else sel.xpath(query)).getall()
    assert serialized(select(sel, query, css=css)) == expected


def test_select_below_a_node_and_below_text() -> None:
    sel = Selector(text=HTML, type="html")
    items = select(sel, "div.item")
    assert [serialized(select(node, "a::text")) for node in items] == [["A"], ["B"]]
    assert select(select(sel, "h1::text")[0], "b") == []  # a string has nothing below it
