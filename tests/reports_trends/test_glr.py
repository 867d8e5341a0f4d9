"""The GLR ramp detector: its closed form, its behaviour on flat, dipping and rising shares."""

import numpy as np
import pytest
from scipy import optimize

from reports.trends import glr_ramp, poisson_cusum, without_weeks
from reports.trends.glr import GLR_H, GlrBaseline, glr_statistic
from reports.trends.series import SeriesBatch
from reports.trends.simulate import simulate

from .helpers import WEEKS, series, takedown_volume


def _ramp(onset: int, growth: float, base: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """2,000 listings a week; the substance at ``base`` a week, then × ``growth`` a week from ``onset``."""
    volume = np.full(52, 2000.0)
    weeks = np.arange(52)
    counts = np.where(weeks >= onset, np.round(base * growth ** (weeks - onset + 1.0)), base)
    return np.minimum(counts, volume), volume


def test_flat_share_through_takedown_dip_gives_no_alarm() -> None:
    volume = takedown_volume(start=30, length=5, drop=0.5)
    counts = np.round(0.001 * volume)  # ~2 a week, halved with the volume during the dip
    result = glr_ramp(series(counts, volume))
    assert result.evaluated[0, 14:].all()
    assert not result.alarms.any()
    assert np.nanmax(result.statistic) < 0.5 * GLR_H


def test_same_counts_in_a_shrunken_market_are_a_rising_share() -> None:
    # the counts alone are flat, but the market shrank to 40%: the share rose × 2.5 and stays there.
    # A sustained step: the ramp family alone does not fit it (nor does the × 4 CUSUM alarm), the
    # step family does.
    volume = np.full(52, 2000.0)
    volume[30:] = 800.0
    counts = np.full(52, 4.0)
    assert glr_ramp(series(counts, volume), step=True).alarms[0, 30:37].any()
    assert not glr_ramp(series(counts, volume), step=True).alarms[0, :30].any()
    # counts falling with the volume: nothing to see, with or without the step family
    flat = np.round(0.002 * volume)
    assert not glr_ramp(series(flat, volume)).alarms.any()
    assert not glr_ramp(series(flat, volume), step=True).alarms.any()


def test_a_clear_ramp_alarms_within_three_weeks_and_not_before_its_onset() -> None:
    onset = 30
    counts, volume = _ramp(onset, 1.5)
    result = glr_ramp(series(counts, volume))
    first = result.first_alarm()
    assert first is not None
    assert onset <= first <= onset + 3
    assert not result.alarms[0, :onset].any()
    assert np.nanmax(result.statistic[0, :onset]) < 1e-9  # a flat history: no ramp fits better


def _on_time(alarms: np.ndarray, onset: np.ndarray) -> float:
    """Share of rising series alarmed within 3 weeks of onset (none before onset counts)."""
    rising = np.flatnonzero(onset >= 0)
    return float(np.mean([alarms[i, onset[i] : onset[i] + 4].any() for i in rising]))


def test_ramps_are_caught_sooner_than_by_the_cusum() -> None:
    # the point of the GLR: at the same ~2% flat-series budget, more ramps within 3 weeks
    # (+2 to +4 points on seeds 13, 21, 23, 29 with 600 + 600 series; 50.5% vs 47.5% here)
    sim = simulate(n_rising=600, n_null=600, seed=21, nb_shape=10.0, scenario="growth")
    glr, cusum = glr_ramp(sim.batch).alarms, poisson_cusum(sim.batch).alarms
    assert _on_time(glr, sim.onset) >= _on_time(cusum, sim.onset) + 0.02
    null = sim.onset < 0
    assert glr[null].any(1).mean() <= cusum[null].any(1).mean() + 0.01


def test_closed_form_equals_the_numerically_profiled_likelihood_ratio() -> None:
    rng = np.random.default_rng(4)
    n_weeks, lag, r = 10, 3, 1.4  # onset τ = t - lag in the last week t
    y = rng.poisson(3.0 * 1.3 ** np.clip(np.arange(n_weeks) - 5.0, 0, None)).astype(float)  # rising from week 6
    v = rng.uniform(900, 1100, n_weeks)
    y_b, v_b = 60.0, 30_000.0  # baseline: 60 listings in 30,000 crawled
    t = n_weeks - 1
    ok = np.zeros(n_weeks, dtype=bool)
    ok[t - lag] = True  # only this onset is a candidate
    base = GlrBaseline(rate=np.full((1, n_weeks), y_b / v_b), phi=np.ones((1, n_weeks)),
                       count=np.full((1, n_weeks), y_b), volume=np.full((1, n_weeks), v_b), evaluated=ok[None, :])
    got = glr_statistic(y[None, :], v[None, :], base, window=lag + 1, growth=(r,))[0, t]

    s = np.arange(t - lag, t + 1)
    mult = r ** (s - (t - lag) + 1.0)

    def neg_loglik(log_a: float, m: np.ndarray) -> float:  # Poisson, up to constants
        a = np.exp(log_a)
        return -(y_b * log_a - a * v_b + float(np.sum(y[s] * np.log(a * v[s] * m) - a * v[s] * m)))

    l1 = -optimize.minimize_scalar(lambda la: neg_loglik(la, mult)).fun
    l0 = -optimize.minimize_scalar(lambda la: neg_loglik(la, np.ones_like(mult))).fun
    assert got == pytest.approx(max(l1 - l0, 0.0), rel=1e-6, abs=1e-9)
    # a thin baseline (same rate, 1/20 of the evidence) makes the same window less convincing
    thin = GlrBaseline(rate=base.rate, phi=base.phi, count=base.count / 20, volume=base.volume / 20,
                       evaluated=base.evaluated)
    assert glr_statistic(y[None, :], v[None, :], thin, window=lag + 1, growth=(r,))[0, t] < got


def test_never_seen_substance_and_missing_weeks_stay_finite() -> None:
    volume = np.full(52, 2000.0)
    counts = np.zeros(52)
    counts[40] = 1.0  # a single listing of a substance never seen before
    batch = without_weeks(SeriesBatch(list(WEEKS), counts[None, :], volume, ["x"]), [WEEKS[38]])
    result = glr_ramp(batch)
    assert not result.alarms.any()
    assert not result.evaluated[0, 38]
    assert np.all(np.isfinite(result.statistic[result.evaluated]))


def test_invalid_arguments() -> None:
    counts, volume = _ramp(30, 1.5)
    with pytest.raises(ValueError):
        glr_ramp(series(counts, volume), growth=(1.0, 1.5))
    with pytest.raises(ValueError):
        glr_ramp(series(counts, volume), window=0)


def test_meets_loose_floors_on_simulated_growth() -> None:
    sim = simulate(n_rising=80, n_null=150, seed=5, nb_shape=10.0)
    result = glr_ramp(sim.batch)
    rising = np.flatnonzero(sim.onset >= 0)
    delays = [int(np.flatnonzero(result.alarms[i, sim.onset[i]:])[0])
              for i in rising if result.alarms[i, sim.onset[i]:].any()]
    assert np.median(delays) <= 5
    assert len(delays) >= 0.95 * len(rising)
    assert result.alarms[sim.onset < 0].any(1).mean() <= 0.07
