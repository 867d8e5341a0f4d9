"""Benchmark the NPS trend detectors on seeded synthetic series (see reports.trends.simulate).

Run from the project root:  .venv/bin/python -m bench.bench_trends [--calibration-seed 1] [--seed 7] [--n 200]

1. Calibration (flat series only, ``--calibration-seed``): the GLR's h (ramp family, and ramp
   or step), the CUSUM's h and the Farrington alpha at which 2% of 4,000 simulated flat series
   ever alarm, and at 1% each for the union rule (``reports.trends.calibrate``). Rising series
   are never used to set a threshold; the values are printed next to the code defaults they
   produced.
2. Figures with those thresholds, on the calibration seed and on a held-out seed (``--seed``)
   (the calibration-seed rows are a 200 + 200 draw from that seed, not the 4,000 flat series
   themselves, so their null share is near, not exactly at, the 2% the calibration fixed):
   per rise scenario and detector, the median detection delay in weeks after onset among
   detected rising series (0 = alarm in the first elevated week), the rising series missed,
   and the share of null series with any alarm in the 52 weeks (the detectors evaluate from
   week 14, once 12 baseline weeks sit behind the 2-week guard). The naive rule on raw counts
   ("count > mean + 2 sd of the last 8 weeks", no volume offset) is the strawman.
3. Runtime of each detector on 1,000 series.

Scenarios: "growth" (share × 1.3–1.6 per week from the onset week, the headline) and "step"
(share × 3–4 from onset); onsets in weeks 20–45; every series has its own takedown dip (volume
−40–60% for 2–6 weeks, partial recovery). Overdispersion: gamma-Poisson shape 10 (phi ≈ 1.2 at
2 listings/week; the calibration model) for the headline rows, shape 4 (phi ≈ 1.5) as a harder
sensitivity check that the thresholds were *not* calibrated for.

Context for the target (median ≤ 3 weeks at ≤ 2% null alarmed): an oracle NB CUSUM that knows
every series' true in-control mean, calibrated the same way, has P(delay ≤ 3) ≈ 0.55–0.57 on
the growth scenario (shape 10) and ≈ 0.45 at shape 4; an oracle NB GLR (the ramp family of
``reports.trends.glr`` with the true mean) ≈ 0.60. So at ~2 listings a week the median is
3 weeks at best, and only just: with 200 rising series the share detected by week 3 has a
sampling sd of ~3.5 points, and the bench prints that share so the margin is visible. The GLR
(``reports.trends.glr``) is the recommended detector because it is built for the ramp; it
gains ~4 points of that share over the CUSUM (0–6 across seeds) and matches it on steps.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from reports.trends import cusum_or_farrington, farrington_flexible, glr_ramp, poisson_cusum
from reports.trends.calibrate import cusum_h, farrington_alpha, glr_h
from reports.trends.cusum import CUSUM_H, CUSUM_H_HALF
from reports.trends.farrington import FARRINGTON_ALPHA, FARRINGTON_ALPHA_HALF
from reports.trends.glr import GLR_H, GLR_H_STEP
from reports.trends.series import BoolArray, IntArray, SeriesBatch
from reports.trends.simulate import Scenario, simulate

Detector = Callable[[SeriesBatch], BoolArray]


def naive_sd_rule(batch: SeriesBatch, window: int = 8) -> BoolArray:
    """Raw counts, no volume: alarm when count > mean + 2 sd of the previous ``window`` weeks."""
    y = batch.counts
    alarms = np.zeros(y.shape, dtype=np.bool_)
    for t in range(window, y.shape[1]):
        past = y[:, t - window : t]
        alarms[:, t] = y[:, t] > past.mean(1) + 2 * past.std(1, ddof=1)
    return alarms


@dataclass(frozen=True)
class Figures:
    median: float
    on_time: float  # share of rising series alarmed within 3 weeks of onset
    missed: int
    n_rising: int
    null_alarmed: float


def evaluate(alarms: BoolArray, onset: IntArray) -> Figures:
    """Delay = first alarm at or after onset; null share = any alarm in any week."""
    rising = np.flatnonzero(onset >= 0)
    delays = [int(hits[0]) for i in rising if (hits := np.flatnonzero(alarms[i, onset[i] :])).size]
    null = alarms[onset < 0].any(1)
    return Figures(
        median=float(np.median(delays)) if delays else float("nan"),
        on_time=float(np.mean([d <= 3 for d in delays] + [False] * (len(rising) - len(delays)))) if len(rising) else 0,
        missed=len(rising) - len(delays),
        n_rising=len(rising),
        null_alarmed=float(null.mean()) if null.size else float("nan"),
    )


def detectors(
    h: float, alpha: float, h_half: float, alpha_half: float, h_glr: float, h_glr_step: float
) -> dict[str, Detector]:
    return {
        "glr ramp (recommended)": lambda b: glr_ramp(b, h=h_glr).alarms,
        "glr ramp|step": lambda b: glr_ramp(b, h=h_glr_step, step=True).alarms,
        "cusum": lambda b: poisson_cusum(b, h=h).alarms,
        "farrington-flexible": lambda b: farrington_flexible(b, alpha=alpha).alarms,
        "cusum|farrington 1%+1%": lambda b: cusum_or_farrington(b, h=h_half, alpha=alpha_half).alarms,
        "naive raw mean+2sd": naive_sd_rule,
    }


def _run(label: str, dets: dict[str, Detector], scenario: Scenario, n: int, seed: int, shape: float) -> None:
    sim = simulate(n_rising=n, n_null=n, scenario=scenario, seed=seed, nb_shape=shape)
    for name, detect in dets.items():
        f = evaluate(detect(sim.batch), sim.onset)
        print(
            f"{label:<17} {scenario:<6} shape={shape:<3g} {name:<23} median delay {f.median:4.1f} wk"
            f"  ≤3 wk {f.on_time:6.1%}  missed {f.missed:3d}/{f.n_rising}  null alarmed {f.null_alarmed:6.1%}"
        )


def _timing(seed: int, dets: dict[str, Detector]) -> None:
    sim = simulate(n_rising=500, n_null=500, seed=seed, nb_shape=10.0)
    for name, detect in dets.items():
        detect(sim.batch)  # warm-up (imports, caches)
        start = time.perf_counter()
        detect(sim.batch)
        elapsed = time.perf_counter() - start
        print(f"runtime 1,000 series x 52 weeks  {name:<23} {elapsed * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibration-seed", type=int, default=1, help="flat series that set the thresholds")
    parser.add_argument("--seed", type=int, default=7, help="held-out seed for the reported figures")
    parser.add_argument("--n", type=int, default=200, help="rising and null series each")
    args = parser.parse_args()
    if args.seed == args.calibration_seed:
        parser.error("the held-out seed must differ from the calibration seed")
    cal = args.calibration_seed
    h, h_half = cusum_h(0.02, seed=cal), cusum_h(0.01, seed=cal)
    alpha, alpha_half = farrington_alpha(0.02, seed=cal), farrington_alpha(0.01, seed=cal)
    print(f"calibration on 4,000 flat series, seed={cal}, shape 10 (code defaults in brackets):")
    print(f"  cusum h      2%: {h:.3f} [{CUSUM_H}]   1%: {h_half:.3f} [{CUSUM_H_HALF}]")
    print(f"  farrington a 2%: {alpha:.2e} [{FARRINGTON_ALPHA:.2e}]", end="")
    print(f"   1%: {alpha_half:.2e} [{FARRINGTON_ALPHA_HALF:.2e}]")
    h_glr, h_glr_step = glr_h(0.02, seed=cal), glr_h(0.02, seed=cal, step=True)
    print(f"  glr h        2%: {h_glr:.3f} [{GLR_H}]   with step family 2%: {h_glr_step:.3f} [{GLR_H_STEP}]")
    dets = detectors(h, alpha, h_half, alpha_half, h_glr, h_glr_step)
    print(f"{args.n} rising + {args.n} null series per scenario, 52 weeks")
    for label, seed in ((f"calibration s={cal}", cal), (f"held-out s={args.seed}", args.seed)):
        for shape in (10.0, 4.0):
            for scenario in ("growth", "step"):
                _run(label, dets, scenario, args.n, seed, shape)
    _timing(args.seed, dets)


if __name__ == "__main__":
    main()
