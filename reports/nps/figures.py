"""Sections "Key figures" (with crawl coverage and its caveats) and "Highlights".

Highlights are generated sentences with numbers, picked in a fixed order of public-health
weight: new substances, emerging ones, candidates, the largest class change, the top origin,
then coverage — three to six of them, so the first screen of the report says what changed.
"""

from __future__ import annotations

import numpy as np

from reports.nps.data import IndexData, in_period
from reports.nps.model import ClassRow, Emerging, KeyFigures, NewSubstance, OriginRow
from reports.nps.options import ReportOptions
from reports.nps.period import Period

_MAX_HIGHLIGHTS = 6


def _cols(data: IndexData, weeks: tuple[str, ...]) -> list[int]:
    pos = {w: i for i, w in enumerate(data.weeks)}
    return [pos[w] for w in weeks if w in pos]


def _sources(data: IndexData, period: Period) -> tuple[list[str], list[str]]:
    kinds: dict[str, str] = {}
    for doc in data.docs:
        if in_period(doc, period.start, period.as_of):
            kinds.setdefault(doc.source, doc.source_kind)
    now = _cols(data, period.weeks)
    for i, src in enumerate(data.source.keys):
        if data.source.listings[i, now].sum() > 0:
            kinds.setdefault(src, "market")
    return sorted(s for s, k in kinds.items() if k == "market"), sorted(s for s, k in kinds.items() if k == "forum")


def _missing_sources(data: IndexData, period: Period) -> list[str]:
    """Sources with listings in the previous period and none in this one."""
    now, before = _cols(data, period.weeks), _cols(data, period.previous().weeks)
    src = data.source
    return [k for i, k in enumerate(src.keys) if src.listings[i, before].sum() > 0 and src.listings[i, now].sum() == 0]


def key_figures(data: IndexData, period: Period, options: ReportOptions, new: list[NewSubstance]) -> KeyFigures:
    now, before = _cols(data, period.weeks), _cols(data, period.previous().weeks)
    markets, forums = _sources(data, period)
    listings = [d for d in data.docs if d.kind == "listing" and in_period(d, period.start, period.as_of)]
    vendors = {(d.source, d.vendor.casefold()) for d in listings if d.vendor}
    subs = data.substance.listings[:, now].sum(axis=1) if data.substance.keys else np.zeros(0)
    crawl, prev_crawl = int(data.volume[now].sum()), int(data.volume[before].sum())
    caveats = _caveats(data, period, options, crawl, prev_crawl)
    return KeyFigures(
        substances_seen=int((subs > 0).sum()),
        new_confirmed=sum(1 for n in new if n.status == "confirmed"),
        new_candidates=sum(1 for n in new if n.status == "candidate"),
        markets=markets, forums=forums, vendors=len(vendors), listings=len(listings),
        listing_observations=int(data.observations[now].sum()),
        crawl_pages=int(data.pages[now].sum()), crawl_listings=crawl, previous_crawl_listings=prev_crawl,
        weeks_without_crawl=[data.weeks[i] for i in now if data.volume[i] == 0], caveats=caveats,
    )


def _caveats(data: IndexData, period: Period, options: ReportOptions, crawl: int, prev: int) -> list[str]:
    out = []
    notes = {a.source: a for a in options.annotations if a.kind == "takedown"}
    for src in _missing_sources(data, period):
        note = notes.get(src)
        why = f" (annotated: {note.label}, {note.week})" if note else " (unreachable, closed or taken down)"
        out.append(f"{src} had listings in the previous period and none in this one{why}.")
    if prev and crawl < 0.8 * prev:
        out.append(f"Listings crawled fell {100 * (prev - crawl) / prev:.0f}% from the previous period; "
                   f"counts are read as shares of what was crawled, so this is not a fall in supply.")
    for a in options.annotations:
        if a.week in period.weeks and a.kind != "takedown":
            out.append(f"{a.week}: {a.label}.")
    empty = [data.weeks[i] for i in _cols(data, period.weeks) if data.volume[i] == 0]
    if empty:
        out.append(f"No crawl in {', '.join(empty)}: those weeks are not evaluated.")
    return out


def _join(names: list[str], limit: int = 3) -> str:
    shown = names[:limit]
    more = f" and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(shown) + more


def highlights(figures: KeyFigures, new: list[NewSubstance], emerging: list[Emerging], classes: list[ClassRow],
               origins: list[OriginRow], period: Period) -> list[str]:
    """Three to six generated bullet points, each with a number."""
    out: list[str] = []
    confirmed = [n for n in new if n.status == "confirmed"]
    if confirmed:
        top = max(confirmed, key=lambda n: (n.vendors, len(n.markets)))
        others = [n.name for n in confirmed if n is not top]
        rest = f"; also new: {_join(others)}" if others else ""
        out.append(f"New this period: {top.name} ({top.class_label}), first seen {top.first_week}, from "
                   f"{top.vendors} vendor(s) on {len(top.markets)} market(s)/forum(s){rest}.")
    for e in emerging[:2]:
        since = f", rising since {e.rising_since}" if e.rising_since else ""
        out.append(f"{e.name} is emerging: {e.listings} listings in {e.alarm_week} against a baseline of "
                   f"{e.expected:.1f} ({e.share_pct:.1f}% of listings crawled now vs "
                   f"{e.baseline_share_pct:.1f}%){since}.")
    cands = [n for n in new if n.status == "candidate"]
    if cands:
        c = cands[0]
        out.append(f"{len(cands)} unidentified candidate name(s), led by \u201c{c.name}\u201d ({c.listings} listings, "
                   f"{c.vendors} vendor(s)) — an online signal, not an analytical identification.")
    moved = [c for c in classes if c.previous_share_pct and c.listings >= 3]
    if moved:
        row = max(moved, key=lambda c: abs(c.share_pct - c.previous_share_pct) / c.previous_share_pct)
        out.append(f"{row.label}: {row.share_pct:.1f}% of all listings crawled ({row.listings} listings), "
                   f"against {row.previous_share_pct:.1f}% in {period.previous().label} ({row.change}).")
    if origins and origins[0].listings:
        o = origins[0]
        out.append(f"{o.origin} is the most frequent declared origin of NPS listings ({o.share_pct:.0f}%, "
                   f"{o.listings} listings).")
    out.append(f"Coverage: {len(figures.markets)} market(s) and {len(figures.forums)} forum(s), "
               f"{figures.crawl_listings} listings crawled "
               f"({_pct(figures.crawl_listings, figures.previous_crawl_listings)}"
               f" vs previous period).")
    if len(out) < 3:
        out.insert(0, f"{figures.substances_seen} substances listed by {figures.vendors} vendors in "
                      f"{figures.listings} listings this period.")
    if len(out) < 3 and not new:
        out.insert(1, "No substance or candidate met the new-in-period rule (first seen in the last 4 weeks, "
                      "from at least 2 vendors or markets).")
    return out[:_MAX_HIGHLIGHTS]


def _pct(now: int, before: int) -> str:
    return f"{100.0 * (now - before) / before:+.0f}%" if before else "no previous crawl"
