"""Seeded synthetic weekly series for the benchmark and the tests (no real data involved).

Each series has its own market history: ~2,000 listings crawled a week (±5%), a takedown at a
random week that removes 40–60% of the volume for 2–6 weeks, then a partial recovery to
70–95% of the old level. A substance holds ~0.1% of the volume (≈ 2 listings a week; the share
varies by series, log-normal σ = 0.3) with gamma-Poisson overdispersion (shape 4, so
Var ≈ μ + μ²/4, phi ≈ 1.5 at μ = 2).

Rises (onset between weeks 20 and 45, inclusive):

* ``"growth"`` (the benchmark's headline scenario): the share multiplies by g ∈ [1.3, 1.6]
  each week from the onset week (the onset week itself is already × g), capped at × 20 — how
  a new NPS typically spreads across vendors.
* ``"step"``: the share jumps to × 3–4 at onset and stays there (a big vendor adding it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from reports.trends.series import FloatArray, IntArray, SeriesBatch, week_range

Scenario = Literal["growth", "step"]


@dataclass(frozen=True)
class Simulation:
    """The batch plus the truth: onset week index (-1 for null series) and takedown week."""

    batch: SeriesBatch
    onset: IntArray
    takedown: IntArray


def _volumes(rng: np.random.Generator, n: int, n_weeks: int, base: float) -> tuple[FloatArray, IntArray]:
    level = base * (1 + 0.05 * rng.standard_normal((n, n_weeks)))
    takedown = rng.integers(8, n_weeks - 4, size=n)
    length = rng.integers(2, 7, size=n)
    drop = rng.uniform(0.4, 0.6, size=n)
    recovered = rng.uniform(0.7, 0.95, size=n)
    t = np.arange(n_weeks)[None, :]
    in_dip = (t >= takedown[:, None]) & (t < (takedown + length)[:, None])
    after = t >= (takedown + length)[:, None]
    factor = np.where(in_dip, 1 - drop[:, None], np.where(after, recovered[:, None], 1.0))
    return np.round(level * factor), takedown


def _multipliers(rng: np.random.Generator, onset: IntArray, n_weeks: int, scenario: Scenario) -> FloatArray:
    t = np.arange(n_weeks)[None, :]
    since = t - onset[:, None] + 1  # 1 in the onset week
    rising = (onset[:, None] >= 0) & (since >= 1)
    if scenario == "growth":
        g = rng.uniform(1.3, 1.6, size=onset.shape)[:, None]
        mult = np.minimum(g ** np.clip(since, 0, None), 20.0)
    else:
        mult = np.broadcast_to(rng.uniform(3.0, 4.0, size=onset.shape)[:, None], since.shape)
    return np.where(rising, mult, 1.0)


def simulate(
    *,
    n_rising: int = 200,
    n_null: int = 200,
    n_weeks: int = 52,
    scenario: Scenario = "growth",
    seed: int = 0,
    base_volume: float = 2000.0,
    base_share: float = 0.001,
    nb_shape: float = 4.0,
) -> Simulation:
    """Rising series first, then null series; everything drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    n = n_rising + n_null
    volume, takedown = _volumes(rng, n, n_weeks, base_volume)
    onset = np.full(n, -1, dtype=np.int64)
    onset[:n_rising] = rng.integers(20, 46, size=n_rising)
    share = base_share * np.exp(0.3 * rng.standard_normal(n))[:, None]
    mean = share * _multipliers(rng, onset, n_weeks, scenario) * volume
    mean = mean * rng.gamma(nb_shape, 1.0 / nb_shape, size=mean.shape)
    counts = np.minimum(rng.poisson(mean).astype(np.float64), volume)
    batch = SeriesBatch(
        weeks=week_range("2026-W01", n_weeks),
        counts=counts,
        volume=volume,
        names=[f"sim-{i:04d}" for i in range(n)],
    )
    return Simulation(batch=batch, onset=onset, takedown=takedown)
