from datetime import date

import pytest

from reports.trends import new_in_period

AS_OF = date(2026, 5, 6)  # Wednesday of 2026-W19; the window is W16..W19


def test_window_edges_are_iso_weeks() -> None:
    assert new_in_period(date(2026, 4, 13), AS_OF, vendors=2, markets=1)  # Monday of W16
    assert not new_in_period(date(2026, 4, 12), AS_OF, vendors=2, markets=1)  # Sunday of W15
    assert new_in_period(AS_OF, AS_OF, vendors=2, markets=1)
    assert not new_in_period(date(2026, 4, 20), AS_OF, vendors=2, markets=1, window_weeks=2)


def test_needs_two_vendors_or_two_markets() -> None:
    assert not new_in_period(date(2026, 5, 4), AS_OF, vendors=1, markets=1)
    assert new_in_period(date(2026, 5, 4), AS_OF, vendors=1, markets=2)
    assert new_in_period(date(2026, 5, 4), AS_OF, vendors=2, markets=1)
    assert not new_in_period(date(2026, 5, 4), AS_OF, vendors=0, markets=0)


def test_rejects_impossible_inputs() -> None:
    with pytest.raises(ValueError):
        new_in_period(date(2026, 5, 7), AS_OF, vendors=2, markets=2)
    with pytest.raises(ValueError):
        new_in_period(date(2026, 5, 4), AS_OF, vendors=-1, markets=2)
