"""Loose floors on a small seeded simulation; bench/bench_trends.py prints the real figures."""

import numpy as np

from reports.trends import farrington_flexible, poisson_cusum
from reports.trends.result import DetectorResult
from reports.trends.simulate import simulate


def _score(result: DetectorResult, onset: np.ndarray) -> tuple[float, float, float]:
    rising = np.flatnonzero(onset >= 0)
    delays = [
        int(np.flatnonzero(result.alarms[i, onset[i] :])[0]) for i in rising if result.alarms[i, onset[i] :].any()
    ]
    missed = 1 - len(delays) / len(rising)
    null_alarmed = result.alarms[onset < 0, 14:].any(1).mean()
    return float(np.median(delays)), missed, float(null_alarmed)


def test_detectors_meet_loose_floors() -> None:
    sim = simulate(n_rising=80, n_null=150, seed=5, nb_shape=10.0)
    delay, missed, null = _score(poisson_cusum(sim.batch), sim.onset)
    assert delay <= 6 and missed <= 0.1 and null <= 0.07
    delay, missed, null = _score(farrington_flexible(sim.batch), sim.onset)
    assert delay <= 7 and missed <= 0.2 and null <= 0.07


def test_volume_offset_beats_raw_counts_on_null_series() -> None:
    sim = simulate(n_rising=0, n_null=150, seed=6, nb_shape=10.0)
    result = poisson_cusum(sim.batch)
    # expected counts follow each series' takedown dip: lower in the dip than before it
    rows = np.arange(150)
    before = result.expected[rows, np.maximum(sim.takedown - 1, 14)]
    during = result.expected[rows, sim.takedown]
    evaluated = sim.takedown - 1 >= 14
    assert np.all(during[evaluated] < before[evaluated])
