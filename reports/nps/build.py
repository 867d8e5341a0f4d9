"""Assemble the NPS trend report for a period from the index (no rendering here)."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from datetime import date, datetime, timezone

from index.base import Index
from reports.nps import breakdowns, emerging, figures, novelty
from reports.nps.data import IndexData, fetch
from reports.nps.gazetteer import load_gazetteer
from reports.nps.model import Chart, NpsReport
from reports.nps.options import ReportOptions
from reports.nps.period import Period, make_period

log = logging.getLogger(__name__)


def build_report(index: Index, period: Period | str, as_of: date | None = None, *,
                 options: ReportOptions | None = None, with_charts: bool = True) -> NpsReport:
    """The report for ``period`` ("week"/"month" with ``as_of``, or a :class:`Period`)."""
    opts = options or ReportOptions()
    if isinstance(period, str):
        if as_of is None:
            raise ValueError("as_of is required with a period kind")
        period = make_period(period, as_of)
    timings: dict[str, float] = {}
    started = time.perf_counter()
    gaz = load_gazetteer(opts.gazetteer_dir)
    timings["gazetteer"] = time.perf_counter() - started
    data = fetch(index, period, opts)
    timings.update({f"index: {k}": v for k, v in data.timings.items()})
    mark = time.perf_counter()
    new = novelty.new_confirmed(data, period, opts, gaz)
    new_cands, annex = novelty.candidates(index, data, period, opts, gaz)
    new += new_cands
    timings["new this period"] = time.perf_counter() - mark
    mark = time.perf_counter()
    rising = emerging.find_emerging(data, period, opts, gaz)
    timings["emerging (detectors)"] = time.perf_counter() - mark
    mark = time.perf_counter()
    classes = breakdowns.by_class(data, period, opts, gaz)
    origins = breakdowns.by_origin(data, period)
    focus = {n.substance_id for n in new if n.substance_id} | {e.substance_id for e in rising}
    prices, prices_origin = breakdowns.prices(data, period, opts, gaz, focus)
    table = breakdowns.substance_table(data, period, gaz)
    key = figures.key_figures(data, period, opts, new)
    notes = figures.highlights(key, new, rising, classes, origins, period)
    timings["breakdowns"] = time.perf_counter() - mark
    report = NpsReport(
        title=f"New psychoactive substances on monitored online markets — {_period_name(period)}",
        period_kind=period.kind, period_label=period.label, as_of=period.as_of, weeks=list(period.weeks),
        previous_label=period.previous().label, generated_at=datetime.now(timezone.utc), highlights=notes,
        figures=key, new=new, emerging=rising, classes=classes, origins=origins, prices=prices,
        prices_by_origin=prices_origin, substances=table, candidates=annex,
        annotations=[{k: str(v) for k, v in asdict(a).items()} for a in opts.annotations],
        hide_onion_urls=opts.hide_onion_urls, timings=timings,
        settings={"novelty_window_weeks": opts.novelty_window_weeks,
                  "emerging_window_weeks": opts.emerging_window_weeks,
                  "price_min_listings": opts.price_min_listings, "gazetteer_size": len(gaz.names),
                  "documents_path_sqlite": int(data.docs_path == "sqlite-scan")},
    )
    if with_charts:
        mark = time.perf_counter()
        try:
            report.charts = _charts(data, period, opts, report)
        except ImportError as exc:  # a missing plotting library must not cost the whole report
            log.warning("charts left out: %s (pip install matplotlib)", exc)
        timings["charts"] = time.perf_counter() - mark
    timings["total build"] = time.perf_counter() - started
    return report


def _period_name(period: Period) -> str:
    if period.kind == "week":
        return f"week {period.label}"
    return f"{datetime.strptime(period.label, '%Y-%m'):%B %Y}"


def _charts(data: IndexData, period: Period, opts: ReportOptions, report: NpsReport) -> dict[str, Chart]:
    from reports.nps import charts

    last = data.index_of(period.last_week) + 1
    first = max(0, last - opts.history_weeks)
    weeks = data.weeks[first:last]
    series = {k: v[first:last] for k, v in breakdowns.group_series(data, opts).items()}
    out = {"classes": charts.class_chart(weeks, series, opts.annotations)}
    if any(r.listings for r in report.origins):
        out["origins"] = charts.origins_chart(report.origins, period.label, report.previous_label)
    if report.emerging:
        shares = {e.name: e.shares for e in report.emerging[:6]}
        n = max(len(v) for v in shares.values())
        out["emerging"] = charts.emerging_chart(data.weeks[last - n : last], shares, opts.annotations)
    return out
