"""The measured bar: the report names the demo's planted NPS within 3 weeks of their onset.

Reports are built as of every week from onset to onset + 3 on the demo index (weeks 0-20), each
seeing only data up to its as-of date. "Named" = listed under "New this period" or "Emerging".
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from demosites.weeks import BROMAZOLAM_WEEK, NOVEL_NAME, NOVEL_WEEK, SEIZURE_WEEK, observed_at
from index import open_index
from index.base import Index
from narcoscope.paths import REPO_ROOT
from reports.nps import NpsReport, build_report, load_options
from reports.nps.gazetteer import name_key
from reports.nps.render_html import render_html

pytestmark = pytest.mark.slow
MAX_DELAY_WEEKS = 3


@pytest.fixture(scope="module")
def index(demo_index: str) -> Iterator[Index]:
    idx = open_index(demo_index)
    yield idx
    idx.close()


def as_of(week_index: int) -> date:
    return observed_at(week_index).date()


def report_for(index: Index, week_index: int, period: str = "week") -> NpsReport:
    return build_report(index, period, as_of(week_index), options=load_options(REPO_ROOT / "config"),
                        with_charts=False)


def named(report: NpsReport, name: str) -> list[str]:
    """Where the report names the substance ("new"/"emerging"), matching id or display name."""
    key = name_key(name)
    where = [f"new:{n.status}" for n in report.new if key in (name_key(n.name), name_key(n.substance_id))]
    return where + ["emerging" for e in report.emerging if key in (name_key(e.name), name_key(e.substance_id))]


def first_named(index: Index, name: str, onset: int) -> tuple[int | None, dict[int, list[str]]]:
    seen = {w: named(report_for(index, w), name) for w in range(onset, onset + MAX_DELAY_WEEKS + 1)}
    first = next((w for w, where in seen.items() if where), None)
    return first, seen


def test_bromazolam_named_within_three_weeks(index: Index) -> None:
    first, seen = first_named(index, "bromazolam", BROMAZOLAM_WEEK)
    assert first is not None, f"bromazolam not named as new/emerging in weeks {BROMAZOLAM_WEEK}..+3: {seen}"
    assert first - BROMAZOLAM_WEEK <= MAX_DELAY_WEEKS
    # Once named it stays in the report until at least onset + 3 (the new-in-period window is 4 weeks).
    assert all(seen[w] for w in range(first, BROMAZOLAM_WEEK + MAX_DELAY_WEEKS + 1)), seen
    assert any(w.startswith("new:confirmed") for w in seen[first]), seen


def test_novel_candidate_named_within_three_weeks_as_candidate(index: Index) -> None:
    first, seen = first_named(index, NOVEL_NAME, NOVEL_WEEK)
    assert first is not None, f"{NOVEL_NAME} not named in weeks {NOVEL_WEEK}..+3: {seen}"
    assert first - NOVEL_WEEK <= MAX_DELAY_WEEKS
    assert "new:candidate" in seen[first], "a name no gazetteer knows must be reported as a candidate"
    report = report_for(index, first)
    cand = next(c for c in report.candidates if name_key(c.name) == name_key(NOVEL_NAME))
    assert cand.meets_rule and cand.evidence and all(len(e.page_digest) == 64 for e in cand.evidence)
    html = render_html(report)
    assert "online signal, not an analytical identification" in html


def test_nothing_planted_is_named_before_onset(index: Index) -> None:
    report = report_for(index, BROMAZOLAM_WEEK - 1)
    assert not named(report, "bromazolam"), "the report must not see data after its as-of date"
    assert not named(report_for(index, NOVEL_WEEK - 1), NOVEL_NAME)


def test_monthly_report_names_both(index: Index) -> None:
    report = build_report(index, "month", as_of(NOVEL_WEEK + 2) + timedelta(days=6),
                          options=load_options(REPO_ROOT / "config"), with_charts=False)
    assert named(report, NOVEL_NAME), [n.name for n in report.new]
    assert report.period_kind == "month" and report.period_label == "2026-07" and len(report.weeks) == 5


def test_takedown_is_a_coverage_caveat(index: Index) -> None:
    report = report_for(index, SEIZURE_WEEK)
    caveats = " ".join(report.figures.caveats)
    assert "velvet-alley" in caveats and "annotated" in caveats
    assert "velvet-alley" not in report.figures.markets
    assert report.figures.crawl_listings < report.figures.previous_crawl_listings
    assert any(a["kind"] == "takedown" and a["week"] == report.period_label for a in report.annotations)
