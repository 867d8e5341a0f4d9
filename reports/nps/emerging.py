"""Section "Emerging": substances whose share of crawled listings is rising.

The alarm is the recommended volume-offset GLR ramp detector (``glr_ramp``: the onset and weekly
growth of a log-linear rise maximised over the last 8 weeks — a new NPS spreads, it seldom steps;
on the benchmark it detects growth sooner than the CUSUM at the same false-alarm budget).
The CUSUM's sum (``poisson_cusum``) is kept in each row as a second opinion, Farrington's exact
threshold is shown as context ("N listings, threshold T"), and "rising since week X" is worded
only from a Kleinberg burst still running in the last week — never from the alarm itself, whose
week says when the evidence sufficed, not when the rise began. Takedown annotations keep the
takedown week and the next out of the baselines; weeks of a crawl flagged ``suspect-volume`` are
treated as not crawled.
"""

from __future__ import annotations

import math

import numpy as np

from reports.nps.data import IndexData
from reports.nps.gazetteer import Gazetteer
from reports.nps.model import Emerging
from reports.nps.options import ReportOptions
from reports.nps.period import Period
from reports.trends import SeriesBatch, farrington_flexible, glr_ramp, poisson_cusum, rising_since, without_weeks
from reports.trends.annotations import suspect_weeks
from reports.trends.result import DetectorResult

_SPARK_WEEKS = 26


def find_emerging(data: IndexData, period: Period, options: ReportOptions, gaz: Gazetteer) -> list[Emerging]:
    """Substances with a GLR alarm in the last ``emerging_window_weeks`` weeks up to the period end."""
    subs = data.substance
    if not subs.keys or data.volume.sum() <= 0:
        return []
    notes = list(options.annotations)
    batch = without_weeks(SeriesBatch(list(data.weeks), subs.listings, data.volume, list(subs.keys)),
                          suspect_weeks(notes))
    glr = glr_ramp(batch, annotations=notes)
    cusum = poisson_cusum(batch, annotations=notes)
    farr = farrington_flexible(batch, annotations=notes)
    last = data.index_of(period.last_week)
    lo = max(0, last - options.emerging_window_weeks + 1)
    window = glr.alarms[:, lo : last + 1]
    out = []
    for i in np.flatnonzero(window.any(axis=1)):
        alarm = lo + int(np.flatnonzero(window[i])[-1])
        out.append(_row(data, batch, int(i), alarm, last, glr, cusum.statistic, farr.threshold, gaz))
    out.sort(key=lambda e: (-e.listings, e.name.casefold()))
    return out


def _share(count: float, volume: float) -> float:
    return 100.0 * count / volume if volume > 0 else 0.0


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _row(data: IndexData, batch: SeriesBatch, i: int, alarm: int, last: int, glr: DetectorResult,
         cusum: np.ndarray, threshold: np.ndarray, gaz: Gazetteer) -> Emerging:
    key = batch.names[i]
    counts, volume = batch.counts[i], batch.volume[i]
    exp = _finite(glr.expected[i, alarm]) or 0.0
    base_share = _share(exp, volume[alarm])
    # Kleinberg on the history up to the period's last week only: the wording must not use the future.
    series = batch.series(i)
    since = rising_since(type(series)(series.weeks[: last + 1], series.counts[: last + 1],
                                      series.volume[: last + 1], key))
    start = max(0, last + 1 - _SPARK_WEEKS)
    shares = [round(_share(c, v), 2) for c, v in zip(counts[start : last + 1], volume[start : last + 1], strict=True)]
    return Emerging(
        name=gaz.name(key), substance_id=key, class_label=gaz.class_label(gaz.class_of(key)),
        alarm_week=data.weeks[alarm], listings=int(counts[alarm]), expected=round(exp, 2),
        farrington_threshold=_finite(threshold[i, alarm]),
        share_pct=round(_share(counts[last], volume[last]), 2), baseline_share_pct=round(base_share, 2),
        rising_since=since, shares=shares, cusum=round(_finite(cusum[i, alarm]) or 0.0, 2),
        glr=round(_finite(glr.statistic[i, alarm]) or 0.0, 2),
    )
