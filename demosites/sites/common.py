"""What a market renderer needs for one week, and each market's category naming."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from demosites.catalog import Product, price_usd
from demosites.model import Account, ListingSpec, Persona
from demosites.pricing import PRICERS, ShownPrice
from demosites.weeks import observed_at

# category key -> (slug used in URLs, breadcrumb labels as the market shows them)
CATEGORIES: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "tortuga": {
        "stimulants": ("stimulants", ("Drugs", "Stimulants")),
        "ecstasy": ("ecstasy", ("Drugs", "Ecstasy")),
        "opioids": ("opioids", ("Drugs", "Opioids")),
        "benzos": ("benzos", ("Drugs", "Benzos")),
        "psychedelics": ("psychedelics", ("Drugs", "Psychedelics")),
        "dissociatives": ("dissociatives", ("Drugs", "Dissociatives")),
        "cannabis": ("cannabis", ("Drugs", "Cannabis")),
        "rcs": ("rcs", ("Drugs", "RCs")),
        "prescription": ("prescription", ("Drugs", "Prescription")),
        "other": ("other", ("Drugs", "Other")),
        "guides": ("info", ("Information", "Guides")),
        "fraud": ("forgeries", ("Forgeries",)),
        "counterfeits": ("counterfeits", ("Counterfeits",)),
        "services": ("services", ("Services", "Hacking")),
    },
    "nightjar": {
        "stimulants": ("stimulants", ("Drugs & Chemicals", "Stimulants")),
        "ecstasy": ("ecstasy", ("Drugs & Chemicals", "Ecstasy")),
        "opioids": ("opioids", ("Drugs & Chemicals", "Opioids")),
        "benzos": ("benzos", ("Drugs & Chemicals", "Benzos")),
        "psychedelics": ("psychedelics", ("Drugs & Chemicals", "Psychedelics")),
        "dissociatives": ("dissociatives", ("Drugs & Chemicals", "Dissociatives")),
        "cannabis": ("cannabis-hashish", ("Drugs & Chemicals", "Cannabis & Hashish")),
        "rcs": ("research-chemicals", ("Drugs & Chemicals", "Research Chemicals")),
        "prescription": ("prescription", ("Drugs & Chemicals", "Prescription")),
        "other": ("other-drugs", ("Drugs & Chemicals", "Other")),
        "guides": ("guides", ("Guides & Tutorials",)),
        "fraud": ("fraud", ("Fraud", "Documents")),
        "counterfeits": ("counterfeit-items", ("Counterfeit Items",)),
        "services": ("software-malware", ("Software & Malware",)),
    },
    "velvet-alley": {
        "stimulants": ("104", ("Drugs", "Stimulants")),
        "ecstasy": ("105", ("Drugs", "Ecstasy")),
        "opioids": ("106", ("Drugs", "Opioids")),
        "benzos": ("107", ("Drugs", "Benzos")),
        "psychedelics": ("108", ("Drugs", "Psychedelics")),
        "dissociatives": ("109", ("Drugs", "Dissociatives")),
        "cannabis": ("110", ("Drugs", "Cannabis")),
        "rcs": ("111", ("Drugs", "RCs")),
        "prescription": ("112", ("Drugs", "Prescription")),
        "other": ("113", ("Drugs", "Other")),
        "guides": ("201", ("Digital Goods", "E-Books")),
        "fraud": ("202", ("Digital Goods", "Fraud")),
        "counterfeits": ("301", ("Other",)),
        "services": ("401", ("Services",)),
    },
}
PAGE_SIZE = 12


@dataclass(slots=True)
class MarketView:
    """One market in one week: live listings (with shown prices) and registered vendors."""

    market: str
    week: int
    listings: list[ListingSpec]
    accounts: list[Account]
    personas: dict[str, Persona]
    prices: dict[str, ShownPrice] = field(default_factory=dict)

    def __post_init__(self) -> None:
        pricer = PRICERS[self.market]
        self.listings.sort(key=lambda s: (s.created, s.listing_id))
        self.prices = {s.listing_id: pricer(s.price_usd[self.week], self.week)
                       for s in self.listings}

    def category(self, spec: ListingSpec) -> tuple[str, tuple[str, ...]]:
        """(slug, breadcrumb labels) of a listing's category on this market."""
        return CATEGORIES[self.market][spec.product.category]

    def category_of_key(self, key: str) -> tuple[str, tuple[str, ...]]:
        return CATEGORIES[self.market][key]

    def by_category(self) -> dict[str, list[ListingSpec]]:
        """Category key -> its live listings, in the market's menu order (empty ones too)."""
        out: dict[str, list[ListingSpec]] = {key: [] for key in CATEGORIES[self.market]}
        for spec in self.listings:
            out[spec.product.category].append(spec)
        return out

    def vendor_listings(self, name: str) -> list[ListingSpec]:
        return [s for s in self.listings if s.vendor == name]

    def rating(self, name: str) -> float:
        return next(a.rating for a in self.accounts if a.name == name)

    def tier_price(self, spec: ListingSpec, qty: float) -> ShownPrice:
        """Bulk tier prices scale with the listing's current price level."""
        level = spec.price_usd[self.week] / price_usd(spec.product, spec.quantity, spec.factor)
        usd = round(price_usd(spec.product, qty, spec.factor) * level, 2)
        return PRICERS[self.market](usd, self.week)

    def join_date(self, acc: Account) -> str:
        """Displayed join date: weeks before the epoch for founders, else the join week."""
        days = 400 + (int(acc.persona[1:]) * 37) % 900 if acc.join_week == 0 else 0
        when = observed_at(acc.join_week).date().toordinal() - days
        return date.fromordinal(when).isoformat()


def qty_label(product: Product, qty: float) -> str:
    """"5 g", "10 pcs", "100 ml" for bulk tiers."""
    unit = {"g": "g", "unit": "pcs", "ml": "ml", "item": "x"}[product.unit]
    return f"{qty:g} {unit}"
