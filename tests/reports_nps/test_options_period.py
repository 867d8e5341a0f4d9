"""Report options (validated config) and report periods."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from narcoscope.commands.report import week_as_of
from narcoscope.paths import REPO_ROOT
from reports.nps import ReportConfigError, load_options, make_period, parse_formats


def test_shipped_config_loads() -> None:
    opts = load_options(REPO_ROOT / "config")
    assert opts.hide_onion_urls is True
    assert {g.id for g in opts.class_groups} >= {"cathinones", "opioids", "benzodiazepines"}
    assert any(a.kind == "takedown" and a.source == "velvet-alley" for a in opts.annotations)


def _config(tmp_path: Path, report: str = "", annotations: str = "") -> Path:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "report.yaml").write_text(report)
    (tmp_path / "reports" / "annotations.yaml").write_text(annotations)
    return tmp_path


def test_unknown_option_is_named(tmp_path: Path) -> None:
    with pytest.raises(ReportConfigError, match="hide_onion_url"):
        load_options(_config(tmp_path, "hide_onion_url: false\n"))


def test_bad_annotation_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ReportConfigError, match="item 0"):
        load_options(_config(tmp_path, annotations="- {week: 2026-W50, kind: takedown, label: x}\n"))


def test_week_period_and_previous() -> None:
    p = make_period("week", date(2026, 7, 22))
    assert p.weeks == ("2026-W30",) and p.previous().weeks == ("2026-W29",)
    assert p.start == date(2026, 7, 20) and p.end == date(2026, 7, 26)


def test_month_period_is_iso_weeks_by_thursday_up_to_as_of() -> None:
    p = make_period("month", date(2026, 7, 20))
    assert p.label == "2026-07" and p.weeks == ("2026-W27", "2026-W28", "2026-W29", "2026-W30")
    assert p.previous().weeks == ("2026-W23", "2026-W24", "2026-W25", "2026-W26")  # June 2026, whole
    # Sunday 2 August closes W31, whose Thursday is in July: the report is July's.
    assert make_period("month", date(2026, 8, 2)).weeks[-1] == "2026-W31"
    assert make_period("month", date(2026, 8, 2)).label == "2026-07"
    assert make_period("month", date(2026, 7, 1)).weeks == ("2026-W27",)


def test_week_alias_is_its_monday() -> None:
    assert week_as_of("2026-W44") == date(2026, 10, 26)
    assert make_period("week", week_as_of("2026-W44")).label == "2026-W44"


def test_formats() -> None:
    assert parse_formats("html, PDF,md,json,html") == ("html", "pdf", "md", "json")
    with pytest.raises(ValueError):
        parse_formats("docx")
