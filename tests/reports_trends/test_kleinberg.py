import numpy as np

from reports.trends import burst_states, kleinberg_bursts, rising_since

from .helpers import WEEKS, series, takedown_volume


def test_step_series_burst_starts_at_the_step() -> None:
    volume = np.full(52, 2000.0)
    counts = np.full(52, 2.0)
    counts[30:] = 8.0
    bursts = kleinberg_bursts(series(counts, volume))
    assert len(bursts) == 1
    assert (bursts[0].start_week, bursts[0].end_week) == (WEEKS[30], WEEKS[51])
    assert bursts[0].level >= 1
    assert rising_since(series(counts, volume)) == WEEKS[30]


def test_takedown_dip_is_not_a_burst_boundary() -> None:
    volume = takedown_volume(start=20, length=4, drop=0.6)
    counts = np.round(0.002 * volume)  # flat share, counts dip with the volume
    assert kleinberg_bursts(series(counts, volume)) == []
    assert rising_since(series(counts, volume)) is None


def test_never_seen_substance_has_no_state() -> None:
    states = burst_states(series(np.zeros(52), np.full(52, 100.0)))
    assert states.shape == (1, 52) and not states.any()
