from datetime import date

import numpy as np
import pytest

from reports.trends import Annotation, SeriesBatch, WeeklySeries, iso_week, takedown_mask, week_monday, week_range


def test_iso_week_round_trip_across_year_boundary() -> None:
    assert iso_week(date(2026, 5, 6)) == "2026-W19"
    assert iso_week(date(2027, 1, 1)) == "2026-W53"
    assert week_monday("2026-W19") == date(2026, 5, 4)
    assert week_range("2026-W52", 3) == ["2026-W52", "2026-W53", "2027-W01"]


def test_series_rejects_bad_input() -> None:
    weeks = week_range("2026-W01", 3)
    with pytest.raises(ValueError):
        WeeklySeries(weeks, np.array([1.0, 2.0]), np.array([10.0, 10.0, 10.0]))
    with pytest.raises(ValueError):
        WeeklySeries(weeks, np.array([1.0, 20.0, 1.0]), np.array([10.0, 10.0, 10.0]))
    with pytest.raises(ValueError):
        WeeklySeries(["2026-W01", "2026-W03", "2026-W04"], np.ones(3), np.full(3, 5.0))
    with pytest.raises(ValueError):
        week_monday("2026-19")


def test_batch_broadcasts_shared_volume() -> None:
    weeks = week_range("2026-W01", 4)
    batch = SeriesBatch(weeks, np.ones((3, 4)), np.full(4, 100.0), ["a", "b", "c"])
    assert batch.volume.shape == (3, 4)
    assert batch.series(1).name == "b"


def test_takedown_mask_and_annotation_rules() -> None:
    weeks = week_range("2026-W01", 6)
    notes = [
        Annotation("2026-W03", "takedown", "Market A seized", source="market-a"),
        Annotation("2026-W05", "scheduling", "2-FDCK scheduled", substance="2-fdck"),
    ]
    assert takedown_mask(weeks, notes).tolist() == [False, False, True, True, False, False]
    with pytest.raises(ValueError):
        Annotation("2026-W03", "takedown", "no market named")
    with pytest.raises(ValueError):
        Annotation("2026-W03", "scheduling", "no substance named")


def test_suspect_volume_weeks_are_missing_not_a_rise() -> None:
    from reports.trends import farrington_flexible, poisson_cusum, without_weeks

    weeks = week_range("2026-W01", 52)
    volume = np.full(52, 2000.0)
    counts = np.full(52, 4.0)
    # parser drift on a market that does not sell the substance: the crawl volume collapses,
    # the substance's listings (from other markets) do not, so its share jumps tenfold
    volume[30:33] = 200.0
    batch = SeriesBatch(weeks, counts[None, :], volume, ["x"])
    assert poisson_cusum(batch).alarms[0, 30:33].any()
    cleaned = without_weeks(batch, [*weeks[30:33], "2027-W40"])
    assert cleaned.volume[0, 30:33].tolist() == [0.0, 0.0, 0.0] and cleaned.counts[0, 29] == 4.0
    cusum, farr = poisson_cusum(cleaned), farrington_flexible(cleaned)
    assert not cusum.alarms.any() and not farr.alarms.any()
    assert not cusum.evaluated[0, 30:33].any() and cusum.evaluated[0, 33]
