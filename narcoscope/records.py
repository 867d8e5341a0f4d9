"""Typed records shared by every stage of the pipeline.

Records keep *what a page said* (``Listing``, ``Post`` …) apart from *what narcoscope extracted*
(``Extraction``), so extraction can be re-run over stored pages without crawling again.
Ids are deterministic so retries and re-runs never duplicate (DESIGN.md, invariant 3).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

SourceKind = Literal["market", "forum"]
PageKind = Literal["index", "listing", "vendor", "board", "thread", "other"]


def stable_id(*parts: str) -> str:
    """A short deterministic id: the same parts always give the same id, on every machine."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:20]


@dataclass(frozen=True, slots=True)
class Source:
    """A market or forum, as configured by its site profile."""

    name: str
    kind: SourceKind
    mirrors: tuple[str, ...]
    profile: str
    onion: bool = False


@dataclass(frozen=True, slots=True)
class RawPage:
    """One fetched response. The body lives in the content-addressed store under ``digest``."""

    url: str
    source: str
    fetched_at: datetime
    observed_at: datetime
    status: int
    headers: dict[str, str]
    digest: str
    kind: PageKind = "other"
    blocked: str | None = None  # reason when the page is not content (captcha, login wall …)
    crawl_id: str = ""
    warc_path: str = ""
    warc_offset: int = -1


@dataclass(frozen=True, slots=True)
class PriceDisplay:
    """A price exactly as the page showed it, with the quantity it buys when the page said so."""

    text: str
    quantity: str = ""


@dataclass(slots=True)
class Listing:
    """A listing as the page displayed it. No interpretation here."""

    source: str
    listing_id: str
    url: str
    title: str
    description: str = ""
    category: tuple[str, ...] = ()
    vendor: str = ""
    prices: tuple[PriceDisplay, ...] = ()
    ships_from: str = ""
    ships_to: str = ""
    page_digest: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def doc_id(self) -> str:
        return stable_id("listing", self.source, self.listing_id)


@dataclass(frozen=True, slots=True)
class Observation:
    """A listing seen at a time, with its price then: the history analysts chart."""

    listing_doc_id: str
    observed_at: datetime
    price_text: str
    page_digest: str
    crawl_id: str = ""

    @property
    def obs_id(self) -> str:
        return stable_id("obs", self.listing_doc_id, self.observed_at.isoformat())


@dataclass(slots=True)
class Vendor:
    """A vendor's profile page as displayed on one source."""

    source: str
    name: str
    url: str = ""
    rating: str = ""
    pgp_key: str = ""
    description: str = ""
    contacts: tuple[str, ...] = ()
    page_digest: str = ""

    @property
    def vendor_id(self) -> str:
        return stable_id("vendor", self.source, self.name.casefold())


@dataclass(slots=True)
class Post:
    """A forum post as displayed."""

    source: str
    thread_id: str
    post_id: str
    url: str
    author: str
    body: str
    posted_at: str = ""  # as displayed; normalised at extraction
    thread_title: str = ""
    board: str = ""
    page_digest: str = ""

    @property
    def doc_id(self) -> str:
        return stable_id("post", self.source, self.thread_id, self.post_id)


@dataclass(frozen=True, slots=True)
class Entity:
    """One extracted entity: where it stands in the text, and its normalised value."""

    label: str  # SUBSTANCE, NPS_CANDIDATE, ORIGIN, DESTINATION, PRICE, QUANTITY, DOSE, VENDOR
    text: str
    start: int
    end: int
    field: str = "text"  # which record field the span is in: title, description, ships_from …
    value: str = ""  # canonical id, ISO code, amount…
    attrs: tuple[tuple[str, str], ...] = ()  # class, currency, unit, novelty flag …


@dataclass(slots=True)
class Extraction:
    """What narcoscope extracted from one record, stored apart from the record itself."""

    doc_id: str
    extractor_version: str
    entities: tuple[Entity, ...] = ()
    substances: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    ships_from: str = ""  # ISO 3166 alpha-2, EU, WW or XX (unknown)
    ships_to: tuple[str, ...] = ()
    price_amount: float | None = None
    price_currency: str = ""
    price_usd: float | None = None
    quantity_g: float | None = None
    units: float | None = None
    lang: str = ""
    vendor: str = ""
