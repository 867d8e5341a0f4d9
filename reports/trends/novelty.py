"""The "new in period" rule: a substance first seen recently and already seen more than once.

Week-aligned on purpose: the report is weekly, so "within the last 4 weeks" means the ISO week
of ``as_of`` and the 3 ISO weeks before it, whatever the weekday — a substance first seen on
the Monday of the oldest of those weeks counts, one seen the Sunday before does not. The
second condition (≥ 2 vendors or ≥ 2 markets) keeps a single vendor's typo or one-off listing
out of the public-health "new" list.
"""

from __future__ import annotations

from datetime import date, timedelta


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def new_in_period(first_seen: date, as_of: date, vendors: int, markets: int, *, window_weeks: int = 4) -> bool:
    """True when ``first_seen`` falls in the ``window_weeks`` ISO weeks ending with ``as_of``'s
    week and the substance was seen from at least 2 vendors or at least 2 markets."""
    if vendors < 0 or markets < 0:
        raise ValueError("vendor and market counts cannot be negative")
    if window_weeks < 1:
        raise ValueError("window_weeks must be at least 1")
    if first_seen > as_of:
        raise ValueError(f"first_seen {first_seen} is after as_of {as_of}")
    weeks_ago = (_monday(as_of) - _monday(first_seen)).days // 7
    return weeks_ago < window_weeks and (vendors >= 2 or markets >= 2)
