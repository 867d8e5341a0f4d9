"""The weekly report: key figures, listings per substance, and what is new this period.

Built only from the index interface (``weekly`` aggregations), so it reads the same from SQLite
and Elasticsearch. The full NPS trend report (issue 7) extends this; the figures here are the
ones every later section builds on.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from index.base import Index


@dataclass(slots=True)
class SubstanceRow:
    substance: str
    listings: int
    vendors: int
    markets: int
    previous: int
    first_week: str
    series: list[int] = field(default_factory=list)

    @property
    def change(self) -> str:
        if not self.previous:
            return "new" if self.listings else ""
        pct = 100.0 * (self.listings - self.previous) / self.previous
        return f"{pct:+.0f}%"


@dataclass(slots=True)
class WeeklyReport:
    week: str
    weeks: list[str]
    sources: int
    listings_observed: int
    crawl_listings: int
    crawl_pages: int
    substances: list[SubstanceRow]
    new_this_week: list[SubstanceRow]
    generated_at: datetime

    @property
    def substances_seen(self) -> int:
        return sum(1 for s in self.substances if s.listings)


def _week_start(week: str) -> date:
    year, w = week.split("-W")
    return date.fromisocalendar(int(year), int(w), 1)


def build(index: Index, week: str) -> WeeklyReport:
    """Gather the report's figures for ISO ``week`` (``2026-W30``) from the index."""
    end = _week_start(week)
    agg = index.weekly("substance", end=date.fromordinal(end.toordinal() + 6))
    weeks = [w for w in agg.weeks() if w <= week]
    by_sub: dict[str, dict[str, tuple[int, int, int]]] = defaultdict(dict)
    for row in agg.rows:
        by_sub[row.key][row.week] = (row.listings, row.vendors, row.markets)
    totals = {t.week: t for t in agg.totals}
    prev = weeks[-2] if len(weeks) > 1 else ""
    rows = []
    for sub, per_week in by_sub.items():
        if not sub:
            continue
        listings, vendors, markets = per_week.get(week, (0, 0, 0))
        seen = sorted(w for w in per_week if w <= week)
        if not seen:
            continue
        rows.append(SubstanceRow(sub, listings, vendors, markets, per_week.get(prev, (0, 0, 0))[0],
                                 seen[0], [per_week.get(w, (0, 0, 0))[0] for w in weeks[-12:]]))
    rows.sort(key=lambda r: (-r.listings, r.substance))
    t = totals.get(week)
    sources = len({r.key for r in index.weekly("source", start=_week_start(week), end=end).rows
                   if r.week == week}) if t else 0
    return WeeklyReport(
        week=week, weeks=weeks, sources=sources,
        listings_observed=t.observed_listings if t else 0,
        crawl_listings=t.crawl_listings if t else 0, crawl_pages=t.crawl_pages if t else 0,
        substances=[r for r in rows if r.listings], new_this_week=[r for r in rows if r.first_week == week],
        generated_at=datetime.now(timezone.utc),
    )


_ENV = Environment(loader=PackageLoader("reports", "templates"),
                   autoescape=select_autoescape(default=True, default_for_string=True))


def sparkline(values: list[int], width: int = 96, height: int = 18) -> str:
    """A tiny inline SVG polyline: trend at a glance without a plotting library."""
    if not values:
        return ""
    top = max(values) or 1
    step = width / max(len(values) - 1, 1)
    pts = " ".join(f"{i * step:.1f},{height - 2 - (v / top) * (height - 4):.1f}" for i, v in enumerate(values))
    return (f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="trend"><polyline fill="none" stroke="currentColor" '
            f'stroke-width="1.5" points="{pts}"/></svg>')


def render_html(report: WeeklyReport) -> str:
    from markupsafe import Markup

    return _ENV.get_template("weekly.html").render(
        r=report, spark=lambda v: Markup(sparkline(v)))


def write(index: Index, week: str, out_dir: Path) -> Path:
    report = build(index, week)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"narcoscope-{week}.html"
    path.write_text(render_html(report), encoding="utf-8")
    return path
