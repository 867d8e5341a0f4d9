"""Trend detection for the weekly NPS report: prospective alarms, burst wording, "new" rule.

Counts are always read against crawl volume (``WeeklySeries.volume``), so a market takedown
is not a decline and a recovery is not a rise. Recommended alarm: ``glr_ramp`` (generalized
likelihood ratio for a log-linear rise from an unknown onset: new substances spread, they
seldom step); ``poisson_cusum`` (NB likelihood ratio for a step to × 4) is as good on steps and
kept; ``farrington_flexible`` gives the per-week exact threshold analysts can read
("7 listings, threshold 5"); ``cusum_or_farrington`` is their union at half budget each.
Thresholds are calibrated on simulated flat series only (``calibrate``); ``bench/bench_trends.py``
prints the calibration and the delay / false-alarm figures on a held-out seed. Weeks whose
crawl volume is suspect are dropped with ``without_weeks`` (treated as not crawled).
"""

from reports.trends.annotations import Annotation, annotations_for, takedown_mask
from reports.trends.combined import cusum_or_farrington
from reports.trends.cusum import poisson_cusum
from reports.trends.farrington import farrington_flexible, farrington_pvalues
from reports.trends.glr import glr_ramp
from reports.trends.kleinberg import Burst, burst_states, kleinberg_bursts, rising_since
from reports.trends.negbin import nb_upper_quantile, nb_upper_tail
from reports.trends.novelty import new_in_period
from reports.trends.result import DetectorResult
from reports.trends.series import SeriesBatch, WeeklySeries, iso_week, week_monday, week_range, without_weeks

__all__ = [
    "Annotation",
    "Burst",
    "DetectorResult",
    "SeriesBatch",
    "WeeklySeries",
    "annotations_for",
    "burst_states",
    "cusum_or_farrington",
    "farrington_flexible",
    "farrington_pvalues",
    "glr_ramp",
    "iso_week",
    "kleinberg_bursts",
    "nb_upper_quantile",
    "nb_upper_tail",
    "new_in_period",
    "poisson_cusum",
    "rising_since",
    "takedown_mask",
    "week_monday",
    "week_range",
    "without_weeks",
]
