"""Poisson (optionally negative-binomial) CUSUM for a rise in a substance's share of listings.

The in-control expected count in week t is the robust baseline rate (same windowed,
outbreak-down-weighted fit as the Farrington detector) times week t's crawl volume, so a
takedown that halves the volume halves the expectation too. Each week adds the log-likelihood
ratio of "rate × ``rate_ratio``" against "rate":

    Poisson:            y · ln ρ − (ρ − 1) · μ
    NB (size k = μ/(φ−1)): y · ln(ρ(k+μ)/(k+ρμ)) + k · ln((k+μ)/(k+ρμ))

and S_t = max(0, S_{t−1} + LLR_t); week t alarms when S_t > h.

Reset: by default (``reset=True``) S is set to 0 after an alarm, so a rise that persists
alarms again only after it has gathered fresh evidence (every few weeks), instead of
alarming every week while S decays. The report needs the *first* alarm and occasional
re-confirmation, not a weekly repeat. With ``reset=False`` S keeps its value and every week
above h alarms. Weeks that cannot be evaluated (no crawl, too little baseline) leave S as it
was: no information is not evidence of "back to normal".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reports.trends.annotations import Annotation
from reports.trends.baseline import predict
from reports.trends.result import DetectorResult
from reports.trends.series import FloatArray, SeriesBatch, WeeklySeries, as_batch

# In-control calibration, see poisson_cusum's docstring and reports.trends.calibrate.
CUSUM_H = 6.54  # cusum_h(0.02, seed=1): 2% of 4,000 flat series over it
CUSUM_H_HALF = 7.28  # cusum_h(0.01, seed=1): the CUSUM's half of the combined rule's budget


def _llr(y: FloatArray, mu: FloatArray, phi: FloatArray, rho: float, nb: bool) -> FloatArray:
    pois = y * np.log(rho) - (rho - 1.0) * mu
    if not nb:
        return pois
    over = phi > 1.0
    k = np.where(over, mu / np.where(over, phi - 1.0, 1.0), 1.0)
    k = np.maximum(k, 1e-9)
    nb_llr = y * np.log(rho * (k + mu) / (k + rho * mu)) + k * np.log((k + mu) / (k + rho * mu))
    return np.where(over, nb_llr, pois)


def poisson_cusum(
    series: WeeklySeries | SeriesBatch,
    *,
    rate_ratio: float = 4.0,
    h: float = CUSUM_H,
    baseline_weeks: int = 52,
    guard_weeks: int = 2,
    min_baseline_weeks: int = 12,
    overdispersed: bool = True,
    reset: bool = True,
    head_start: float = 0.0,
    pool_dispersion: float = 30.0,
    predictive: bool = True,
    annotations: Sequence[Annotation] = (),
) -> DetectorResult:
    """CUSUM for a rise of the share of volume to ``rate_ratio`` × the baseline share.

    Why these defaults (figures: ``bench/bench_trends.py``):

    * ``rate_ratio=4`` is the out-of-control rate to detect, chosen from the problem, not from
      a fit: a new NPS spreading at 1.3–1.6×/week stands at ×2.9–6.6 (×4.4 at the median
      1.45) in the last week the alarm is still on time (onset + 3), and a vendor adding a
      substance gives ×3–4. The Poisson increment ``y·ln ρ − (ρ−1)·μ`` is Lucas' CUSUM
      ``y − k`` scaled by ln ρ, with reference value k = (μ1 − μ0)/ln(μ1/μ0) = 3μ/ln 4 ≈ 2.16μ.
    * ``h`` is *not* tuned on rising series: it is the in-control 98th percentile of the
      largest S over weeks 14–51 of simulated flat series (``reports.trends.calibrate``:
      ``cusum_h(0.02, seed=1)``; takedown dips, overdispersion phi ≈ 1.2, 4,000 series), so
      ≤ 2% of flat substances alarm in a 52-week year. Re-run it when the defaults change.
    * ``baseline_weeks=52, min_baseline_weeks=12``: the baseline is all history up to a year
      (Noufaily-reweighted, so past rises barely count) and a week is evaluated only with a
      quarter of history behind it. At ~2 listings a week a 12-week rate is ±24% (one sd),
      a 26–52-week one ±15%; that estimation noise, not the counts, is what forced h up, so
      the longer window lowers the calibrated h and the delay. The price is slower tracking of
      slow drifts in market mix — acceptable for a one-sided rise alarm.
    * ``overdispersed=True`` uses the NB likelihood ratio with the baseline's phi,
      ``predictive=True`` adds the uncertainty of the baseline rate to phi (Farrington's
      prediction-error term), ``pool_dispersion=30`` shrinks phi toward the batch's pooled
      value (a lone series keeps its own).
    * ``head_start`` (FIR, Lucas & Crosier 1982) starts S at ``head_start · h`` in the first
      evaluated week and after each reset. Off by default: onsets come weeks after monitoring
      starts, where a head start only spends false-alarm budget; set e.g. 0.5 for a substance
      already suspected to be rising when monitoring begins, or to re-confirm a rise quickly.
    """
    if rate_ratio <= 1.0:
        raise ValueError("rate_ratio must be > 1 (the CUSUM looks for rises)")
    if not 0.0 <= head_start < 1.0:
        raise ValueError("head_start is a fraction of h in [0, 1)")
    batch = as_batch(series)
    expected, phi, evaluated = predict(batch, baseline_weeks=baseline_weeks, guard_weeks=guard_weeks,
                                       min_baseline_weeks=min_baseline_weeks, trend=False,
                                       pool_dispersion=pool_dispersion, annotations=annotations,
                                       predictive=predictive)
    mu = np.nan_to_num(expected)
    llr = _llr(batch.counts, mu, phi, rate_ratio, overdispersed)
    stat, alarms = _accumulate(llr, evaluated, h, reset, head_start * h if head_start > 0 else 0.0)
    return DetectorResult(
        detector="poisson_cusum",
        alarms=alarms,
        expected=expected,
        threshold=np.where(evaluated, h, np.nan),
        statistic=np.where(evaluated, stat, np.nan),
        evaluated=evaluated,
    )


def _accumulate(
    llr: FloatArray, evaluated: np.ndarray, h: float, reset: bool, start: float = 0.0
) -> tuple[FloatArray, np.ndarray]:
    """The CUSUM recursion: sequential in time, vectorised across series. ``start`` is the FIR
    head start: S's value before the first evaluated week and after each reset."""
    n, n_weeks = llr.shape
    stat = np.zeros((n, n_weeks))
    alarms = np.zeros((n, n_weeks), dtype=np.bool_)
    s = np.full(n, start)
    for t in range(n_weeks):
        ev = evaluated[:, t]
        s = np.where(ev, np.maximum(0.0, s + llr[:, t]), s)
        alarm = ev & (s > h)
        stat[:, t] = s
        alarms[:, t] = alarm
        if reset:
            s = np.where(alarm, start, s)
    return stat, alarms
