"""The report as data: what every renderer (HTML, Markdown, JSON, PDF) is given.

Plain dataclasses of numbers and *unescaped* strings: scraped text (titles, vendor names,
candidate spellings) stays raw here and each renderer escapes for its own format, so no format's
escaping can leak into another (Markdown escapes in HTML would show as backslashes).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(slots=True)
class NewSubstance:
    """A substance or candidate first seen recently from >= 2 vendors or markets."""

    name: str
    substance_id: str
    status: str  # "confirmed" (in the gazetteer) | "candidate" (online signal only)
    class_label: str
    first_seen: date
    first_week: str
    markets: list[str]
    vendors: int
    origins: list[str]
    listings: int
    example_price: str = ""
    example_dose: str = ""


@dataclass(slots=True)
class Emerging:
    """A substance whose share of crawled listings rose (GLR ramp alarm in the recent weeks).

    ``glr`` is the GLR statistic in the alarm week (alarm above its threshold), ``cusum`` the
    CUSUM's sum that week, kept as a second opinion (its own alarm limit is ``CUSUM_H``)."""

    name: str
    substance_id: str
    class_label: str
    alarm_week: str
    listings: int  # in the alarm week
    expected: float  # baseline expectation that week (rate x volume)
    farrington_threshold: float | None
    share_pct: float  # share of listings crawled in the last week of the period
    baseline_share_pct: float
    rising_since: str | None  # Kleinberg burst still running, else None (no wording then)
    shares: list[float] = field(default_factory=list)  # % per week, for the sparkline
    cusum: float = 0.0
    glr: float = 0.0


@dataclass(slots=True)
class ClassRow:
    group_id: str
    label: str
    listings: int
    previous: int
    share_pct: float
    substances: int
    top: list[str]
    previous_share_pct: float = 0.0

    @property
    def change(self) -> str:
        """Change of the share of listings crawled (a takedown changes counts, not shares)."""
        return pct_change(self.share_pct, self.previous_share_pct)


@dataclass(slots=True)
class OriginRow:
    origin: str
    listings: int
    previous: int
    share_pct: float
    rank: int
    previous_rank: int | None
    previous_share_pct: float = 0.0

    @property
    def change(self) -> str:
        """Change of the origin's share, in percentage points (counts follow crawl volume)."""
        if not self.previous and not self.listings:
            return ""
        return f"{self.share_pct - self.previous_share_pct:+.1f} pp"


@dataclass(slots=True)
class PriceRow:
    """Median and inter-quartile range of one substance's prices (optionally one origin)."""

    name: str
    origin: str
    basis: str  # "per g" | "per unit"
    n: int
    median: float
    q1: float
    q3: float


@dataclass(slots=True)
class SubstanceRow:
    """A line of the annex table "Listings per substance"."""

    name: str
    substance_id: str
    class_label: str
    listings: int
    previous: int
    first_week: str
    series: list[int] = field(default_factory=list)
    share_pct: float = 0.0
    previous_share_pct: float = 0.0

    @property
    def change(self) -> str:
        """Change of the share of listings crawled, not of the raw count."""
        return pct_change(self.share_pct, self.previous_share_pct)


@dataclass(slots=True)
class Evidence:
    """One document behind a candidate: where it was seen, never the raw page."""

    source: str
    kind: str
    vendor: str
    first_seen: date
    title: str
    page_digest: str
    url: str  # "" when the operator hides onion URLs


@dataclass(slots=True)
class CandidateEvidence:
    name: str
    spellings: list[str]
    first_seen: date
    documents: int
    vendors: int
    markets: list[str]
    meets_rule: bool
    evidence: list[Evidence]


@dataclass(slots=True)
class KeyFigures:
    substances_seen: int
    new_confirmed: int
    new_candidates: int
    markets: list[str]
    forums: list[str]
    vendors: int
    listings: int  # distinct listings seen in the period
    listing_observations: int  # listing-weeks (a listing seen in 4 weeks counts 4 times)
    crawl_pages: int
    crawl_listings: int
    previous_crawl_listings: int
    weeks_without_crawl: list[str]
    caveats: list[str]


@dataclass(slots=True)
class Chart:
    """A rendered chart: ``data_uri`` is an image (SVG/PNG) URI; ``alt`` describes it in words."""

    data_uri: str
    alt: str
    svg: str = ""  # the SVG text itself, for writing next to Markdown output


@dataclass(slots=True)
class NpsReport:
    title: str
    period_kind: str
    period_label: str
    as_of: date
    weeks: list[str]
    previous_label: str
    generated_at: datetime
    highlights: list[str]
    figures: KeyFigures
    new: list[NewSubstance]
    emerging: list[Emerging]
    classes: list[ClassRow]
    origins: list[OriginRow]
    prices: list[PriceRow]
    prices_by_origin: list[PriceRow]
    substances: list[SubstanceRow]
    candidates: list[CandidateEvidence]
    annotations: list[dict[str, str]]
    hide_onion_urls: bool
    settings: dict[str, int] = field(default_factory=dict)  # novelty/emerging windows, price minimum, gazetteer size
    charts: dict[str, Chart] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


def pct_change(now: float, before: float) -> str:
    """"+25%", "-10%", "new" (nothing before) or "" (nothing either time)."""
    if not before:
        return "new" if now else ""
    return f"{100.0 * (now - before) / before:+.0f}%"
