"""Sections "By class", "Supply geography", "Prices" and the annex table of substances.

Counts over a period are listing-weeks (the sum of each week's distinct listings), the same unit
for a week (where it equals distinct listings) and a month, so periods compare like for like.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from index.documents import IndexDoc
from reports.nps.data import IndexData, in_period
from reports.nps.gazetteer import Gazetteer
from reports.nps.model import ClassRow, OriginRow, PriceRow, SubstanceRow
from reports.nps.options import ReportOptions
from reports.nps.period import Period

_TOP_ORIGINS = 15
_MAX_PRICE_ROWS = 30


def _cols(data: IndexData, weeks: tuple[str, ...]) -> list[int]:
    pos = {w: i for i, w in enumerate(data.weeks)}
    return [pos[w] for w in weeks if w in pos]


def group_series(data: IndexData, options: ReportOptions) -> dict[str, np.ndarray]:
    """Weekly listings per class group (label -> array over ``data.weeks``)."""
    rows = {k: i for i, k in enumerate(data.klass.keys)}
    out = {}
    for g in options.class_groups:
        idx = [rows[c] for c in g.classes if c in rows]
        out[g.label] = data.klass.listings[idx].sum(axis=0) if idx else np.zeros(len(data.weeks))
    return out


def by_class(data: IndexData, period: Period, options: ReportOptions, gaz: Gazetteer) -> list[ClassRow]:
    now, before = _cols(data, period.weeks), _cols(data, period.previous().weeks)
    volume, prev_volume = float(data.volume[now].sum()), float(data.volume[before].sum())
    series = group_series(data, options)
    subs = data.substance
    period_listings = subs.listings[:, now].sum(axis=1) if subs.keys else np.zeros(0)
    out = []
    for g in options.class_groups:
        members = [(int(period_listings[i]), gaz.name(k)) for i, k in enumerate(subs.keys)
                   if gaz.class_of(k) in g.classes and period_listings[i] > 0]
        members.sort(key=lambda m: (-m[0], m[1].casefold()))
        listings, previous = int(series[g.label][now].sum()), int(series[g.label][before].sum())
        out.append(ClassRow(g.id, g.label, listings, previous, _share(listings, volume), len(members),
                            [name for _n, name in members[:3]], _share(previous, prev_volume)))
    return out


def _share(count: float, volume: float) -> float:
    return round(100.0 * count / volume, 1) if volume else 0.0


def by_origin(data: IndexData, period: Period) -> list[OriginRow]:
    now, before = data.origins.get(period.label, {}), data.origins.get("previous", {})
    total, prev_total = sum(now.values()), sum(before.values())
    ranked = sorted(now.items(), key=lambda kv: (-kv[1], kv[0]))
    prev_rank = {o: r for r, (o, _n) in enumerate(sorted(before.items(), key=lambda kv: (-kv[1], kv[0])), 1)}
    rows = [OriginRow(o, n, before.get(o, 0), _share(n, total), r, prev_rank.get(o),
                      _share(before.get(o, 0), prev_total)) for r, (o, n) in enumerate(ranked, 1)]
    gone = [OriginRow(o, 0, n, 0.0, 0, prev_rank.get(o), _share(n, prev_total)) for o, n in before.items()
            if o not in now]
    return rows[:_TOP_ORIGINS] + sorted(gone, key=lambda r: -r.previous)[:5]


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    q1, med, q3 = np.percentile(np.asarray(values), [25, 50, 75])
    return float(med), float(q1), float(q3)


def _unit_prices(doc: IndexDoc) -> list[tuple[str, float]]:
    if doc.price_usd is None or doc.price_usd <= 0:
        return []
    out = []
    if doc.quantity_g and doc.quantity_g > 0:
        out.append(("per g", doc.price_usd / doc.quantity_g))
    if doc.units and doc.units > 0:
        out.append(("per unit", doc.price_usd / doc.units))
    return out


def prices(data: IndexData, period: Period, options: ReportOptions, gaz: Gazetteer, focus: set[str]
           ) -> tuple[list[PriceRow], list[PriceRow]]:
    """Price per gram / per unit by substance, and by substance and origin.

    Only single-substance listings (a mixture's price cannot be split) of reported classes or
    of ``focus`` substances (new, emerging) seen in the period.
    """
    classes = set(options.nps_classes)
    by_sub: dict[tuple[str, str], list[float]] = defaultdict(list)
    by_origin: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    for doc in data.docs:
        if doc.kind != "listing" or len(doc.substances) != 1 or not in_period(doc, period.start, period.as_of):
            continue
        sub = doc.substances[0].lower()
        if gaz.class_of(sub) not in classes and sub not in focus:
            continue
        for basis, value in _unit_prices(doc):
            by_sub[(sub, basis)].append(value)
            by_origin[(sub, doc.ships_from or "XX", basis)].append(value)
    minimum = options.price_min_listings
    rows = [PriceRow(gaz.name(s), "", b, len(v), *_quartiles(v)) for (s, b), v in by_sub.items() if len(v) >= minimum]
    origin_rows = [PriceRow(gaz.name(s), o, b, len(v), *_quartiles(v))
                   for (s, o, b), v in by_origin.items() if len(v) >= minimum]
    rows.sort(key=lambda r: (-r.n, r.name.casefold(), r.basis))
    origin_rows.sort(key=lambda r: (r.name.casefold(), r.basis, -r.n, r.origin))
    return rows[:_MAX_PRICE_ROWS], origin_rows[: _MAX_PRICE_ROWS * 2]


def substance_table(data: IndexData, period: Period, gaz: Gazetteer) -> list[SubstanceRow]:
    """Every substance listed in the period, most listed first, with its last 12 weeks."""
    now, before = _cols(data, period.weeks), _cols(data, period.previous().weeks)
    last = data.index_of(period.last_week)
    volume, prev_volume = float(data.volume[now].sum()), float(data.volume[before].sum())
    subs = data.substance
    rows = []
    for i, key in enumerate(subs.keys):
        listings = int(subs.listings[i, now].sum())
        if not listings:
            continue
        previous = int(subs.listings[i, before].sum())
        rows.append(SubstanceRow(gaz.name(key), key, gaz.class_label(gaz.class_of(key)), listings, previous,
                                 subs.first_week.get(key, ""),
                                 [int(v) for v in subs.listings[i, max(0, last - 11) : last + 1]],
                                 _share(listings, volume), _share(previous, prev_volume)))
    rows.sort(key=lambda r: (-r.listings, r.name.casefold()))
    return rows
