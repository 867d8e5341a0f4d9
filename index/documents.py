"""The documents the index stores, shared by every backend.

They are flat dataclasses (not the crawler's records) because the index is a *derived* view: one
``IndexDoc`` merges what a page said with what narcoscope extracted, so both backends can store,
filter and facet it without joins back to the store. ``to_json``/``from_json`` give one wire format
used by the Elasticsearch ``_source`` and by the spool, so a spooled batch replays into any backend.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Literal, TypeVar

DocKind = Literal["listing", "post"]
SourceKind = Literal["market", "forum"]

# Price bands used by the ``price_band`` facet: (label, lower bound inclusive, upper bound exclusive).
PRICE_BANDS: tuple[tuple[str, float, float | None], ...] = (
    ("<10", 0.0, 10.0),
    ("10-50", 10.0, 50.0),
    ("50-100", 50.0, 100.0),
    ("100-500", 100.0, 500.0),
    ("500-1000", 500.0, 1000.0),
    ("1000+", 1000.0, None),
)


def utc(value: datetime) -> datetime:
    """The same instant in UTC; naive datetimes are taken to be UTC already (crawl times are)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def iso_week(value: datetime | date) -> str:
    """ISO week label such as ``2026-W19`` (the key trend reports use)."""
    year, week, _ = value.isocalendar()
    return f"{year}-W{week:02d}"


def format_time(value: datetime) -> str:
    """Fixed-width UTC timestamp: lexical order equals time order (Painless compares strings)."""
    return utc(value).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str) -> datetime:
    """Inverse of :func:`format_time`; also accepts other ISO-8601 forms."""
    return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


@dataclass(slots=True)
class IndexDoc:
    """One searchable document: a market listing or a forum post, with its extracted fields."""

    doc_id: str
    kind: DocKind
    source: str
    source_kind: SourceKind
    url: str
    title: str
    body: str
    first_seen: datetime
    last_seen: datetime
    vendor: str = ""
    category: list[str] = field(default_factory=list)
    substances: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)
    ships_from: str = ""
    ships_to: list[str] = field(default_factory=list)
    price_usd: float | None = None
    price_display: str = ""
    price_amount: float | None = None
    currency: str = ""
    quantity_g: float | None = None
    units: float | None = None
    lang: str = ""
    page_digest: str = ""

    def merged_with(self, older: IndexDoc) -> IndexDoc:
        """This (newer) version, keeping the earliest first_seen and latest last_seen of both."""
        return dataclasses.replace(
            self,
            first_seen=min(utc(self.first_seen), utc(older.first_seen)),
            last_seen=max(utc(self.last_seen), utc(older.last_seen)),
        )


@dataclass(slots=True)
class ObservationDoc:
    """A listing seen at a time, with what it showed then: the unit trend counts are made of."""

    obs_id: str
    doc_id: str
    observed_at: datetime
    source: str
    vendor: str = ""
    substances: list[str] = field(default_factory=list)
    classes: list[str] = field(default_factory=list)
    ships_from: str = ""
    price_usd: float | None = None


@dataclass(slots=True)
class CrawlVolume:
    """How much of a source was crawled in an ISO week: the denominator for trends."""

    source: str
    week: str
    pages: int
    listings: int


_T = TypeVar("_T", IndexDoc, ObservationDoc, CrawlVolume)
_TIME_FIELDS = frozenset({"first_seen", "last_seen", "observed_at"})


def to_json(item: IndexDoc | ObservationDoc | CrawlVolume) -> dict[str, Any]:
    """A JSON-ready dict (datetimes as fixed-width UTC strings)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(item):
        value = getattr(item, f.name)
        out[f.name] = format_time(value) if f.name in _TIME_FIELDS else value
    return out


def from_json(cls: type[_T], data: dict[str, Any]) -> _T:
    """Rebuild a document from :func:`to_json` output; unknown keys are ignored."""
    names = {f.name for f in dataclasses.fields(cls)}
    kwargs: dict[str, Any] = {k: (parse_time(v) if k in _TIME_FIELDS else v) for k, v in data.items() if k in names}
    return cls(**kwargs)


def price_band(price_usd: float | None) -> str:
    """The label of the band a USD price falls in (``""`` when the price is unknown)."""
    if price_usd is None:
        return ""
    for label, low, high in PRICE_BANDS:
        if price_usd >= low and (high is None or price_usd < high):
            return label
    return PRICE_BANDS[0][0]
