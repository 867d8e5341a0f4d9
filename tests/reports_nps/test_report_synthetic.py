"""The report on a small synthetic index: sections, numbers, and hostile scraped strings."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from index import open_index
from index.base import Index
from narcoscope.paths import REPO_ROOT
from reports.nps import NpsReport, build_report, load_options, to_json, write_report
from reports.nps.docs import _via_search, _via_sqlite, docs_seen
from reports.nps.render_html import render_html
from reports.nps.render_md import md_escape, render_markdown
from tests.reports_nps import synthetic


@pytest.fixture(scope="module")
def index(synthetic_index: str) -> Iterator[Index]:
    idx = open_index(synthetic_index)
    yield idx
    idx.close()


@pytest.fixture(scope="module")
def report(index: Index) -> NpsReport:
    return build_report(index, "week", synthetic.last_monday().date(), options=load_options(REPO_ROOT / "config"))


def test_new_this_period_has_the_confirmed_substance_and_the_candidate(report: NpsReport) -> None:
    by_name = {n.name: n for n in report.new}
    assert "Bromazolam" in by_name and by_name["Bromazolam"].status == "confirmed"
    assert by_name["Bromazolam"].vendors == 4 and by_name["Bromazolam"].markets == ["alpha", "beta"]
    cand = by_name[synthetic.HOSTILE_CANDIDATE]
    assert cand.status == "candidate" and cand.markets == ["beta", "gamma"]
    assert {n.name for n in report.new} == {"Bromazolam", synthetic.HOSTILE_CANDIDATE}


def test_key_figures_and_highlights(report: NpsReport) -> None:
    f = report.figures
    assert f.markets == ["alpha", "beta"] or f.markets == ["alpha", "beta", "gamma"]
    assert f.new_confirmed == 1 and f.new_candidates == 1
    assert 3 <= len(report.highlights) <= 6
    assert all(re.search(r"\d", h) for h in report.highlights), report.highlights


def test_prices_are_per_gram_and_per_unit(report: NpsReport) -> None:
    rows = {(p.name, p.basis): p for p in report.prices}
    broma = rows[("Bromazolam", "per unit")]
    assert broma.n == 4 and broma.median == pytest.approx((31.0 + 32.0) / 2 / 20.0)
    assert ("Ketamine", "per g") in rows and rows[("Ketamine", "per g")].q1 <= rows[("Ketamine", "per g")].q3


def test_takedown_of_a_market_reads_as_coverage(index: Index) -> None:
    week10 = synthetic.START.date() + (synthetic.START.date() - synthetic.START.date()).__class__(weeks=10)
    r = build_report(index, "week", week10, options=load_options(REPO_ROOT / "config"), with_charts=False)
    assert any("gamma" in c for c in r.figures.caveats), r.figures.caveats
    cathinones = next(c for c in r.classes if c.group_id == "cathinones")
    assert cathinones.share_pct > 0.5 * cathinones.previous_share_pct


def test_html_escapes_scraped_text_and_has_a_strict_csp(report: NpsReport) -> None:
    html = render_html(report)
    assert "Content-Security-Policy" in html and "default-src 'none'" in html
    assert "<script" not in html.lower() and "<img src=x" not in html and "<b>X</b>" not in html
    assert "&lt;b&gt;X&lt;/b&gt;" in html  # the candidate name is shown, escaped
    assert ".onion/" not in html  # onion URLs withheld by default


def test_onion_urls_shown_when_the_operator_allows(index: Index) -> None:
    opts = load_options(REPO_ROOT / "config", hide_onion_urls=False)
    r = build_report(index, "week", synthetic.last_monday().date(), options=opts, with_charts=False)
    assert ".onion/item/" in render_html(r)


def test_markdown_escapes_metacharacters(report: NpsReport) -> None:
    md = render_markdown(report)
    assert "<b>" not in md and "<img" not in md and "<script" not in md
    assert md_escape("](javascript:alert(1))") == "\\](javascript:alert(1))"
    assert md_escape("a|b*c_d`e<f>&") == "a\\|b\\*c\\_d\\`e&lt;f&gt;&amp;"
    assert md_escape("# head\nline") == "\\# head line"


def test_charts_do_not_carry_scraped_text(report: NpsReport) -> None:
    for chart in report.charts.values():
        assert "<script" not in chart.svg and "PINACA" not in chart.svg
        assert chart.data_uri.startswith("data:image/svg+xml;base64,")


def test_json_round_trips(report: NpsReport) -> None:
    data = json.loads(to_json(report))
    assert data["schema"] == "narcoscope.nps-report/1" and data["period_label"] == report.period_label
    assert {n["name"] for n in data["new"]} == {n.name for n in report.new}


def test_write_all_text_formats(report: NpsReport, tmp_path: Path) -> None:
    paths = write_report(report, tmp_path, ("html", "md", "json"))
    assert set(paths) == {"html", "md", "json"} and all(p.stat().st_size > 0 for p in paths.values())
    assert (tmp_path / f"narcoscope-nps-{report.period_label}-classes.svg").exists()


def test_both_document_paths_agree(index: Index, synthetic_index: str) -> None:
    start, end = synthetic.START.date(), synthetic.last_monday().date()
    path = synthetic_index.removeprefix("sqlite://")
    fast = {d.doc_id for d in _via_sqlite(path, start, end)}
    slow = {d.doc_id for d in _via_search(index, start, end)}
    assert fast == slow and len(fast) == len(synthetic.listings())
    docs, how = docs_seen(index, end, end)
    assert how == "sqlite-scan" and {d.doc_id for d in docs} < fast
