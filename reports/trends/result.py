"""What every prospective detector returns, in one shape whatever the detector."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reports.trends.series import BoolArray, FloatArray, IntArray


@dataclass(frozen=True)
class DetectorResult:
    """Per-series, per-week outputs; every array is (n_series, n_weeks).

    A single ``WeeklySeries`` gives n_series == 1. Weeks that could not be evaluated (too little
    baseline, or no crawl that week) have ``evaluated`` False, ``alarms`` False and NaN in
    ``expected``/``threshold``/``statistic``.

    * ``expected``: expected count that week under the baseline (rate × that week's volume).
    * ``threshold``: count above which the week alarms (Farrington: the NB quantile; CUSUM: the
      decision limit ``h`` on the statistic, repeated per week).
    * ``statistic``: Farrington: exceedance score (y - expected) / (threshold - expected), > 1
      means over threshold; CUSUM: the cumulative sum S_t.
    """

    detector: str
    alarms: BoolArray
    expected: FloatArray
    threshold: FloatArray
    statistic: FloatArray
    evaluated: BoolArray

    @property
    def first_alarm_index(self) -> IntArray:
        """Index of each series' first alarm week, -1 when it never alarms."""
        any_alarm = self.alarms.any(axis=1)
        first = np.argmax(self.alarms, axis=1).astype(np.int64)
        return np.where(any_alarm, first, -1)

    def first_alarm(self, row: int = 0) -> int | None:
        """First alarm week index of one series, None when it never alarms."""
        value = int(self.first_alarm_index[row])
        return None if value < 0 else value
