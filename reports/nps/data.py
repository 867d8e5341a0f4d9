"""Everything the report reads from the index, fetched once and shaped as dense weekly arrays.

Sections never query the index themselves: one place fetches (and times) every call, so the
benchmark can say which call is the bottleneck and both backends serve the same few requests.
Weekly counts come from ``Index.weekly`` (pre-aggregated); documents from ``docs.docs_seen``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar

import numpy as np

from index.base import Index, WeeklyAggregation
from index.documents import IndexDoc
from reports.nps.docs import docs_seen
from reports.nps.options import ReportOptions
from reports.nps.period import Period
from reports.trends.series import FloatArray, iso_week, week_monday, week_range

_T = TypeVar("_T")


@dataclass(slots=True)
class KeyCounts:
    """One ``by`` dimension as (n_keys, n_weeks) arrays over ``IndexData.weeks``."""

    keys: list[str]
    listings: FloatArray
    vendors: FloatArray
    markets: FloatArray
    first_week: dict[str, str]  # the first week each key was ever observed (whole index)

    def row(self, key: str) -> int:
        return self.keys.index(key)


@dataclass(slots=True)
class IndexData:
    """Weekly arrays from the first history week to the period's last week, plus documents."""

    weeks: list[str]
    volume: FloatArray  # listings crawled per week (the detectors' denominator)
    pages: FloatArray
    observations: FloatArray
    substance: KeyCounts
    klass: KeyCounts
    source: KeyCounts
    origins: dict[str, dict[str, int]]  # period label -> origin -> NPS listings (summed over weeks)
    docs: list[IndexDoc]
    docs_path: str
    timings: dict[str, float] = field(default_factory=dict)

    def index_of(self, week: str) -> int:
        return self.weeks.index(week)


def _timed(timings: dict[str, float], name: str, call: Callable[[], _T]) -> _T:
    started = time.perf_counter()
    result = call()
    timings[name] = timings.get(name, 0.0) + time.perf_counter() - started
    return result


def _key_counts(agg: WeeklyAggregation, weeks: list[str]) -> KeyCounts:
    pos = {w: i for i, w in enumerate(weeks)}
    first: dict[str, str] = {}
    for r in agg.rows:
        if r.key and (r.key not in first or r.week < first[r.key]):
            first[r.key] = r.week
    keys = sorted({r.key for r in agg.rows if r.key and r.week in pos})
    row = {k: i for i, k in enumerate(keys)}
    arrays = [np.zeros((len(keys), len(weeks))) for _ in range(3)]
    for r in agg.rows:
        if r.key in row and r.week in pos:
            i, j = row[r.key], pos[r.week]
            arrays[0][i, j], arrays[1][i, j], arrays[2][i, j] = r.listings, r.vendors, r.markets
    return KeyCounts(keys, arrays[0], arrays[1], arrays[2], first)


def _weeks(agg: WeeklyAggregation, period: Period, history: int) -> list[str]:
    """Consecutive weeks from the earliest week with data (at most ``history`` back) to the period end."""
    earliest = week_monday(period.weeks[0]) - timedelta(weeks=history)
    seen = [w for w in agg.weeks() if w <= period.last_week]
    first = max(week_monday(seen[0]), earliest) if seen else week_monday(period.weeks[0])
    first = min(first, week_monday(period.weeks[0]))
    n = (week_monday(period.last_week) - first).days // 7 + 1
    return week_range(iso_week(first), n)


def nps_query(options: ReportOptions) -> str:
    """The query selecting listings of every reported class (for NPS-only breakdowns)."""
    return "kind:listing AND (" + " OR ".join(f"class:{c}" for c in options.nps_classes) + ")"


def fetch(index: Index, period: Period, options: ReportOptions) -> IndexData:
    """Run every index call the report needs (timed in ``timings``)."""
    timings: dict[str, float] = {}
    end = period.end
    by_sub = _timed(timings, "weekly(substance)", lambda: index.weekly("substance", end=end))
    weeks = _weeks(by_sub, period, options.history_weeks)
    start = week_monday(weeks[0])
    by_class = _timed(timings, "weekly(class)", lambda: index.weekly("class", end=end))
    by_source = _timed(timings, "weekly(source)", lambda: index.weekly("source", start=start, end=end))
    previous = period.previous()
    by_origin = _timed(timings, "weekly(ships_from, NPS query)", lambda: index.weekly(
        "ships_from", query=nps_query(options), start=previous.start, end=end))
    origins = _origins(by_origin, {period.label: period.weeks, "previous": previous.weeks})
    novelty_start = week_monday(period.last_week) - timedelta(weeks=options.novelty_window_weeks - 1)
    docs_from = min(novelty_start, period.start, previous.start)
    docs, path = _timed(timings, "documents seen", lambda: docs_seen(index, docs_from, min(end, period.as_of)))
    totals = {t.week: t for t in by_sub.totals}
    volume = np.array([max(totals[w].crawl_listings, totals[w].observed_listings) if w in totals else 0
                       for w in weeks], dtype=np.float64)
    pages = np.array([totals[w].crawl_pages if w in totals else 0 for w in weeks], dtype=np.float64)
    obs = np.array([totals[w].observations if w in totals else 0 for w in weeks], dtype=np.float64)
    substance = _key_counts(by_sub, weeks)
    np.minimum(substance.listings, volume, out=substance.listings)  # detectors require count <= volume
    return IndexData(weeks=weeks, volume=volume, pages=pages, observations=obs, substance=substance,
                     klass=_key_counts(by_class, weeks), source=_key_counts(by_source, weeks),
                     origins=origins, docs=docs, docs_path=path, timings=timings)


def _origins(agg: WeeklyAggregation, periods: dict[str, tuple[str, ...]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {label: {} for label in periods}
    for r in agg.rows:
        for label, weeks in periods.items():
            if r.week in weeks:
                out[label][r.key or "XX"] = out[label].get(r.key or "XX", 0) + r.listings
    return out


def in_period(doc: IndexDoc, start: date, end: date) -> bool:
    """Whether a document's seen-interval overlaps the days start..end."""
    return doc.first_seen.date() <= end and doc.last_seen.date() >= start
