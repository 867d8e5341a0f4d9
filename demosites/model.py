"""The simulated world's state: vendor personas, their market accounts, listings over time."""

from __future__ import annotations

from dataclasses import dataclass, field

from demosites.catalog import Product
from demosites.pgp import FakeKey

MARKETS = ("tortuga", "nightjar", "velvet-alley")
FORUMS = ("the-hive", "dreadnought")
SITES = MARKETS + FORUMS


@dataclass(slots=True)
class Account:
    """A persona's vendor account on one market (names may differ slightly across markets)."""

    market: str
    name: str
    persona: str
    join_week: int
    weight: float  # how many listings this vendor tends to have
    rating: float
    sales: int
    bio: str


@dataclass(slots=True)
class Persona:
    """A real-world seller behind one or more market accounts; one PGP key for all."""

    pid: str
    base_name: str
    key: FakeKey
    origin: str
    lang: str | None
    specialties: tuple[str, ...]
    accounts: dict[str, Account] = field(default_factory=dict)


@dataclass(slots=True)
class ListingSpec:
    """A listing for its whole life: fixed text, plus the weeks it is up and its price then."""

    market: str
    listing_id: str
    vendor: str
    persona: str
    product: Product
    title: str
    description: str
    quantity: float
    lang: str
    ships_from: str
    ships_from_text: str
    ships_to: list[str]
    ships_to_text: str
    factor: float
    created: int
    weeks: set[int] = field(default_factory=set)
    price_usd: dict[int, float] = field(default_factory=dict)
    tiers: tuple[float, ...] = ()
    malformed: bool = False
    pinned: bool = False
    raw_description: bool = False  # the one listing whose description is served unescaped


@dataclass(slots=True)
class ForumPost:
    """One forum post (or Dread comment), with what it mentions."""

    post_id: str
    author: str
    week: int
    posted_at: str  # ISO timestamp
    body: str
    substances: tuple[str, ...]
    novel: tuple[str, ...]
    vendors: tuple[str, ...]
    lang: str
    parent: str | None = None  # Dread comment nesting


@dataclass(slots=True)
class ForumThread:
    """A topic / Dread post and its replies."""

    forum: str
    thread_id: str
    board: str
    title: str
    created: int
    posts: list[ForumPost] = field(default_factory=list)
    title_substances: list[str] = field(default_factory=list)
    title_novel: list[str] = field(default_factory=list)
    title_vendors: list[str] = field(default_factory=list)

    def posts_at(self, week: int) -> list[ForumPost]:
        return [p for p in self.posts if p.week <= week]

    def last_activity(self, week: int) -> str:
        visible = self.posts_at(week)
        return visible[-1].posted_at if visible else ""
