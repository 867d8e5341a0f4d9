"""Farrington-flexible / Noufaily prospective alarm on weekly shares of crawl volume."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reports.trends.annotations import Annotation, takedown_mask
from reports.trends.baseline import fit_baselines
from reports.trends.negbin import nb_upper_quantile
from reports.trends.result import DetectorResult
from reports.trends.series import SeriesBatch, WeeklySeries, as_batch


def farrington_flexible(
    series: WeeklySeries | SeriesBatch,
    *,
    baseline_weeks: int = 12,
    guard_weeks: int = 2,
    alpha: float = 0.0003,
    min_count: int = 3,
    min_baseline_weeks: int = 6,
    trend: bool = False,
    pool_dispersion: float = 30.0,
    annotations: Sequence[Annotation] = (),
) -> DetectorResult:
    """Alarm in week t when its count exceeds the exact NB (1 - alpha) quantile of the
    baseline prediction (baseline rate × week t's volume) and is at least ``min_count``.

    Why these defaults (measured by ``bench/bench_trends.py``, see its docstring):

    * ``baseline_weeks=12, guard_weeks=2``: a quarter of history is enough to estimate a
      ~2/week rate and its overdispersion, yet short enough to follow slow drifts in market
      mix; the 2-week guard keeps the first weeks of a rise out of its own baseline.
    * ``alpha=0.0003``: the report tests ~40 weeks per substance, so the per-week rate must be
      ~0.0005 for ≤ 2% of flat substances to alarm in a year; 0.001 alarmed 2–4% of null
      series in the benchmark, 0.0003 alarms 0.5–1.5%. The price: a gradual rise is caught
      after ~4–5 weeks (median) and a one-off step to ×3–4 is missed more often than not —
      use ``poisson_cusum`` as the alarm and this threshold for readable per-week context.
    * ``pool_dispersion=30``: phi shrunk toward the batch's pooled phi (see ``baseline``);
      a single series (no batch) falls back to its own phi.
    * ``min_count=3``: one or two listings are never news, whatever the baseline (rate-0
      baselines otherwise alarm on a single listing).
    * ``trend=False``: with 12 weekly points a fitted trend mostly extrapolates noise; when on,
      it follows Noufaily's rules (significant and not above the largest baseline rate).

    Takedown annotations drop the takedown week and the week after from baselines (see
    ``annotations``); weeks with zero volume are skipped (not crawled).
    """
    batch = as_batch(series)
    excluded = takedown_mask(batch.weeks, annotations)
    usable = (batch.volume > 0) & ~excluded[None, :]
    fit = fit_baselines(
        batch.counts,
        batch.volume,
        usable,
        baseline_weeks=baseline_weeks,
        guard_weeks=guard_weeks,
        trend=trend,
        pool_dispersion=pool_dispersion,
    )
    evaluated = (fit.n_used >= min_baseline_weeks) & (batch.volume > 0)
    expected = np.where(evaluated, fit.rate * batch.volume, np.nan)
    threshold = np.full(expected.shape, np.nan)
    # Farrington's prediction-error term: Var(y - mu0_hat) = phi·mu0 · (1 + mu0 / total).
    phi = fit.phi * (1.0 + np.where(fit.total > 0, np.nan_to_num(expected) / np.maximum(fit.total, 1e-12), 0.0))
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
