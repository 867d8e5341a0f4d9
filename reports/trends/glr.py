"""Window-limited GLR alarm for a log-linear rise (a ramp) that starts at an unknown week.

Why not only the CUSUM: a CUSUM is the optimal (Lorden/Moustakides) detector of a *step* to
one known out-of-control level, ``rate_ratio`` × the baseline. A new NPS rarely steps: it
spreads vendor by vendor, so its share grows roughly log-linearly, × 1.3–1.6 a week
(``reports.trends.simulate``'s "growth" scenario). Against a ramp the CUSUM's fixed reference
value is wrong twice — too high in the first weeks of the rise (a × 1.3 week adds almost
nothing to S, or subtracts) and too low later — so even an oracle CUSUM that knows the true
in-control mean detects only ~55% of ramps within 3 weeks at 2% flat-series alarms.

The generalized likelihood ratio (GLR) test replaces the fixed alternative by the most likely
member of a family (Lai 1995, "Sequential changepoint detection in quality control and
dynamical systems", JRSS-B 57: 613–658, window-limited GLR; for surveillance counts Höhle &
Paul 2008, "Count data regression charts for the monitoring of surveillance time series",
CSDA 52: 4357–4368, who maximise over the onset and a log-linear growth as here). In week t,
for every candidate onset τ in the last ``window`` weeks and every weekly growth r in
``growth``, with volume v_s as exposure and the counts Y_b and (Noufaily-weighted) volume V_b
of the baseline weeks before τ's guard:

    in control:  E[y_s] = a · v_s                           (baseline weeks and τ ≤ s ≤ t)
    rising:      E[y_s] = a · v_s · r^(s−τ+1)   for τ ≤ s ≤ t  (the onset week is already × r)

The in-control share a is a nuisance parameter, estimated under *each* hypothesis from the
baseline and the window together (profile likelihood). For the quasi-Poisson likelihood
(Var = φ · mean) that gives a closed form, with N = Y_b + Σ y_s, V_w = Σ v_s and
V_r = Σ v_s · r^(s−τ+1):

    LLR_t(τ, r) = [ N · ln((V_b + V_w) / (V_b + V_r)) + ln r · Σ (s−τ+1) · y_s ] / φ_τ
    G_t = max over τ, r of LLR_t(τ, r)            alarm when G_t > h

As V_b → ∞ this is the Poisson LLR Σ y ln m − (m − 1) μ with the baseline treated as known;
with a short or thin baseline it shrinks, because a ramp could equally be a baseline that was
underestimated. That is the point of profiling: at ~2 listings a week the error of the
baseline rate is shared by every week of the window, so it grows with the window and a
per-week correction (the CUSUM's predictive phi) cannot represent it. A plug-in version (NB
likelihood ratio against the fitted baseline, predictive phi) was tried first and did no
better than the CUSUM (48.8% vs 48.0% of ramps within 3 weeks, development seed 3, 400 rising
+ 400 flat series, each at its own 2% h); the profile version reached 52.0% (an oracle NB GLR
that knows the true mean: 60%).

``step=True`` adds the step family (share × κ from τ on, κ > 1 free; the two-sample Poisson
ratio) to the maximisation, for sustained jumps the ramp family fits badly; off by default
(see ``glr_ramp``).

The baseline for onset τ is the one the other detectors fit to evaluate week τ
(``reports.trends.baseline``: up to 52 weeks ending ``guard_weeks`` before τ,
Noufaily-reweighted, phi pooled over the batch): the weeks being tested for a rise never sit in
their own baseline. The crawl volume is the exposure, so a takedown that halves every count
adds nothing to G. The window limit keeps the cost at ``window`` × |growth| numpy terms per
week (vectorised across series and weeks) and stops a stale onset from dominating. There is
no reset: G_t is recomputed from its window each week, so a rise alarms while it keeps rising.

``h`` is calibrated like the CUSUM's (``reports.trends.calibrate.glr_h``): the in-control 98th
percentile of the largest G_t over the evaluated weeks of 4,000 simulated *flat* series (seed 1,
takedown dips, phi ≈ 1.2), so ≤ 2% of flat substances alarm in a 52-week year; rising series
never set it. ``bench/bench_trends.py`` prints delays and false alarms on a held-out seed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reports.trends.annotations import Annotation, takedown_mask
from reports.trends.baseline import fit_baselines
from reports.trends.result import DetectorResult
from reports.trends.series import BoolArray, FloatArray, SeriesBatch, WeeklySeries, as_batch

# In-control calibration, see glr_ramp's docstring and reports.trends.calibrate.glr_h.
GLR_H = 6.53  # glr_h(0.02, seed=1): 2% of 4,000 flat series over it
GLR_H_STEP = 6.97  # glr_h(0.02, seed=1, step=True): the same budget with the step family added
GLR_WINDOW = 8
GLR_GROWTH: tuple[float, ...] = tuple(float(g) for g in np.round(np.geomspace(1.1, 3.0, 12), 4))


@dataclass(frozen=True)
class GlrBaseline:
    """Per (series, week τ): what the baseline before τ's guard says about the in-control share.

    ``count``/``volume`` are the (Noufaily-weighted) listings and crawl volume of the baseline
    weeks, ``phi`` their dispersion, ``rate`` = count / volume; ``evaluated`` marks weeks with
    enough baseline and a crawl.
    """

    rate: FloatArray
    phi: FloatArray
    count: FloatArray
    volume: FloatArray
    evaluated: BoolArray


def glr_baseline(
    batch: SeriesBatch,
    *,
    baseline_weeks: int,
    guard_weeks: int,
    min_baseline_weeks: int,
    pool_dispersion: float,
    annotations: Sequence[Annotation] = (),
) -> GlrBaseline:
    """The baseline fit of ``reports.trends.baseline`` with its totals, for every week at once."""
    usable = (batch.volume > 0) & ~takedown_mask(batch.weeks, annotations)[None, :]
    fit = fit_baselines(batch.counts, batch.volume, usable, baseline_weeks=baseline_weeks,
                        guard_weeks=guard_weeks, trend=False, pool_dispersion=pool_dispersion)
    # fit.total = Σ w · rate · v, so the weighted baseline volume is total / rate; with a
    # rate-0 baseline (never seen) fall back to the unweighted usable volume of the window
    v = np.where(usable, batch.volume, 0.0)
    csum = np.concatenate([np.zeros((v.shape[0], 1)), np.cumsum(v, axis=1)], axis=1)
    t = np.arange(v.shape[1])
    hi = np.clip(t - guard_weeks, 0, None)
    lo = np.clip(t - guard_weeks - baseline_weeks, 0, None)
    positive = fit.rate > 0
    volume = np.where(positive, fit.total / np.where(positive, fit.rate, 1.0), csum[:, hi] - csum[:, lo])
    return GlrBaseline(
        rate=fit.rate,
        phi=fit.phi,
        count=np.where(positive, fit.total, 0.0),
        volume=volume,
        evaluated=(fit.n_used >= min_baseline_weeks) & (batch.volume > 0),
    )


def _shift(a: np.ndarray, lag: int, fill: float | bool) -> np.ndarray:
    """Column t of the result holds column t - lag of ``a`` (``fill`` before the first week)."""
    if lag == 0:
        return a
    out = np.full_like(a, fill)
    out[:, lag:] = a[:, :-lag]
    return out


def _xlogy(x: FloatArray, y: FloatArray) -> FloatArray:
    """x · ln y with 0 · ln 0 = 0."""
    return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def glr_statistic(
    counts: FloatArray,
    volume: FloatArray,
    base: GlrBaseline,
    *,
    window: int = GLR_WINDOW,
    growth: Sequence[float] = GLR_GROWTH,
    step: bool = False,
) -> FloatArray:
    """G_t for every (series, week): the largest profile quasi-likelihood ratio of a ramp that
    started in one of the last ``window`` weeks (onsets τ with ``base.evaluated``), over the
    ``growth`` grid; 0 where no ramp fits better than a flat share. Not-crawled weeks add nothing.

    ``step=True`` adds the step family E[y_s] = a · v_s · κ (κ > 1 free) for τ ≤ s ≤ t, whose
    profile ratio is the two-sample Poisson one,
    Y_b ln(Y_b/V_b) + Y_w ln(Y_w/V_w) − N ln(N/(V_b+V_w)), and takes the larger of the two.
    """
    r = np.asarray(growth, dtype=np.float64)
    if r.ndim != 1 or r.size == 0 or np.any(r <= 1.0):
        raise ValueError("growth rates must be > 1 (the GLR looks for rises)")
    if window < 1:
        raise ValueError("window must be at least one week")
    log_r = np.log(r)
    stat = np.zeros(counts.shape)
    # window sums for onset τ = t - lag, updated as τ moves one week back (every exponent + 1):
    y_w = np.zeros(counts.shape)  # Σ y_s
    jy = np.zeros(counts.shape)  # Σ (s - τ + 1) · y_s
    v_w = np.zeros(counts.shape)  # Σ v_s
    v_r = np.zeros(counts.shape + r.shape)  # Σ v_s · r^(s - τ + 1)
    for lag in range(window):  # a ramp of lag + 1 weeks
        y_tau, v_tau = _shift(counts, lag, 0.0), _shift(volume, lag, 0.0)
        y_w += y_tau
        jy += y_w
        v_w += v_tau
        v_r = (v_r + v_tau[..., None]) * r
        vol_b = _shift(base.volume, lag, 0.0)
        ok = _shift(base.evaluated, lag, False) & (vol_b > 0)
        vb = np.where(ok, vol_b, 1.0)[..., None]
        n_all = (_shift(base.count, lag, 0.0) + y_w)[..., None]
        llr = (n_all * np.log((vb + v_w[..., None]) / (vb + v_r)) + jy[..., None] * log_r).max(-1)
        if step:
            y_b, v_b = n_all[..., 0] - y_w, vb[..., 0]
            two = (_xlogy(y_b, y_b / v_b) + _xlogy(y_w, y_w / np.maximum(v_w, 1e-12))
                   - _xlogy(n_all[..., 0], n_all[..., 0] / (v_b + v_w)))
            llr = np.maximum(llr, np.where(y_w * v_b > y_b * v_w, two, 0.0))  # only rises
        llr = llr / np.maximum(_shift(base.phi, lag, 1.0), 1.0)
        stat = np.where(ok, np.maximum(stat, llr), stat)
    return stat


def glr_ramp(
    series: WeeklySeries | SeriesBatch,
    *,
    h: float | None = None,
    window: int = GLR_WINDOW,
    growth: Sequence[float] = GLR_GROWTH,
    step: bool = False,
    baseline_weeks: int = 52,
    guard_weeks: int = 2,
    min_baseline_weeks: int = 12,
    pool_dispersion: float = 30.0,
    annotations: Sequence[Annotation] = (),
) -> DetectorResult:
    """GLR alarm for a share rising log-linearly from an unknown onset in the last ``window`` weeks.

    Defaults (figures: ``bench/bench_trends.py``; the choices were compared on a development
    seed, not the bench's held-out one, and moved the share detected within 3 weeks by ≤ 2
    points, within its sampling noise):

    * ``growth``: 12 rates from × 1.1 to × 3 a week (geometric). Slow spreads and a
      vendor-sized jump (× 3 in one week reads as a short, steep ramp) are both in the family;
      a narrower grid (× 1.2–2) lowers h slightly and detects the same.
    * ``window=8``: onsets up to 8 weeks back; 6 or 12 detect the same.
    * ``h``: *not* tuned on rising series; the 98th percentile of the largest G over the
      evaluated weeks of 4,000 simulated flat series (``calibrate.glr_h(0.02, seed=1)``).
      ``None``: ``GLR_H``, or ``GLR_H_STEP`` with ``step=True``.
    * ``step=False``: ramps only. ``step=True`` also tests a sustained jump of any size from τ
      (see ``glr_statistic``); that costs h (6.97 against 6.53) and so about a point of ramps
      detected within 3 weeks, and gains 1–2.5 points on steps with fewer missed (development
      seeds 3, 11, 13, 17; ``bench/bench_trends.py`` prints both). In the tests' noise-free
      example the ramp family alone never alarms on a sustained × 2.5 step (neither does the
      × 4 CUSUM) and the step family does; switch it on when such plateaus matter.
    * baseline as for ``poisson_cusum``: up to 52 weeks, 2-week guard, at least 12 weeks,
      Noufaily-reweighted, phi pooled over the batch (``pool_dispersion``); the baseline of
      onset τ is the fit that evaluates week τ, i.e. weeks ≤ τ − 3.

    ``statistic`` is G_t, ``threshold`` is h, ``expected`` the week's in-control count from its
    own baseline (rate × volume, as the CUSUM reports it). Takedown annotations drop the takedown
    week and the week after from the baselines; weeks with zero volume are not evaluated.
    """
    batch = as_batch(series)
    base = glr_baseline(batch, baseline_weeks=baseline_weeks, guard_weeks=guard_weeks,
                        min_baseline_weeks=min_baseline_weeks, pool_dispersion=pool_dispersion,
                        annotations=annotations)
    stat = glr_statistic(batch.counts, batch.volume, base, window=window, growth=growth, step=step)
    evaluated = base.evaluated
    if h is None:
        h = GLR_H_STEP if step else GLR_H
    return DetectorResult(
        detector="glr_ramp",
        alarms=evaluated & (stat > h),
        expected=np.where(evaluated, base.rate * batch.volume, np.nan),
        threshold=np.where(evaluated, h, np.nan),
        statistic=np.where(evaluated, stat, np.nan),
        evaluated=evaluated,
    )


__all__ = [
    "GLR_GROWTH", "GLR_H", "GLR_H_STEP", "GLR_WINDOW", "GlrBaseline", "glr_baseline", "glr_ramp", "glr_statistic",
]
