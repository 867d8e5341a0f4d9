"""Site profiles: validation errors point at file, line and field; every locator works."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from crawler.profiles import ProfileError, load_profile, parse_page
from narcoscope.records import Listing, Post, Vendor

BASE = """\
name: agora-like
kind: market
mirrors: ["http://127.0.0.1:9999"]
start: ["/"]
rate_limit: {delay: 0.5, concurrency: 2}
blocked:
  - {reason: captcha, css: "form#captcha"}
  - {reason: seized, text: "this hidden site has been seized"}
pages:
  index:
    match: '^/(cat.*)?$'
  listing:
    match: '^/item\\?id=(?P<id>\\d+)'
    record: listing
    fields:
      listing_id: {url: id}
      title: "h1::text"
      description: {css: "div.desc"}
      vendor: {css: "a.vendor::text"}
      ships_from: {label: "Ships from"}
      ships_to: {label: ["Ships to", "Destination"], split: ","}
      origin_flag: {css: "img.flag", attr: alt}
      category: {css: "ul.crumbs li", many: true}
      prices:
        items: "table.tiers tr"
        fields:
          quantity: "td.q"
          text: "td.p"
      rating: {css: ".rating", re: '([\\d.]+)/5'}
  vendor:
    match: '^/vendor\\?u=(?P<name>[^&]+)'
    record: vendor
    fields:
      name: {url: name}
      pgp_key: {css: "pre.pgp"}
"""

LISTING = """<html><body>
<ul class="crumbs"><li>Drugs</li><li>Stimulants</li></ul>
<h1>5g 3-MMC crystal — NL stock</h1>
<div class="desc">Top quality <b>3mmc</b>.
  Stealth shipping.</div>
<table><tr><td><b>Ships from:</b></td><td>Netherlands</td></tr>
<tr><td>Ships to: EU, Worldwide</td></tr></table>
<img class="flag" alt="NL" src="nl.png">
<a class="vendor" href="/vendor?u=dutchchem">dutchchem</a>
<table class="tiers"><tr><td class="q">1 g</td><td class="p">0.0012 BTC</td></tr>
<tr><td class="q">5 g</td><td class="p">0.0050 BTC</td></tr></table>
<span class="rating">Rating 4.87/5 (120)</span>
<a href="/item?id=8">next</a> <a href="http://elsewhere.example/item?id=9">off-site</a>
<a href="/logout">logout</a> <a href="javascript:alert(1)">x</a>
</body></html>"""


@pytest.fixture
def profile_path(tmp_path: Path) -> Path:
    p = tmp_path / "agora-like.yaml"
    p.write_text(BASE)
    return p


def test_listing_fields_by_every_locator(profile_path: Path) -> None:
    prof = load_profile(profile_path)
    page = parse_page(prof, "http://127.0.0.1:9999/item?id=4711", LISTING, digest="d" * 64)
    assert page.kind == "listing" and page.blocked is None
    [rec] = page.records
    assert isinstance(rec, Listing)
    assert rec.listing_id == "4711"
    assert rec.title == "5g 3-MMC crystal — NL stock"
    assert rec.description == "Top quality 3mmc. Stealth shipping."  # inline tags join, blocks split
    assert rec.ships_from == "Netherlands"  # label in a <b>, value in the next cell
    assert rec.ships_to == "EU, Worldwide"  # label and value in one cell, split then joined
    assert rec.vendor == "dutchchem"
    assert rec.category == ("Drugs", "Stimulants")
    assert [(p.quantity, p.text) for p in rec.prices] == [("1 g", "0.0012 BTC"), ("5 g", "0.0050 BTC")]
    assert rec.extra == {"origin_flag": "NL", "rating": "4.87"}
    assert rec.page_digest == "d" * 64


def test_links_stay_on_site_and_match_page_rules(profile_path: Path) -> None:
    page = parse_page(load_profile(profile_path), "http://127.0.0.1:9999/item?id=4711", LISTING)
    assert page.links == ["http://127.0.0.1:9999/vendor?u=dutchchem", "http://127.0.0.1:9999/item?id=8"]


def test_blocked_pages_are_not_parsed(profile_path: Path) -> None:
    prof = load_profile(profile_path)
    captcha = "<html><form id='captcha'><img src=c.png></form><h1>t</h1></html>"
    page = parse_page(prof, "http://127.0.0.1:9999/item?id=1", captcha)
    assert page.blocked == "captcha" and page.records == []
    seized = "<html><h1>This Hidden Site Has Been Seized</h1></html>"
    assert parse_page(prof, "http://127.0.0.1:9999/", seized).blocked == "seized"


def test_vendor_record_from_url_and_pgp(profile_path: Path) -> None:
    html = "<pre class='pgp'>-----BEGIN PGP PUBLIC KEY BLOCK-----\nabc\n-----END PGP PUBLIC KEY BLOCK-----</pre>"
    [rec] = parse_page(load_profile(profile_path), "http://127.0.0.1:9999/vendor?u=dutchchem", html).records
    assert isinstance(rec, Vendor) and rec.name == "dutchchem" and "BEGIN PGP" in rec.pgp_key


def test_malformed_html_still_parses(profile_path: Path) -> None:
    html = "<html><h1>Broken <b>listing<div class=desc>unclosed <i>tags"
    [rec] = parse_page(load_profile(profile_path), "http://127.0.0.1:9999/item?id=3", html).records
    assert rec.title.startswith("Broken") and "unclosed" in rec.description


def test_forum_thread_posts(tmp_path: Path) -> None:
    p = tmp_path / "forum.yaml"
    p.write_text(textwrap.dedent("""\
        name: board
        kind: forum
        mirrors: ["http://127.0.0.1:9998"]
        start: ["/"]
        pages:
          thread:
            match: '^/viewtopic\\.php'
            record: thread
            fields:
              thread_id: {url: "param:t"}
              thread_title: "h2::text"
              posts:
                items: "div.post"
                fields:
                  post_id: {css: "div.post", attr: id}
                  author: ".author::text"
                  body: ".content"
        """))
    html = """<h2>Best 3mmc vendor?</h2>
    <div class="post" id="p1"><span class="author">alice</span><div class="content">vendor X is great</div></div>
    <div class="post" id="p2"><span class="author">bob</span><div class="content">@X shipped <b>fast</b></div></div>"""
    recs = parse_page(load_profile(p), "http://127.0.0.1:9998/viewtopic.php?t=42&start=0", html).records
    assert [(r.post_id, r.author, r.body) for r in recs if isinstance(r, Post)] == [
        ("p1", "alice", "vendor X is great"), ("p2", "bob", "@X shipped fast")]
    hidden = ("<h2>t</h2><div class='post' id='p9'><div class='content'>hi<!-- secret -->"
              "<script>x=1</script></div></div>")
    [rec] = parse_page(load_profile(p), "http://127.0.0.1:9998/viewtopic.php?t=1", hidden).records
    assert isinstance(rec, Post) and rec.body == "hi"
    assert all(r.thread_id == "42" and r.thread_title == "Best 3mmc vendor?" for r in recs)


@pytest.mark.parametrize(("mutation", "line", "field", "message"), [
    (("title: \"h1::text\"", "titel: \"h1::text\""), 0, "pages.listing.fields", "needs a 'title' field"),
    (("title: \"h1::text\"", "title: {csss: h1}"), 17, "pages.listing.fields.title.csss", "unknown key"),
    (("title: \"h1::text\"", "title: \"h1[[\""), 17, "pages.listing.fields.title", "invalid css selector"),
    (("match: '^/(cat.*)?$'", "match: '^/(cat'"), 11, "pages.index.match", "bad regular expression"),
    (("concurrency: 2", "concurrency: two"), 5, "rate_limit.concurrency", "expected a whole number"),
    (("kind: market", "kind: shop"), 2, "kind", "expected 'market' or 'forum'"),
])
def test_errors_name_file_line_and_field(tmp_path: Path, mutation: tuple[str, str], line: int,
                                         field: str, message: str) -> None:
    p = tmp_path / "bad.yaml"
    old, new = mutation
    assert old in BASE
    p.write_text(BASE.replace(old, new))
    with pytest.raises(ProfileError) as err:
        load_profile(p)
    assert err.value.file == str(p)
    assert err.value.field == field
    assert message in str(err.value)
    if line:
        assert err.value.line == line
    assert str(err.value).startswith(f"{p}:{err.value.line}: {field}: ")


def test_extends_reuses_a_family_layout(tmp_path: Path, profile_path: Path) -> None:
    child = tmp_path / "agora-mirror.yaml"
    child.write_text("extends: agora-like\nname: agora-two\nmirrors: ['http://127.0.0.1:9997']\n")
    prof = load_profile(child)
    assert prof.name == "agora-two" and prof.mirrors == ("http://127.0.0.1:9997",)
    assert [r.kind for r in prof.pages] == ["index", "listing", "vendor"]


def test_onion_mirror_marks_the_source_onion(profile_path: Path, tmp_path: Path) -> None:
    child = tmp_path / "hidden.yaml"
    onion = "http://" + "a" * 56 + ".onion"
    child.write_text(f"extends: agora-like\nname: hidden\nmirrors: ['{onion}']\n")
    assert load_profile(child).onion is True
