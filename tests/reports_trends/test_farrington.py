import numpy as np
from scipy import stats

from reports.trends import Annotation, farrington_flexible, nb_upper_quantile, nb_upper_tail

from .helpers import WEEKS, series, takedown_volume


def test_nb_quantile_matches_scipy() -> None:
    # mean 4, Var = 2 * 4 -> NB(size 4, p 0.5): scipy's parameterisation of the same law
    assert stats.nbinom.mean(4, 0.5) == 4 and stats.nbinom.var(4, 0.5) == 8
    q = nb_upper_quantile(np.array([4.0]), np.array([2.0]), 0.01)[0]
    assert q == stats.nbinom.ppf(0.99, 4, 0.5)
    assert stats.nbinom.sf(q, 4, 0.5) <= 0.01 < stats.nbinom.sf(q - 1, 4, 0.5)
    assert nb_upper_quantile(np.array([3.0]), np.array([1.0]), 0.001)[0] == stats.poisson.ppf(0.999, 3.0)
    assert np.isclose(nb_upper_tail(np.array([q + 1]), 4.0, 2.0)[0], stats.nbinom.sf(q, 4, 0.5))


def test_flat_share_through_takedown_dip_gives_no_alarm() -> None:
    volume = takedown_volume(start=25, length=4, drop=0.6)
    counts = np.round(0.01 * volume)  # constant 1% share: 20/week, 8 in the dip, 18 after
    result = farrington_flexible(series(counts, volume))
    assert result.evaluated[0, 14:].all()
    assert not result.alarms.any()
    # the expectation follows the volume: low in the dip, back up after it
    assert result.expected[0, 26] < 0.6 * result.expected[0, 20]


def test_planted_rise_is_detected_within_six_weeks() -> None:
    rng = np.random.default_rng(3)
    volume = takedown_volume()
    share = np.full(52, 0.001)
    share[30:] *= np.minimum(1.5 ** np.arange(1, 23), 20)
    result = farrington_flexible(series(rng.poisson(share * volume), volume))
    first = result.first_alarm()
    assert first is not None and 30 <= first <= 36
    assert not result.alarms[0, :30].any()


def test_min_count_rule_blocks_a_single_listing() -> None:
    volume = np.full(52, 2000.0)
    counts = np.zeros(52)
    counts[40] = 2  # first listings ever: over the rate-0 threshold (0), but below min_count
    result = farrington_flexible(series(counts, volume))
    assert result.threshold[0, 40] == 0 and not result.alarms.any()
    counts[40] = 3
    assert farrington_flexible(series(counts, volume)).first_alarm() == 40
    assert not farrington_flexible(series(counts, volume), min_count=4).alarms.any()


def test_takedown_annotation_keeps_weeks_out_of_baseline() -> None:
    volume = np.full(52, 2000.0)
    counts = np.full(52, 2.0)
    counts[20] = 30  # relisting wave in the takedown week
    notes = [Annotation(WEEKS[20], "takedown", "Market B seized", source="market-b")]
    plain = farrington_flexible(series(counts, volume))
    noted = farrington_flexible(series(counts, volume), annotations=notes)
    # weeks whose baseline covers week 20 see the wave (even down-weighted) unless annotated
    assert noted.expected[0, 25] < plain.expected[0, 25]
    assert np.isclose(noted.expected[0, 25], 2.0)
