"""Robust quasi-Poisson baselines with the crawl volume as offset, for every week at once.

For evaluation week t the baseline is the ``baseline_weeks`` weeks ending ``guard_weeks``
before t (the guard keeps the start of a rise out of its own baseline), fitted as

    log E[y_j] = log(volume_j) + a (+ c · (j - t))      quasi-Poisson, Var[y_j] = phi · E[y_j]

following the improved Farrington method (Noufaily et al., Stat Med 2013): overdispersion phi
estimated (floored at 1), past outbreaks down-weighted through Anscombe residuals above 2.58
(weight ∝ r⁻²), and a trend kept only when significant and when its prediction does not exceed
the highest baseline rate. Seasonality is not modelled: NPS series are short (one year of
weekly data) and the report has no "same week last year" to compare with.

Everything is numpy over an (n_series, n_weeks, baseline_weeks) window array, so 1,000 series
× 52 weeks is a handful of vectorised operations, not 52,000 GLM fits.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import stats

from reports.trends.annotations import Annotation, takedown_mask
from reports.trends.series import BoolArray, FloatArray, IntArray, SeriesBatch

ANSCOMBE_CUTOFF = 2.58  # Noufaily et al. 2013; Farrington 1996 used 1.0 (too aggressive)
_NEWTON_STEPS = 8


@dataclass(frozen=True)
class BaselineFit:
    """Per (series, week): predicted rate per unit volume, dispersion, baseline weeks used, and
    ``total`` = Σ weight · fitted count over the window (the information behind the rate: the
    relative variance of the predicted rate is phi / total)."""

    rate: FloatArray
    phi: FloatArray
    n_used: IntArray
    trend_used: BoolArray
    total: FloatArray


@dataclass
class _Window:
    y: FloatArray  # (n, T, b) counts in each week's baseline window
    v: FloatArray  # (n, T, b) volumes
    x: FloatArray  # (b,) time of each window position relative to the evaluated week
    use: FloatArray  # (n, T, b) 1.0 where the baseline week is usable
    n_used: FloatArray  # (n, T)


def _windows(a: FloatArray, width: int, guard: int, fill: float) -> FloatArray:
    """(n, T) -> (n, T, width): row t holds weeks t-guard-width .. t-guard-1."""
    pad = np.full((a.shape[0], width + guard), fill)
    padded = np.concatenate([pad, a], axis=1)
    return sliding_window_view(padded, width, axis=1)[:, : a.shape[1], :]


def _safe_div(num: FloatArray, den: FloatArray) -> FloatArray:
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _intercept_fit(w: _Window, weights: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Closed-form weighted Poisson MLE of the rate; returns (rate, mu, hat values)."""
    rate = _safe_div((weights * w.y).sum(-1), (weights * w.v).sum(-1))
    mu = rate[..., None] * w.v
    hat = _safe_div(weights * mu, (weights * mu).sum(-1, keepdims=True))
    return rate, mu, hat


def _trend_fit(
    w: _Window, weights: FloatArray, start: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Weighted Poisson log-linear fit with a trend by Newton steps on all windows at once.

    Returns (rate at the evaluated week, mu, hat values, z statistic of the trend without phi).
    """
    alive = start > 0
    a = np.log(np.where(alive, start, 1.0))
    c = np.zeros_like(a)
    x = w.x
    for _ in range(_NEWTON_STEPS):
        mu = np.exp(np.clip(a[..., None] + c[..., None] * x, -50, 50)) * w.v
        res = weights * (w.y - mu)
        wm = weights * mu
        u0, u1 = res.sum(-1), (res * x).sum(-1)
        i00, i01, i11 = wm.sum(-1), (wm * x).sum(-1), (wm * x * x).sum(-1)
        det = i00 * i11 - i01 * i01
        ok = alive & (det > 1e-12)
        a = a + np.where(ok, _safe_div(i11 * u0 - i01 * u1, det), 0.0)
        c = np.clip(c + np.where(ok, _safe_div(i00 * u1 - i01 * u0, det), 0.0), -2.0, 2.0)
    mu = np.exp(np.clip(a[..., None] + c[..., None] * x, -50, 50)) * w.v
    wm = weights * mu
    i00, i01, i11 = wm.sum(-1), (wm * x).sum(-1), (wm * x * x).sum(-1)
    det = i00 * i11 - i01 * i01
    quad = i11[..., None] - 2 * x * i01[..., None] + x * x * i00[..., None]
    hat = _safe_div(wm * quad, det[..., None])
    z = c * np.sqrt(np.maximum(_safe_div(det, i00), 0.0))
    rate = np.where(alive, np.exp(np.clip(a, -50, 50)), 0.0)
    return rate, mu, hat, z


def _pearson(w: _Window, weights: FloatArray, mu: FloatArray, n_params: int) -> tuple[FloatArray, FloatArray]:
    """Weighted Pearson statistic and its degrees of freedom, per (series, week)."""
    pearson = (weights * _safe_div((w.y - mu) ** 2, mu)).sum(-1)
    return pearson, np.maximum(w.n_used - n_params, 1.0)


def _dispersion(w: _Window, weights: FloatArray, mu: FloatArray, n_params: int) -> FloatArray:
    pearson, dof = _pearson(w, weights, mu, n_params)
    return np.maximum(1.0, pearson / dof)


def _pooled_dispersion(
    w: _Window, weights: FloatArray, mu: FloatArray, rate: FloatArray, prior_dof: float
) -> FloatArray:
    """Each series' phi shrunk toward the week's pooled phi over all series in the batch.

    Twelve weeks of ~2 listings cannot estimate overdispersion alone: a quarter of such
    windows come out at phi = 1 (Poisson) and alarm several times too often. The pooled value
    acts as ``prior_dof`` extra degrees of freedom — an empirical-Bayes compromise that still
    lets a genuinely erratic substance keep a larger phi. The pool is the *median* of the
    series' Pearson/dof divided by the median of χ²_dof/dof (so it is unbiased under the null),
    because a mean would be inflated by the very substances that are rising.
    """
    pearson, dof = _pearson(w, weights, mu, 1)
    live = (rate > 0) & (w.n_used >= 2)
    ratio = np.where(live, pearson / dof, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # weeks where no series is live
        med = np.nanmedian(ratio, axis=0)
        dof_med = np.nanmedian(np.where(live, dof, np.nan), axis=0)
    dof_med = np.where(np.isfinite(dof_med), dof_med, 1.0)
    pooled = np.maximum(np.nan_to_num(med / (stats.chi2.median(dof_med) / dof_med), nan=1.0), 1.0)
    return np.maximum(1.0, (pearson + prior_dof * pooled[None, :]) / (dof + prior_dof))


def _downweights(w: _Window, mu: FloatArray, hat: FloatArray, phi: FloatArray) -> FloatArray:
    """Noufaily reweighting: weeks with Anscombe residual > 2.58 get weight ∝ r⁻²."""
    den = mu ** (1 / 6) * np.sqrt(phi[..., None] * np.clip(1 - hat, 1e-6, None))
    resid = _safe_div(1.5 * (w.y ** (2 / 3) - mu ** (2 / 3)), den)
    raw = np.where(resid > ANSCOMBE_CUTOFF, _safe_div(np.ones_like(resid), resid**2), 1.0)
    raw = raw * w.use
    gamma = _safe_div(w.n_used, raw.sum(-1))
    return raw * gamma[..., None]


def fit_baselines(
    counts: FloatArray,
    volume: FloatArray,
    usable: BoolArray,
    *,
    baseline_weeks: int,
    guard_weeks: int,
    trend: bool,
    pool_dispersion: float = 0.0,
) -> BaselineFit:
    """Fit every week's baseline for every series. ``usable`` marks weeks a baseline may use.

    ``pool_dispersion`` > 0 shrinks each series' phi toward the batch's pooled phi with that
    many prior degrees of freedom (0: each series on its own, as in Noufaily's method).

    Volume is rescaled by its median so rates are O(counts) and exp() stays well conditioned.
    """
    scale = float(np.median(volume[volume > 0])) if np.any(volume > 0) else 1.0
    use = _windows(usable.astype(np.float64), baseline_weeks, guard_weeks, 0.0)
    win = _Window(
        y=_windows(counts, baseline_weeks, guard_weeks, 0.0) * use,
        v=_windows(volume / scale, baseline_weeks, guard_weeks, 0.0) * use,
        x=np.arange(baseline_weeks, dtype=np.float64) - (baseline_weeks + guard_weeks),
        use=use,
        n_used=use.sum(-1),
    )
    rate, mu, hat = _intercept_fit(win, use)
    phi = _dispersion(win, use, mu, 1)
    weights = _downweights(win, mu, hat, phi)
    rate, mu, _ = _intercept_fit(win, weights)
    if pool_dispersion > 0:
        phi = _pooled_dispersion(win, weights, mu, rate, pool_dispersion)
    else:
        phi = _dispersion(win, weights, mu, 1)
    total = (weights * mu).sum(-1)
    trend_used = np.zeros(rate.shape, dtype=np.bool_)
    if trend:
        rate, phi, trend_used = _with_trend(win, rate, phi)
    return BaselineFit(
        rate=rate / scale,
        phi=phi,
        n_used=win.n_used.astype(np.int64),
        trend_used=trend_used,
        total=total,
    )


def _with_trend(win: _Window, flat_rate: FloatArray, flat_phi: FloatArray) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Trend model where it is significant (|z| > 1.96 with phi) and not extrapolating past the
    highest observed baseline rate; the intercept-only fit everywhere else."""
    rate, mu, hat, _ = _trend_fit(win, win.use, flat_rate)
    phi = _dispersion(win, win.use, mu, 2)
    weights = _downweights(win, mu, hat, phi)
    rate, mu, _, z = _trend_fit(win, weights, rate)
    phi = _dispersion(win, weights, mu, 2)
    max_rate = _safe_div(win.y, win.v).max(-1)
    keep = (np.abs(z) / np.sqrt(phi) > 1.96) & (rate <= max_rate) & (win.n_used >= 4)
    return np.where(keep, rate, flat_rate), np.where(keep, phi, flat_phi), keep


def predict(
    batch: SeriesBatch,
    *,
    baseline_weeks: int,
    guard_weeks: int,
    min_baseline_weeks: int,
    trend: bool,
    pool_dispersion: float,
    annotations: Sequence[Annotation],
    predictive: bool = True,
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """(expected count, phi, evaluated) for every series and week: the one baseline prediction both
    detectors judge a week against. ``predictive`` adds the uncertainty of the estimated rate to phi."""
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
    if not predictive:
        return expected, fit.phi, evaluated
    # Farrington's prediction-error term: Var(y - mu0_hat) = phi·mu0 · (1 + mu0 / total).
    phi = fit.phi * (1.0 + np.where(fit.total > 0, np.nan_to_num(expected) / np.maximum(fit.total, 1e-12), 0.0))
    return expected, phi, evaluated
