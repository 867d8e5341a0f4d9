"""Write the report in the requested formats: ``html``, ``pdf``, ``md``, ``json``.

Files are named ``narcoscope-nps-<period>.<ext>`` (``-2026-W30``, ``-2026-07``); Markdown gets
its charts as SVG files beside it. PDF is printed from the HTML (written even when not asked
for, since Chromium prints a file).
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from reports.nps.model import NpsReport
from reports.nps.pdf import html_to_pdf
from reports.nps.render_html import render_html
from reports.nps.render_md import render_markdown

FORMATS = ("html", "pdf", "md", "json")


def parse_formats(spec: str) -> tuple[str, ...]:
    """``"html,pdf"`` -> ("html", "pdf"); unknown names raise ValueError."""
    names = tuple(dict.fromkeys(p.strip().lower() for p in spec.split(",") if p.strip()))
    unknown = [n for n in names if n not in FORMATS]
    if unknown or not names:
        raise ValueError(f"unknown format(s) {unknown or [spec]}; expected a comma list of {', '.join(FORMATS)}")
    return names


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def to_json(report: NpsReport) -> str:
    """Machine-readable report (charts omitted: they are derived, and large)."""
    data = dataclasses.asdict(report)
    data.pop("charts", None)
    data["schema"] = "narcoscope.nps-report/1"
    return json.dumps(data, default=_jsonable, ensure_ascii=False, indent=1)


def write_report(report: NpsReport, out_dir: Path, formats: Iterable[str] = ("html",)) -> dict[str, Path]:
    """Write each format; returns format -> path. Render times land in ``report.timings``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    wanted = tuple(formats)
    stem = out_dir / f"narcoscope-nps-{report.period_label}"
    paths: dict[str, Path] = {}
    started = time.perf_counter()
    if "html" in wanted or "pdf" in wanted:
        paths["html"] = stem.with_suffix(".html")
        paths["html"].write_text(render_html(report), encoding="utf-8")
    if "md" in wanted:
        links = {}
        for name, chart in report.charts.items():
            svg = out_dir / f"{stem.name}-{name}.svg"
            svg.write_text(chart.svg, encoding="utf-8")
            links[name] = svg.name
        paths["md"] = stem.with_suffix(".md")
        paths["md"].write_text(render_markdown(report, links), encoding="utf-8")
    if "json" in wanted:
        paths["json"] = stem.with_suffix(".json")
        paths["json"].write_text(to_json(report), encoding="utf-8")
    report.timings["render html/md/json"] = time.perf_counter() - started
    if "pdf" in wanted:
        mark = time.perf_counter()
        paths["pdf"] = html_to_pdf(paths["html"], stem.with_suffix(".pdf"))
        report.timings["render pdf (chromium)"] = time.perf_counter() - mark
    return {f: p for f, p in paths.items() if f in wanted}
