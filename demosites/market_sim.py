"""Simulate each market week by week: listings appear, pause, reappear, vanish, and reprice.

Runs once at build time with per-market seeded RNGs, so the result depends only on the seed.
"""

from __future__ import annotations

import math
import random
import string

from demosites.catalog import (
    BROMAZOLAM,
    EN_DESC,
    LANG_ORIGIN,
    LOCAL_DESC,
    LOCAL_TITLES,
    NONDRUG_DESC,
    NONDRUGS,
    NOVEL,
    POPULARITY,
    PRODUCTS,
    Product,
    make_title,
    price_usd,
)
from demosites.model import MARKETS, Account, ListingSpec, Persona
from demosites.places import dest_text, origin_text, pick_destinations
from demosites.weeks import BROMAZOLAM_WEEK, N_WEEKS, NOVEL_WEEK, SEIZURE_WEEK

_DECOR = ("✅ ", "[SALE] ", "*** ", "🔥 ", "NEW! ", "")
_TAIL = (" | FREE SHIPPING", " - escrow", " ★★★★★", " (bulk)", "")


class IdMaker:
    """Listing ids in each market's own style, unique per market."""

    def __init__(self, market: str, rng: random.Random) -> None:
        self.market, self.rng, self.used = market, rng, set[str]()

    def new(self) -> str:
        while True:
            if self.market == "tortuga":
                lid = str(self.rng.randint(1000, 99999))
            elif self.market == "nightjar":
                lid = "".join(self.rng.choices(string.ascii_lowercase + string.digits, k=6))
            else:
                lid = "".join(self.rng.choices("0123456789abcdef", k=10))
            if lid not in self.used:
                self.used.add(lid)
                return lid


def target_active(market: str, week: int) -> int:
    """How many regular listings a market shows in a week (its volume curve)."""
    if market == "tortuga":
        return round(36 + 0.5 * week + (7 if week >= SEIZURE_WEEK else 0))
    if market == "nightjar":
        return round(44 + 4 * math.sin(week / 3.0) + (5 if week >= SEIZURE_WEEK else 0))
    return 0 if week >= SEIZURE_WEEK else round(42 - 0.4 * week)


def planted_count(first_week: int, slope: float, week: int) -> int:
    """Listings of a planted substance live in ``week``: 0 before, then steady growth."""
    if week < first_week:
        return 0
    return math.floor(1 + (week - first_week) * slope + 0.5)


class MarketSim:
    """Listing factory and weekly simulation for one market."""

    def __init__(self, seed: int, market: str, accounts: list[Account],
                 personas: dict[str, Persona]) -> None:
        self.market = market
        self.rng = random.Random(f"{seed}:market:{market}")
        self.ids = IdMaker(market, self.rng)
        self.accounts = accounts
        self.personas = personas
        self.listings: list[ListingSpec] = []
        self._nondrugs = 0
        self._templates: dict[str, int] = {}

    def create(self, acc: Account, week: int, product: Product | None = None,
               pinned: bool = False) -> ListingSpec:
        """A new listing by ``acc`` first seen in ``week``."""
        rng, persona = self.rng, self.personas[acc.persona]
        if product is None:
            product = self._pick_product(persona)
        q = rng.choice(product.quantities)
        # rotate through a product's title templates so every spelling shows up somewhere
        turn = self._templates.get(product.key, MARKETS.index(self.market))
        self._templates[product.key] = turn + 1
        lang, template = "en", product.titles[turn % len(product.titles)]
        local = LOCAL_TITLES.get(persona.lang or "", {}).get(product.key)
        if local and rng.random() < 0.6:
            lang, template = persona.lang or "en", rng.choice(local)
        title = make_title(template, q, product.dose_mg)
        if lang == "en" and product.drug and rng.random() < 0.3:
            title = rng.choice(_DECOR) + title + rng.choice(_TAIL)
        origin = LANG_ORIGIN[lang] if lang != "en" else persona.origin
        if lang == "en" and rng.random() < 0.08:
            origin = rng.choice(("NL", "DE", "EU", "US", "XX"))
        dests = pick_destinations(origin, rng)
        spec = ListingSpec(
            market=self.market, listing_id=self.ids.new(), vendor=acc.name, persona=acc.persona,
            product=product, title=title, description=self._describe(product, lang),
            quantity=q, lang=lang, ships_from=origin,
            ships_from_text=origin_text(origin, rng, allow_code=self.market != "nightjar"),
            ships_to=dests, ships_to_text=dest_text(dests, rng),
            factor=rng.uniform(0.85, 1.25), created=week,
            malformed=rng.random() < 0.05 and not pinned, pinned=pinned,
        )
        if self.market == "nightjar" and product.unit != "item":
            bigger = [x for x in product.quantities if x > q]
            spec.tiers = (q, *bigger[:2])
        self.listings.append(spec)
        return spec

    def _pick_product(self, persona: Persona) -> Product:
        if self.rng.random() < 0.08:  # rotate so every kind of non-drug shows up somewhere
            self._nondrugs += 1
            return NONDRUGS[(self._nondrugs + MARKETS.index(self.market) * 4) % len(NONDRUGS)]
        fitting = [p for p in PRODUCTS if p.category in persona.specialties] or list(PRODUCTS)
        return self.rng.choices(fitting, weights=[POPULARITY.get(p.key, 1.0) for p in fitting])[0]

    def _describe(self, product: Product, lang: str) -> str:
        rng = self.rng
        if not product.drug:
            return " ".join(rng.sample(NONDRUG_DESC, 2))
        if product.novel:
            extra = [f"{product.novel} - sold per gram, 99% purity (NMR tested).",
                     "Active from 0.5 mg, START LOW. 25g+ = bulk discount."]
        elif product.substance == "bromazolam":
            extra = ["New generation benzo, very strong - start with half a pellet.",
                     "1mg per pellet, blister packed."]
        else:
            extra = []
        pool = LOCAL_DESC.get(lang, EN_DESC)
        return " ".join(extra + rng.sample(pool, min(3, len(pool))))

    def simulate(self) -> None:
        """Run all weeks: churn existing listings, add new ones to meet the volume curve."""
        rng = self.rng
        active = {i for i, spec in enumerate(self.listings) if spec.pinned}
        paused: dict[int, int] = {}
        drift: dict[int, float] = {}
        for week in range(N_WEEKS):
            regs = [a for a in self.accounts if a.join_week <= week]
            if not regs or target_active(self.market, week) == 0:
                break
            kept: set[int] = set()
            for i in sorted(active):
                roll = rng.random()
                if self.listings[i].pinned or roll >= 0.10:
                    kept.add(i)
                elif roll >= 0.04:
                    paused[i] = week + rng.randint(1, 3)
            for i, resume in sorted(paused.items()):
                if resume == week:
                    kept.add(i)
                    del paused[i]
            for acc in regs:
                if acc.join_week == week and week > 0:
                    for _ in range(rng.randint(2, 3)):
                        kept.add(self._index(self.create(acc, week)))
            while len(kept) < target_active(self.market, week):
                acc = rng.choices(regs, weights=[a.weight for a in regs])[0]
                kept.add(self._index(self.create(acc, week)))
            active = kept
            self._price_week(week, active, drift)

    def _index(self, spec: ListingSpec) -> int:
        return len(self.listings) - 1 if self.listings[-1] is spec else self.listings.index(spec)

    def _price_week(self, week: int, active: set[int], drift: dict[int, float]) -> None:
        for i in sorted(active):
            spec = self.listings[i]
            level = drift.get(i, 1.0)
            if i in drift and self.rng.random() < 0.3:
                level *= self.rng.uniform(0.92, 1.08)
            drift[i] = level
            spec.weeks.add(week)
            spec.price_usd[week] = round(price_usd(spec.product, spec.quantity, spec.factor)
                                         * level, 2)


def plant(sims: dict[str, MarketSim], products: tuple[Product, ...], *, first: int, slope: float,
          seed: int, tag: str) -> None:
    """Add a planted product's listings so that its live count grows from ``first`` on.

    Listing k goes to markets in rotation; one placed on velvet-alley before the seizure is
    re-listed elsewhere by the same persona from the seizure week on, so the count never dips.
    """
    rng = random.Random(f"{seed}:plant:{tag}")
    rotation = ("nightjar", "tortuga", "velvet-alley")
    k = 0
    while planted_count(first, slope, N_WEEKS - 1) > k:
        start = next(w for w in range(N_WEEKS) if planted_count(first, slope, w) > k)
        market = rotation[k % 3]
        if market == "velvet-alley" and start >= SEIZURE_WEEK:
            market = rotation[(k // 3) % 2]
        sim = sims[market]
        product = products[k % len(products)]
        regs = [a for a in sim.accounts if a.join_week <= start]
        if market == "velvet-alley":
            movers = [a for a in regs if _elsewhere(sim.personas[a.persona], SEIZURE_WEEK)]
            regs = movers or regs
        acc = regs[(k * 7 + rng.randint(0, 3)) % len(regs)]
        end = SEIZURE_WEEK if market == "velvet-alley" else N_WEEKS
        _live(sim, sim.create(acc, start, product), start, end, rng)
        if market == "velvet-alley":
            persona = sim.personas[acc.persona]
            other = _elsewhere(persona, SEIZURE_WEEK) or rng.choice(
                [a for a in sims["tortuga"].accounts if a.join_week <= SEIZURE_WEEK])
            _live(sims[other.market], sims[other.market].create(other, SEIZURE_WEEK, product),
                  SEIZURE_WEEK, N_WEEKS, rng)
        k += 1


def _elsewhere(persona: Persona, week: int) -> Account | None:
    for market in MARKETS:
        acc = persona.accounts.get(market)
        if market != "velvet-alley" and acc is not None and acc.join_week <= week:
            return acc
    return None


def _live(sim: MarketSim, spec: ListingSpec, start: int, end: int, rng: random.Random) -> None:
    level = 1.0
    for week in range(start, end):
        if week > start and rng.random() < 0.3:
            level *= rng.uniform(0.93, 1.06)
        spec.weeks.add(week)
        spec.price_usd[week] = round(price_usd(spec.product, spec.quantity, spec.factor) * level, 2)


def simulate_markets(seed: int, personas: list[Persona]) -> dict[str, list[ListingSpec]]:
    """All listings of all markets over all weeks, planted NPS included."""
    by_id = {p.pid: p for p in personas}
    sims = {}
    for market in MARKETS:
        accounts = [p.accounts[market] for p in personas if market in p.accounts]
        sims[market] = MarketSim(seed, market, accounts, by_id)
    _pin_hostile(sims)
    for sim in sims.values():
        sim.simulate()
    plant(sims, BROMAZOLAM, first=BROMAZOLAM_WEEK, slope=0.6, seed=seed, tag="bromazolam")
    plant(sims, (NOVEL,), first=NOVEL_WEEK, slope=0.5, seed=seed, tag="novel")
    return {m: s.listings for m, s in sims.items()}


def _pin_hostile(sims: dict[str, MarketSim]) -> None:
    """Listings carrying hostile strings, present every week (markets escape titles)."""
    weed = next(p for p in PRODUCTS if p.key == "weed")
    xanax = next(p for p in PRODUCTS if p.key == "xanax")
    tort = sims["tortuga"]
    spec = tort.create(next(a for a in tort.accounts if a.join_week == 0), 0, weed, pinned=True)
    spec.title = f"{spec.title} <script>alert(1)</script>"
    night = sims["nightjar"]
    spec = night.create(next(a for a in night.accounts if a.join_week == 0), 0, xanax, pinned=True)
    spec.description = "Best bars in town <img src=x onerror=alert(1)> " + spec.description
    spec.raw_description = True
