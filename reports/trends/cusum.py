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

from reports.trends.annotations import Annotation, takedown_mask
from reports.trends.baseline import fit_baselines
from reports.trends.result import DetectorResult
from reports.trends.series import FloatArray, SeriesBatch, WeeklySeries, as_batch


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
    rate_ratio: float = 2.0,
    h: float = 6.0,
    baseline_weeks: int = 12,
    guard_weeks: int = 2,
    min_baseline_weeks: int = 6,
    overdispersed: bool = True,
    reset: bool = True,
    pool_dispersion: float = 30.0,
    predictive: bool = True,
    annotations: Sequence[Annotation] = (),
) -> DetectorResult:
    """CUSUM tuned to detect a doubling (``rate_ratio=2``) of the share of volume.

    Why these defaults (``bench/bench_trends.py``, seed 7, 200 rising + 200 null series):
    a doubling is the smallest change analysts act on. ``h=6`` is the smallest limit that
    keeps ≤ 2% of flat substances alarmed over weeks 14–51 (h=5: 3.5–4.5%, h=6: 1–2.5%,
    h=7: 0–1.5%); with it a 1.3–1.6×/week rise is flagged after a median 4 weeks, a step to
    ×3–4 after 3. ``overdispersed=True`` uses the NB likelihood ratio with the baseline's
    phi (the plain Poisson CUSUM alarmed 10–18% of null series at the same h);
    ``predictive=True`` adds the uncertainty of the 12-week rate to phi (Farrington's
    prediction-error term), and ``pool_dispersion=30`` shrinks phi toward the batch's pooled
    value — together they cut null alarms from 5.5–7.5% to 1–2.5% at the same h. Baseline settings match
    ``farrington_flexible`` so both detectors see the same expected counts.
    """
    if rate_ratio <= 1.0:
        raise ValueError("rate_ratio must be > 1 (the CUSUM looks for rises)")
    batch = as_batch(series)
    usable = (batch.volume > 0) & ~takedown_mask(batch.weeks, annotations)[None, :]
    fit = fit_baselines(
        batch.counts,
        batch.volume,
        usable,
        baseline_weeks=baseline_weeks,
        guard_weeks=guard_weeks,
        trend=False,
        pool_dispersion=pool_dispersion,
    )
    evaluated = (fit.n_used >= min_baseline_weeks) & (batch.volume > 0)
    expected = np.where(evaluated, fit.rate * batch.volume, np.nan)
    mu = np.nan_to_num(expected)
    phi = fit.phi * (1.0 + (mu / np.maximum(fit.total, 1e-12) if predictive else 0.0))
    llr = _llr(batch.counts, mu, phi, rate_ratio, overdispersed)
    stat, alarms = _accumulate(llr, evaluated, h, reset)
    return DetectorResult(
        detector="poisson_cusum",
        alarms=alarms,
        expected=expected,
        threshold=np.where(evaluated, h, np.nan),
        statistic=np.where(evaluated, stat, np.nan),
        evaluated=evaluated,
    )


def _accumulate(llr: FloatArray, evaluated: np.ndarray, h: float, reset: bool) -> tuple[FloatArray, np.ndarray]:
    """The CUSUM recursion: sequential in time, vectorised across series."""
    n, n_weeks = llr.shape
    stat = np.zeros((n, n_weeks))
    alarms = np.zeros((n, n_weeks), dtype=np.bool_)
    s = np.zeros(n)
    for t in range(n_weeks):
        ev = evaluated[:, t]
        s = np.where(ev, np.maximum(0.0, s + llr[:, t]), s)
        alarm = ev & (s > h)
        stat[:, t] = s
        alarms[:, t] = alarm
        if reset:
            s = np.where(alarm, 0.0, s)
    return stat, alarms
