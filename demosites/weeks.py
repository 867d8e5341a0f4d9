"""The simulated calendar: 26 weekly snapshots the crawler visits "as of" each week."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

N_WEEKS = 26
EPOCH = datetime(2026, 5, 4, 12, 0, 0, tzinfo=timezone.utc)
SEIZURE_WEEK = 18  # velvet-alley is taken down from this week index on
BROMAZOLAM_WEEK = 6
NOVEL_WEEK = 10
NOVEL_NAME = "MDMB-3en-PXINACA"


def observed_at(week: int) -> datetime:
    """The instant a crawl of ``week`` is deemed to happen (Mondays, noon UTC)."""
    check_week(week)
    return EPOCH + timedelta(days=7 * week)


def week_date(week: int) -> date:
    """The calendar date of ``week``: the date rates are looked up at."""
    return observed_at(week).date()


def check_week(week: int) -> int:
    """Reject week indices outside 0..25 early, with a clear message."""
    if not 0 <= week < N_WEEKS:
        raise ValueError(f"week must be in 0..{N_WEEKS - 1}, got {week}")
    return week


def parse_weeks(spec: str) -> list[int]:
    """Parse "0-25", "3", "1,4,7-9" into a sorted list of week indices."""
    weeks: set[int] = set()
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            lo, hi = (int(x) for x in part.split("-", 1))
            weeks.update(range(lo, hi + 1))
        else:
            weeks.add(int(part))
    return sorted(check_week(w) for w in weeks)
