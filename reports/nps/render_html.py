"""HTML rendering: Jinja2 with autoescaping on for every template and string, strict CSP.

Scraped text reaches the page only through ``{{ }}`` (escaped); the only ``Markup`` is the
sparkline SVG, built from numbers. Charts are base64 data-URI images (see ``charts``), and the
CSP (``default-src 'none'``) forbids scripts, external loads, forms and base changes, so even a
missed escape could not run code or call home when the report is opened.
"""

from __future__ import annotations

from collections.abc import Sequence

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reports.nps.model import NpsReport, pct_change
from reports.nps.sparkline import sparkline

_ENV = Environment(
    loader=PackageLoader("reports", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html", "css"), default=True, default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=False,
)


def _num(value: float) -> str:
    return f"{value:,.0f}"


def _money(value: float) -> str:
    return f"${value:,.2f}" if value < 100 else f"${value:,.0f}"


def _spark(values: Sequence[float]) -> Markup:
    return Markup(sparkline(values))  # numbers only: nothing scraped reaches this SVG


def render_html(report: NpsReport) -> str:
    """The report as one self-contained HTML page (inline CSS, data-URI charts, no scripts)."""
    return _ENV.get_template("nps.html").render(r=report, num=_num, money=_money, spark=_spark, change=pct_change)
