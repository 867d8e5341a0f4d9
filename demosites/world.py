"""``DemoWorld``: the whole simulated ecosystem for one seed, rendered and described per week."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from demosites.forum_sim import BOARDS, ForumSim, simulate_forums
from demosites.market_sim import simulate_markets
from demosites.markup import FALLBACK, Page, q
from demosites.model import FORUMS, MARKETS, SITES, ForumThread, ListingSpec, Persona
from demosites.sites import dreadnought, nightjar, the_hive, tortuga, velvet_alley
from demosites.sites.common import MarketView, qty_label
from demosites.vendors import build_personas
from demosites.weeks import SEIZURE_WEEK, check_week, observed_at

SiteRender = dict[str, Page]
_MARKET_RENDER = {"tortuga": tortuga.render, "nightjar": nightjar.render,
                  "velvet-alley": velvet_alley.render}
_LISTING_PATH = {"tortuga": "/item?id={}", "nightjar": "/listing/{}",
                 "velvet-alley": "/viewProduct?offer={}"}
_VENDOR_PATH = {"tortuga": "/vendor?u={}", "nightjar": "/profile/{}",
                "velvet-alley": "/vendor/{}"}


@dataclass(slots=True)
class DemoWorld:
    """Everything on the demo sites over 26 weeks. Build it with ``DemoWorld.build(seed)``."""

    seed: int
    personas: list[Persona]
    listings: dict[str, list[ListingSpec]]
    forums: dict[str, ForumSim]

    @classmethod
    def build(cls, seed: int = 7) -> DemoWorld:
        """Simulate all weeks for ``seed`` (deterministic; takes well under a second)."""
        personas = build_personas(seed)
        return cls(seed, personas, simulate_markets(seed, personas),
                   simulate_forums(seed, personas))

    def is_seized(self, site: str, week: int) -> bool:
        return site == "velvet-alley" and week >= SEIZURE_WEEK

    def market_view(self, market: str, week: int) -> MarketView:
        """Live listings and registered vendors of ``market`` in ``week``."""
        check_week(week)
        if self.is_seized(market, week):
            return MarketView(market, week, [], [], {})
        accounts = [p.accounts[market] for p in self.personas
                    if market in p.accounts and p.accounts[market].join_week <= week]
        live = [s for s in self.listings[market] if week in s.weeks]
        return MarketView(market, week, live, accounts, {p.pid: p for p in self.personas})

    def render(self, week: int) -> dict[str, SiteRender]:
        """{site: {path: (status, content type, body)}} for ``week``.

        A seized site also has the key ``"*"``: the page served for any other path.
        """
        check_week(week)
        out: dict[str, SiteRender] = {}
        for market in MARKETS:
            if self.is_seized(market, week):
                out[market] = velvet_alley.render_seized()
            else:
                out[market] = _MARKET_RENDER[market](self.market_view(market, week))
        out["the-hive"] = the_hive.render(self.forums["the-hive"].visible(week), week)
        out["dreadnought"] = dreadnought.render(self.forums["dreadnought"].visible(week), week)
        return out

    def truth(self, week: int) -> dict[str, Any]:
        """Ground truth of ``week``, JSON-serialisable (format in demosites/README.md)."""
        rendered = self.render(week)
        sites: dict[str, Any] = {}
        for site in SITES:
            kind = "market" if site in MARKETS else "forum"
            sites[site] = {"kind": kind,
                           "status": "seized" if self.is_seized(site, week) else "up"}
        listings: list[dict[str, Any]] = []
        vendors: list[dict[str, Any]] = []
        for market in MARKETS:
            view = self.market_view(market, week)
            listings += [_listing_truth(view, s) for s in view.listings]
            vendors += [_vendor_truth(view, a.name) for a in view.accounts]
        threads = [_thread_truth(t, week) for forum in FORUMS
                   for t in self.forums[forum].visible(week)]
        return {
            "week": week, "observed_at": observed_at(week).isoformat(), "seed": self.seed,
            "sites": sites, "listings": listings, "vendors": vendors, "threads": threads,
            "pages": {site: len([p for p in paths if p != FALLBACK])
                      for site, paths in rendered.items()},
        }


def _listing_truth(view: MarketView, spec: ListingSpec) -> dict[str, Any]:
    product, price = spec.product, view.prices[spec.listing_id]
    _, labels = view.category(spec)
    rec: dict[str, Any] = {
        "source": view.market, "listing_id": spec.listing_id,
        "path": _LISTING_PATH[view.market].format(spec.listing_id), "title": spec.title,
        "vendor": spec.vendor, "persona": spec.persona, "category": list(labels),
        "substances": [product.substance] if product.substance else [],
        "novel": [product.novel] if product.novel else [], "drug": product.drug,
        "ships_from": spec.ships_from, "ships_to": list(spec.ships_to),
        "price": {"amount": price.amount, "currency": price.currency, "display": price.display},
        "price_usd": price.usd,
        "quantity_g": spec.quantity if product.unit == "g" else None,
        "quantity_ml": spec.quantity if product.unit == "ml" else None,
        "units": spec.quantity if product.unit == "unit" else product.units_fixed,
        "dose_mg": product.dose_mg, "lang": spec.lang, "malformed": spec.malformed,
    }
    if spec.tiers:
        rec["price_tiers"] = [
            {"quantity": qty_label(product, t), "display": view.tier_price(spec, t).display,
             "price_usd": view.tier_price(spec, t).usd} for t in spec.tiers]
    return rec


def _vendor_truth(view: MarketView, name: str) -> dict[str, Any]:
    acc = next(a for a in view.accounts if a.name == name)
    persona = view.personas[acc.persona]
    return {"source": view.market, "name": name, "path": _VENDOR_PATH[view.market].format(q(name)),
            "persona": persona.pid, "pgp_fingerprint": persona.key.fingerprint,
            "origin": persona.origin, "rating": acc.rating,
            "listing_ids": [s.listing_id for s in view.vendor_listings(name)]}


def _thread_truth(thread: ForumThread, week: int) -> dict[str, Any]:
    if thread.forum == "the-hive":
        path = f"/viewtopic.php?t={thread.thread_id}"
    else:
        path = f"/d/{thread.board}/post/{thread.thread_id}"
    return {"source": thread.forum, "thread_id": thread.thread_id, "path": path,
            "title": thread.title, "title_substances": thread.title_substances,
            "title_novel": thread.title_novel, "title_vendors": thread.title_vendors,
            "board": thread.board,
            "board_title": dict(BOARDS[thread.forum])[thread.board],
            "posts": [{"post_id": p.post_id, "author": p.author, "posted_at": p.posted_at,
                       "substances": list(p.substances), "novel": list(p.novel),
                       "vendors_mentioned": list(p.vendors), "lang": p.lang,
                       "parent": p.parent} for p in thread.posts_at(week)]}
