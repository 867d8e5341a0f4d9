"""Alarm thresholds from the in-control model only: simulated flat series, never rising ones.

A threshold is set so that a chosen share (``budget``) of flat substances alarm at least once
in a 52-week year; the delay to detect a rise is then *measured*, not tuned for. The in-control
model is ``reports.trends.simulate`` with no rising series: ~2 listings/week at a series-specific
share, gamma-Poisson overdispersion, and a takedown dip in every crawl-volume history. The
detector runs exactly as in production (baseline estimation included), so the threshold
pays for the estimation noise of the baseline, which an exact run-length computation with a
known in-control mean (Brook & Evans' Markov chain) would ignore — at ~2 listings a week that
noise, not the Poisson noise, dominates.

For a budget b the threshold is the empirical (1 - b) quantile of each flat series' largest
statistic over the weeks the detector evaluates: with n series, at most ⌊b·n⌋ exceed it.
Calibrate on one seed and measure on another (``bench/bench_trends.py`` prints both).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from reports.trends.cusum import poisson_cusum
from reports.trends.farrington import farrington_pvalues
from reports.trends.glr import glr_ramp
from reports.trends.series import FloatArray
from reports.trends.simulate import simulate


def _upper_quantile(worst: FloatArray, budget: float) -> float:
    """Smallest value v among ``worst`` with share(worst > v) <= budget."""
    if not 0.0 < budget < 1.0:
        raise ValueError("budget must be a share in (0, 1)")
    ordered = np.sort(worst)
    keep = int(np.ceil(ordered.size * (1.0 - budget)))  # at most size - keep exceed ordered[keep-1]
    return float(ordered[max(keep, 1) - 1])


def cusum_h(budget: float, *, seed: int, n_null: int = 4000, nb_shape: float = 10.0, **kwargs: Any) -> float:
    """Decision interval h with ≤ ``budget`` of simulated flat series ever over it.

    ``kwargs`` go to ``poisson_cusum`` (other than ``h``/``reset``). Without reset the first
    time S exceeds h is the same as with it, so one pass with h = ∞ gives every series' max S.
    """
    sim = simulate(n_rising=0, n_null=n_null, seed=seed, nb_shape=nb_shape)
    result = poisson_cusum(sim.batch, h=np.inf, reset=False, **kwargs)
    worst = np.nanmax(np.where(result.evaluated, result.statistic, 0.0), axis=1)
    return _upper_quantile(worst, budget)


def glr_h(budget: float, *, seed: int, n_null: int = 4000, nb_shape: float = 10.0, **kwargs: Any) -> float:
    """GLR threshold h with ≤ ``budget`` of simulated flat series ever over it.

    ``kwargs`` go to ``glr_ramp`` (other than ``h``). G_t has no memory of earlier alarms, so
    one pass with h = ∞ gives every series' largest G over the weeks it evaluates.
    """
    sim = simulate(n_rising=0, n_null=n_null, seed=seed, nb_shape=nb_shape)
    result = glr_ramp(sim.batch, h=np.inf, **kwargs)
    worst = np.nanmax(np.where(result.evaluated, result.statistic, 0.0), axis=1)
    return _upper_quantile(worst, budget)


def farrington_alpha(budget: float, *, seed: int, n_null: int = 4000, nb_shape: float = 10.0, **kwargs: Any) -> float:
    """Per-week alpha with ≤ ``budget`` of simulated flat series ever alarming.

    A series alarms at level alpha iff its smallest weekly p-value is <= alpha, so alpha is just
    below the ``budget`` quantile of the per-series minimum p-value.
    """
    sim = simulate(n_rising=0, n_null=n_null, seed=seed, nb_shape=nb_shape)
    best = farrington_pvalues(sim.batch, **kwargs).min(axis=1)
    # alarm iff min p <= alpha: the largest alpha with share(min p <= alpha) <= budget
    ordered = np.sort(best)
    allowed = int(np.floor(ordered.size * budget))  # this many series may alarm
    if allowed >= ordered.size:
        return 1.0
    above = ordered[allowed]  # the first series that must not alarm
    below = ordered[allowed - 1] if allowed > 0 else 0.0
    # midway (geometrically) between the two, not just under ``above``: the quantile the
    # detector computes, nbinom.ppf(1 - alpha), is not exact to the last bit at the boundary
    return float(np.sqrt(below * above)) if below > 0 else float(above / 2)
