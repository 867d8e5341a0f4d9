"""The weekly report, now the NPS trend report for one ISO week (``reports.nps``).

Kept as the stable entry point the demo and older callers use: ``write(index, week, out_dir)``
writes the HTML NPS report for ``week`` (as of its Monday, like ``narcoscope report --week``) and
returns its path. New code should call :func:`reports.nps.build_report` and
:func:`reports.nps.write_report` directly (other formats, months, options).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from index.base import Index


def week_monday(week: str) -> date:
    """Monday of an ISO week label such as ``2026-W30``."""
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def write(index: Index, week: str, out_dir: Path, *, config_dir: Path | None = None,
          store_db: Path | None = None) -> Path:
    """Write the HTML NPS report for ISO ``week``; options from ``config_dir`` (default: the
    configured ``$NARCOSCOPE_CONFIG``/repository ``config``); crawl weeks flagged suspect in
    ``store_db`` (default: the configured store) are left out of the trend detectors."""
    from narcoscope.paths import Paths
    from reports.nps import build_report, load_options, write_report

    paths = Paths.from_env()
    options = load_options(config_dir or paths.config, store_db or paths.db)
    report = build_report(index, "week", week_monday(week), options=options)
    return write_report(report, out_dir, ("html",))["html"]
