"""Weekly series of listing counts, always paired with the crawl volume of the same week.

A count alone cannot tell "fewer listings of X" from "fewer listings crawled" (a market
takedown halves every count at once), so every detector takes the volume as exposure.
Weeks are ISO 8601 week labels ("2026-W19") because the report is weekly and ISO weeks never
straddle a year boundary ambiguously.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]

_WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")


def iso_week(day: date) -> str:
    """The ISO week label of a day, e.g. ``date(2026, 5, 6)`` -> ``"2026-W19"``."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_monday(label: str) -> date:
    """The Monday that starts an ISO week label; raises ValueError on a malformed label."""
    match = _WEEK_RE.match(label)
    if match is None:
        raise ValueError(f"not an ISO week label (want 'YYYY-Www'): {label!r}")
    return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)


def week_range(first: str, n_weeks: int) -> list[str]:
    """``n_weeks`` consecutive ISO week labels starting at ``first``."""
    monday = week_monday(first)
    return [iso_week(monday + timedelta(weeks=i)) for i in range(n_weeks)]


def _check_consecutive(weeks: Sequence[str]) -> None:
    mondays = [week_monday(w) for w in weeks]
    for prev, cur in itertools.pairwise(mondays):
        if cur - prev != timedelta(weeks=1):
            raise ValueError(f"weeks must be consecutive: {iso_week(prev)} then {iso_week(cur)}")


@dataclass(frozen=True)
class WeeklySeries:
    """One substance: listings per week and the total listings crawled that week.

    ``volume`` is the denominator (exposure). A week with volume 0 means "not crawled": it is
    neither used in baselines nor evaluated, which is different from "crawled, none seen".
    """

    weeks: list[str]
    counts: FloatArray
    volume: FloatArray
    name: str = ""

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts, dtype=np.float64)
        volume = np.asarray(self.volume, dtype=np.float64)
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "volume", volume)
        if counts.shape != (len(self.weeks),) or volume.shape != counts.shape:
            raise ValueError("weeks, counts and volume must have the same length")
        _check_values(counts, volume)
        _check_consecutive(self.weeks)


@dataclass(frozen=True)
class SeriesBatch:
    """Many substances over the same weeks: ``counts`` is (n_series, n_weeks).

    ``volume`` is (n_weeks,) when every substance shares the crawl volume (the usual case: total
    listings crawled that week) or (n_series, n_weeks) when each has its own denominator.
    Detectors work on batches so that 1,000 substances cost one set of numpy operations.
    """

    weeks: list[str]
    counts: FloatArray
    volume: FloatArray
    names: list[str]

    def __post_init__(self) -> None:
        counts = np.atleast_2d(np.asarray(self.counts, dtype=np.float64))
        volume = np.asarray(self.volume, dtype=np.float64)
        if counts.shape[1] != len(self.weeks) or len(self.names) != counts.shape[0]:
            raise ValueError("counts must be (len(names), len(weeks))")
        volume = np.broadcast_to(volume, counts.shape).copy()
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "volume", volume)
        _check_values(counts, volume)
        _check_consecutive(self.weeks)

    @classmethod
    def from_series(cls, series: Sequence[WeeklySeries]) -> SeriesBatch:
        """Stack single series that share the same weeks."""
        if not series:
            raise ValueError("no series to stack")
        weeks = series[0].weeks
        if any(s.weeks != weeks for s in series):
            raise ValueError("all series must cover the same weeks")
        return cls(
            weeks=list(weeks),
            counts=np.stack([s.counts for s in series]),
            volume=np.stack([s.volume for s in series]),
            names=[s.name for s in series],
        )

    def series(self, index: int) -> WeeklySeries:
        """Row ``index`` as a single series."""
        return WeeklySeries(list(self.weeks), self.counts[index], self.volume[index], self.names[index])


def without_weeks(series: SeriesBatch, weeks: Iterable[str]) -> SeriesBatch:
    """The batch with ``weeks`` marked not crawled (volume and counts 0), i.e. missing.

    For weeks whose crawl volume is known to be wrong — the scheduler's ``suspect-volume``
    flag (parser drift, a half-blocked crawl): a wrong denominator would read as a rise or a
    decline of every share. Missing weeks are neither used in baselines nor evaluated, the
    CUSUM carries its sum over them, and Kleinberg's cost is 0 in every state. Labels not in
    ``series.weeks`` are ignored.
    """
    drop = set(weeks)
    keep = np.array([w not in drop for w in series.weeks], dtype=np.bool_)
    return SeriesBatch(
        weeks=list(series.weeks),
        counts=np.where(keep[None, :], series.counts, 0.0),
        volume=np.where(keep[None, :], series.volume, 0.0),
        names=list(series.names),
    )


def as_batch(series: WeeklySeries | SeriesBatch) -> SeriesBatch:
    """A batch view of either input, so every detector has one code path."""
    if isinstance(series, SeriesBatch):
        return series
    return SeriesBatch(list(series.weeks), series.counts[None, :], series.volume, [series.name])


def _check_values(counts: FloatArray, volume: FloatArray) -> None:
    if not (np.all(np.isfinite(counts)) and np.all(np.isfinite(volume))):
        raise ValueError("counts and volume must be finite")
    if np.any(counts < 0) or np.any(volume < 0):
        raise ValueError("counts and volume must be non-negative")
    if np.any(counts > volume):
        raise ValueError("a substance count cannot exceed the week's crawl volume")
