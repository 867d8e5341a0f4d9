"""The period a report covers: one ISO week, or the ISO weeks of a calendar month up to as-of.

Weeks are the unit of every count (crawls are weekly), so a month is the ISO weeks whose
Thursday falls in that month (the ISO rule for which month a week belongs to), cut at the
as-of week: a report "as of" the 15th covers the month so far, never the future. The previous
month is the whole month before the first week (the Sunday before it closes that month).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from reports.trends.series import iso_week, week_monday

PeriodKind = Literal["week", "month"]


@dataclass(frozen=True, slots=True)
class Period:
    """``weeks`` are consecutive ISO week labels; ``as_of`` is the last day the report may use."""

    kind: PeriodKind
    as_of: date
    weeks: tuple[str, ...]
    label: str

    @property
    def start(self) -> date:
        """Monday of the first week."""
        return week_monday(self.weeks[0])

    @property
    def end(self) -> date:
        """Sunday of the last week (observations of the as-of week count whatever the weekday)."""
        return week_monday(self.weeks[-1]) + timedelta(days=6)

    @property
    def last_week(self) -> str:
        return self.weeks[-1]

    def previous(self) -> Period:
        """The period just before, of the same kind (a whole month for months)."""
        if self.kind == "week":
            return make_period("week", self.start - timedelta(days=1))
        return make_period("month", self.start - timedelta(days=1))


def _thursday(monday: date) -> date:
    return monday + timedelta(days=3)


def _month_weeks(as_of: date) -> tuple[date, list[str]]:
    """(a day of the month reported, its weeks up to as-of's week): the month is that of as-of's
    week (its Thursday), so a Sunday 2 August closes July's last week and reports July."""
    monday = as_of - timedelta(days=as_of.weekday())
    month = _thursday(monday)
    weeks = []
    while (_thursday(monday).year, _thursday(monday).month) == (month.year, month.month):
        weeks.append(iso_week(monday))
        monday -= timedelta(weeks=1)
    return month, weeks[::-1]


def make_period(kind: PeriodKind | str, as_of: date) -> Period:
    """The week or month (so far) that contains ``as_of``."""
    if kind == "week":
        week = iso_week(as_of)
        return Period("week", as_of, (week,), week)
    if kind == "month":
        month, weeks = _month_weeks(as_of)
        return Period("month", as_of, tuple(weeks), f"{month.year:04d}-{month.month:02d}")
    raise ValueError(f"unknown period {kind!r}; expected 'week' or 'month'")
