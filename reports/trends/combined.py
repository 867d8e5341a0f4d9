"""Union rule: alarm when the CUSUM or the Farrington threshold fires, each at half the budget.

The two detectors see different evidence — the CUSUM accumulates a moderate excess over
weeks, the Farrington threshold reacts to one large week — so their union can catch both
kinds of rise. By the union bound P(A ∪ B) ≤ P(A) + P(B), giving each detector half of the 2%
false-alarm budget keeps the union at ≤ 2% of flat series (less when both fire on the same
series); both halves are calibrated on flat series only (``reports.trends.calibrate``).
"""

from __future__ import annotations

from collections.abc import Sequence

from reports.trends.annotations import Annotation
from reports.trends.cusum import CUSUM_H_HALF, poisson_cusum
from reports.trends.farrington import FARRINGTON_ALPHA_HALF, farrington_flexible
from reports.trends.result import DetectorResult
from reports.trends.series import SeriesBatch, WeeklySeries


def cusum_or_farrington(
    series: WeeklySeries | SeriesBatch,
    *,
    h: float = CUSUM_H_HALF,
    alpha: float = FARRINGTON_ALPHA_HALF,
    annotations: Sequence[Annotation] = (),
) -> DetectorResult:
    """Alarms of either detector; ``expected``/``statistic`` are the CUSUM's, ``threshold`` the
    Farrington count threshold (the readable one)."""
    cusum = poisson_cusum(series, h=h, annotations=annotations)
    farr = farrington_flexible(series, alpha=alpha, annotations=annotations)
    return DetectorResult(
        detector="cusum_or_farrington",
        alarms=cusum.alarms | farr.alarms,
        expected=cusum.expected,
        threshold=farr.threshold,
        statistic=cusum.statistic,
        evaluated=cusum.evaluated | farr.evaluated,
    )


__all__ = ["cusum_or_farrington"]
