"""The NPS trend report (issue 7): highlights, key figures, new, emerging, classes, geography,
prices, methods and an evidence annex, as HTML, PDF (headless Chromium), Markdown and JSON.

Modelled on the EUDA European Drug Report's NPS chapter and UNODC's "Current NPS Threats".
Built only from the index interface (plus one documented SQLite fast path in ``docs``)::

    from reports.nps import build_report, load_options, write_report
    report = build_report(index, "week", date(2026, 7, 20), options=load_options(Path("config")))
    write_report(report, Path("var/reports"), ("html", "pdf", "md", "json"))
"""

from reports.nps.build import build_report
from reports.nps.model import NpsReport
from reports.nps.options import ReportConfigError, ReportOptions, load_options
from reports.nps.pdf import PdfRendererMissing, find_chromium
from reports.nps.period import Period, make_period
from reports.nps.write import FORMATS, parse_formats, to_json, write_report

__all__ = [
    "FORMATS",
    "NpsReport",
    "PdfRendererMissing",
    "Period",
    "ReportConfigError",
    "ReportOptions",
    "build_report",
    "find_chromium",
    "load_options",
    "make_period",
    "parse_formats",
    "to_json",
    "write_report",
]
