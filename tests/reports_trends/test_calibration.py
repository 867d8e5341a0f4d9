"""Thresholds come from flat series only, and they hold on flat series they were not set on."""

import numpy as np
import pytest

from reports.trends import cusum_or_farrington, farrington_flexible, farrington_pvalues, glr_ramp, poisson_cusum
from reports.trends.calibrate import _upper_quantile, cusum_h, farrington_alpha, glr_h
from reports.trends.simulate import simulate


def test_upper_quantile_lets_at_most_the_budget_exceed() -> None:
    worst = np.arange(100, dtype=float)
    v = _upper_quantile(worst, 0.05)
    assert (worst > v).sum() == 5
    with pytest.raises(ValueError):
        _upper_quantile(worst, 0.0)


@pytest.mark.parametrize(("calibrate", "detector", "seed"), [(cusum_h, poisson_cusum, 21), (glr_h, glr_ramp, 31)],
                         ids=["cusum", "glr"])
def test_calibrated_h_holds_on_a_held_out_seed(calibrate, detector, seed) -> None:  # type: ignore[no-untyped-def]
    h = calibrate(0.05, seed=seed, n_null=400)
    assert h > 0
    fit = simulate(n_rising=0, n_null=400, seed=seed, nb_shape=10.0)
    held = simulate(n_rising=0, n_null=400, seed=seed + 1, nb_shape=10.0)
    assert detector(fit.batch, h=h).alarms.any(1).mean() <= 0.05
    # out of sample: around the budget, far from the "alarm on everything" of an untuned h
    assert 0.0 < detector(held.batch, h=h).alarms.any(1).mean() <= 0.10
    assert detector(held.batch, h=h / 3).alarms.any(1).mean() > 0.10


def test_farrington_alarms_exactly_where_the_p_value_is_below_alpha() -> None:
    sim = simulate(n_rising=30, n_null=30, seed=23)
    alpha = 0.002
    p = farrington_pvalues(sim.batch)
    assert np.array_equal(farrington_flexible(sim.batch, alpha=alpha).alarms, p <= alpha)
    a = farrington_alpha(0.05, seed=24, n_null=400)
    flat = simulate(n_rising=0, n_null=400, seed=24, nb_shape=10.0)
    assert farrington_flexible(flat.batch, alpha=a).alarms.any(1).mean() <= 0.05


def test_union_alarms_where_either_detector_does() -> None:
    sim = simulate(n_rising=40, n_null=40, seed=25)
    union = cusum_or_farrington(sim.batch, h=5.0, alpha=0.001)
    either = poisson_cusum(sim.batch, h=5.0).alarms | farrington_flexible(sim.batch, alpha=0.001).alarms
    assert np.array_equal(union.alarms, either)
    assert union.alarms.any()
