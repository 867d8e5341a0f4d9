"""Farrington-flexible / Noufaily prospective alarm on weekly shares of crawl volume."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reports.trends.annotations import Annotation
from reports.trends.baseline import predict
from reports.trends.negbin import nb_upper_quantile, nb_upper_tail
from reports.trends.result import DetectorResult
from reports.trends.series import FloatArray, SeriesBatch, WeeklySeries, as_batch

# In-control calibration, see farrington_flexible's docstring and reports.trends.calibrate.
FARRINGTON_ALPHA = 0.00057  # farrington_alpha(0.02, seed=1)
FARRINGTON_ALPHA_HALF = 0.00025  # farrington_alpha(0.01, seed=1): its half of the combined budget


def farrington_flexible(
    series: WeeklySeries | SeriesBatch,
    *,
    baseline_weeks: int = 52,
    guard_weeks: int = 2,
    alpha: float = FARRINGTON_ALPHA,
    min_count: int = 3,
    min_baseline_weeks: int = 12,
    trend: bool = False,
    pool_dispersion: float = 30.0,
    annotations: Sequence[Annotation] = (),
) -> DetectorResult:
    """Alarm in week t when its count exceeds the exact NB (1 - alpha) quantile of the
    baseline prediction (baseline rate × week t's volume) and is at least ``min_count``.

    Why these defaults (measured by ``bench/bench_trends.py``, see its docstring):

    * ``baseline_weeks=52, min_baseline_weeks=12, guard_weeks=2``: all history up to a year
      (Noufaily-reweighted), evaluated once a quarter of history is there; at ~2 listings a
      week a 12-week rate is ±24%, a 26–52-week one ±15%. The 2-week guard keeps the first
      weeks of a rise out of its own baseline.
    * ``alpha``: not tuned on rising series — the per-week level at which 2% of simulated flat
      series alarm at least once over weeks 14–51 (``reports.trends.calibrate.farrington_alpha
      (0.02, seed=1)``). A single-week threshold is blunt for gradual rises (median 4 weeks at
      the calibrated alpha) and misses most one-off steps to ×3–4: ``poisson_cusum`` is the
      alarm, this threshold the readable per-week context ("7 listings, threshold 5").
    * ``pool_dispersion=30``: phi shrunk toward the batch's pooled phi (see ``baseline``);
      a single series (no batch) falls back to its own phi.
    * ``min_count=3``: one or two listings are never news, whatever the baseline (rate-0
      baselines otherwise alarm on a single listing).
    * ``trend=False``: with few weekly points a fitted trend mostly extrapolates noise; when on,
      it follows Noufaily's rules (significant and not above the largest baseline rate).

    Takedown annotations drop the takedown week and the week after from baselines (see
    ``annotations``); weeks with zero volume are skipped (not crawled).
    """
    batch = as_batch(series)
    expected, phi, evaluated = predict(
        batch,
        baseline_weeks=baseline_weeks,
        guard_weeks=guard_weeks,
        min_baseline_weeks=min_baseline_weeks,
        trend=trend,
        pool_dispersion=pool_dispersion,
        annotations=annotations,
    )
    threshold = np.full(expected.shape, np.nan)
    threshold[evaluated] = nb_upper_quantile(expected[evaluated], phi[evaluated], alpha)
    y = batch.counts
    alarms = evaluated & (y > np.nan_to_num(threshold, nan=np.inf)) & (y >= min_count)
    span = threshold - expected
    statistic = np.where(evaluated, (y - expected) / np.where(span > 0, span, np.nan), np.nan)
    return DetectorResult(
        detector="farrington_flexible",
        alarms=alarms,
        expected=expected,
        threshold=threshold,
        statistic=statistic,
        evaluated=evaluated,
    )


def farrington_pvalues(
    series: WeeklySeries | SeriesBatch,
    *,
    baseline_weeks: int = 52,
    guard_weeks: int = 2,
    min_count: int = 3,
    min_baseline_weeks: int = 12,
    trend: bool = False,
    pool_dispersion: float = 30.0,
    annotations: Sequence[Annotation] = (),
) -> FloatArray:
    """Exact one-sided p-value P(Y >= y) of every week under its baseline prediction; 1.0 where
    the week is not evaluated or the count is below ``min_count``.

    ``farrington_flexible(..., alpha=a)`` alarms exactly where this is <= a (y > the (1 - a)
    quantile  <=>  P(Y >= y) <= a), which is what lets ``calibrate`` find alpha in one pass.
    """
    batch = as_batch(series)
    expected, phi, evaluated = predict(
        batch,
        baseline_weeks=baseline_weeks,
        guard_weeks=guard_weeks,
        min_baseline_weeks=min_baseline_weeks,
        trend=trend,
        pool_dispersion=pool_dispersion,
        annotations=annotations,
    )
    p = np.ones(expected.shape)
    live = evaluated & (batch.counts >= min_count)
    p[live] = nb_upper_tail(batch.counts[live], expected[live], phi[live])
    return p
