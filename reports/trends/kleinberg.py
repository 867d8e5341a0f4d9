"""Kleinberg's multi-state burst automaton on counts relative to crawl volume (retrospective).

Used only for wording ("rising since 2026-W14"), never for alarms: the Viterbi path is fitted
on the whole series, so a burst's start can move when later weeks arrive.

Model (Kleinberg 2002, §4 "batched arrivals"): week t has d_t listings crawled, r_t of them
for the substance. State i emits at rate p_i = p_0 · s^i with p_0 = Σr/Σd; the cost of week t
in state i is −ln[p_i^{r_t} (1 − p_i)^{d_t − r_t}]; moving up i → j costs (j − i) · γ · ln T
and moving down is free. Because the volume d_t is the denominator, a takedown (small d_t)
neither starts nor ends a burst by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reports.trends.series import IntArray, SeriesBatch, WeeklySeries, as_batch


@dataclass(frozen=True, slots=True)
class Burst:
    """A run of weeks in a raised state; ``end_week`` is inclusive, ``level`` the highest state."""

    start_week: str
    end_week: str
    level: int
    start_index: int
    end_index: int


def burst_states(
    series: WeeklySeries | SeriesBatch, *, s: float = 2.0, gamma: float = 1.0, levels: int = 3
) -> IntArray:
    """Most likely state (0 = base rate) of every week, (n_series, n_weeks), by Viterbi."""
    if s <= 1.0 or levels < 2:
        raise ValueError("need s > 1 and at least 2 levels")
    batch = as_batch(series)
    r, d = batch.counts, batch.volume
    n, n_weeks = r.shape
    p0 = r.sum(1) / np.maximum(d.sum(1), 1e-12)
    rates = np.minimum(p0[:, None] * s ** np.arange(levels), 1 - 1e-9)  # (n, K)
    safe = np.where(rates > 0, rates, 1.0)
    cost = -(r[..., None] * np.log(safe[:, None, :]) + (d - r)[..., None] * np.log1p(-rates[:, None, :]))
    step_up = gamma * np.log(max(n_weeks, 2))
    levels_idx = np.arange(levels)
    tau = np.maximum(levels_idx[None, :] - levels_idx[:, None], 0) * step_up  # tau[i, j]
    total = cost[:, 0, :] + levels_idx * step_up
    back = np.zeros((n, n_weeks, levels), dtype=np.int64)
    for t in range(1, n_weeks):
        cand = total[:, :, None] + tau[None, :, :]
        back[:, t, :] = cand.argmin(1)
        total = cand.min(1) + cost[:, t, :]
    states = np.zeros((n, n_weeks), dtype=np.int64)
    states[:, -1] = total.argmin(1)
    rows = np.arange(n)
    for t in range(n_weeks - 1, 0, -1):
        states[:, t - 1] = back[rows, t, states[:, t]]
    states[p0 <= 0] = 0
    return states


def kleinberg_bursts(series: WeeklySeries, *, s: float = 2.0, gamma: float = 1.0, levels: int = 3) -> list[Burst]:
    """Maximal runs of weeks above the base state, in time order."""
    states = burst_states(series, s=s, gamma=gamma, levels=levels)[0]
    bursts: list[Burst] = []
    start = -1
    for t, state in enumerate([*states.tolist(), 0]):
        if state > 0 and start < 0:
            start = t
        elif state == 0 and start >= 0:
            level = int(states[start:t].max())
            bursts.append(Burst(series.weeks[start], series.weeks[t - 1], level, start, t - 1))
            start = -1
    return bursts


def rising_since(series: WeeklySeries, *, s: float = 2.0, gamma: float = 1.0, levels: int = 3) -> str | None:
    """Start week of the burst still running in the last week, for "rising since week X"."""
    bursts = kleinberg_bursts(series, s=s, gamma=gamma, levels=levels)
    if bursts and bursts[-1].end_index == len(series.weeks) - 1:
        return bursts[-1].start_week
    return None
