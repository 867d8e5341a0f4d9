"""Small builders shared by the trend tests."""

from __future__ import annotations

import numpy as np

from reports.trends import WeeklySeries, week_range

WEEKS = week_range("2026-W01", 52)


def takedown_volume(start: int = 25, length: int = 4, drop: float = 0.5) -> np.ndarray:
    """2,000 listings a week, halved for ``length`` weeks from ``start``, back to 90% after."""
    volume = np.full(52, 2000.0) + 40 * np.sin(np.arange(52))
    volume[start : start + length] *= 1 - drop
    volume[start + length :] *= 0.9
    return np.round(volume)


def series(counts: np.ndarray, volume: np.ndarray, name: str = "x") -> WeeklySeries:
    return WeeklySeries(list(WEEKS), counts.astype(float), volume.astype(float), name)
