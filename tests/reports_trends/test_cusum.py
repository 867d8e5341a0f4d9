import numpy as np
import pytest

from reports.trends import poisson_cusum

from .helpers import series, takedown_volume


def test_flat_share_through_takedown_dip_gives_no_alarm() -> None:
    volume = takedown_volume(start=30, length=5, drop=0.5)
    counts = np.round(0.005 * volume)
    result = poisson_cusum(series(counts, volume))
    assert not result.alarms.any()
    assert np.nanmax(result.statistic) < 1.0


def _rising() -> tuple[np.ndarray, np.ndarray]:
    volume = np.full(52, 2000.0)
    counts = np.full(52, 2.0)
    counts[30:] = 6.0  # a tripling that persists
    return counts, volume


def test_reset_restarts_the_sum_after_an_alarm() -> None:
    counts, volume = _rising()
    kept = poisson_cusum(series(counts, volume), overdispersed=False, reset=False)
    reset = poisson_cusum(series(counts, volume), overdispersed=False, reset=True)
    t = reset.first_alarm()
    assert t is not None and t == kept.first_alarm() and 30 <= t <= 34
    # after the alarm the reset sum starts from 0 with that week's log-likelihood ratio only
    step = kept.statistic[0, t + 1] - kept.statistic[0, t]
    assert reset.statistic[0, t + 1] == pytest.approx(max(0.0, step))
    assert reset.statistic[0, t + 1] < reset.threshold[0, t + 1]
    assert kept.alarms[0, t + 1] and not reset.alarms[0, t + 1]
    assert kept.alarms.sum() > reset.alarms.sum()


def test_rate_ratio_must_look_for_rises() -> None:
    counts, volume = _rising()
    with pytest.raises(ValueError):
        poisson_cusum(series(counts, volume), rate_ratio=1.0)


def test_head_start_alarms_sooner_on_a_rise_present_from_the_start() -> None:
    volume = np.full(52, 2000.0)
    counts = np.full(52, 2.0)
    counts[14:] = 8.0  # already raised in the first evaluated week (14)
    plain = poisson_cusum(series(counts, volume), overdispersed=False)
    fir = poisson_cusum(series(counts, volume), overdispersed=False, head_start=0.5)
    t_plain, t_fir = plain.first_alarm(), fir.first_alarm()
    assert t_plain is not None and t_fir is not None
    assert t_fir < t_plain
    assert fir.statistic[0, 14] == pytest.approx(max(0.0, 0.5 * fir.threshold[0, 14] + (
        plain.statistic[0, 14])))
    with pytest.raises(ValueError):
        poisson_cusum(series(counts, volume), head_start=1.0)
