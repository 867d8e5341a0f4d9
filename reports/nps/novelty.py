"""Section "New this period": confirmed substances and candidates first seen recently.

The rule is ``reports.trends.novelty.new_in_period`` (first seen within the novelty window and
seen from >= 2 vendors or >= 2 markets). Confirmed substances take their first week from the
weekly counts of the whole index; candidates (``IndexDoc.candidates`` the gazetteer does not
know) from their documents, checked against older mentions with one search each, because the
document scan only covers the recent window.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from index.base import Index, SearchRequest
from index.documents import IndexDoc
from reports.nps.data import IndexData
from reports.nps.gazetteer import Gazetteer, name_key
from reports.nps.model import CandidateEvidence, Evidence, NewSubstance
from reports.nps.options import ReportOptions
from reports.nps.period import Period
from reports.trends.novelty import new_in_period
from reports.trends.series import week_monday

_ONION = re.compile(r"\.onion\b", re.IGNORECASE)
_MAX_EVIDENCE = 8


@dataclass(slots=True)
class _Seen:
    """What the documents say about one substance or candidate."""

    docs: list[IndexDoc] = field(default_factory=list)
    spellings: Counter[str] = field(default_factory=Counter)

    @property
    def first_seen(self) -> date:
        return min(d.first_seen.date() for d in self.docs)

    def vendors(self) -> set[tuple[str, str]]:
        """Sellers of listings (forum authors are not vendors; forums count as sources)."""
        return {(d.source, d.vendor.casefold()) for d in self.docs if d.vendor and d.kind == "listing"}

    def markets(self) -> list[str]:
        """Markets and forums where it was seen (the rule's "markets")."""
        return sorted({d.source for d in self.docs})

    def origins(self) -> list[str]:
        return [o for o, _ in Counter(d.ships_from for d in self.docs if d.ships_from).most_common()]


def _window_start(period: Period, options: ReportOptions) -> date:
    return week_monday(period.last_week) - timedelta(weeks=options.novelty_window_weeks - 1)


def _example(docs: Iterable[IndexDoc]) -> tuple[str, str]:
    """A typical (median-priced) listing's price and dose, as displayed by vendors."""
    priced = sorted((d for d in docs if d.kind == "listing" and d.price_usd), key=lambda d: d.price_usd or 0.0)
    if not priced:
        return "", ""
    d = priced[len(priced) // 2]
    dose = f"{d.quantity_g:g} g" if d.quantity_g else (f"{d.units:g} units" if d.units else "")
    return f"US${d.price_usd:,.2f}", dose


def _usable(docs: list[IndexDoc], as_of: date) -> list[IndexDoc]:
    return [d for d in docs if d.first_seen.date() <= as_of]


def new_confirmed(data: IndexData, period: Period, options: ReportOptions, gaz: Gazetteer) -> list[NewSubstance]:
    """Gazetteer substances whose first observed week lies in the window and that pass the rule."""
    window = _window_start(period, options)
    recent = {k for k, w in data.substance.first_week.items() if week_monday(w) >= window and w <= period.last_week}
    seen: dict[str, _Seen] = defaultdict(_Seen)
    for doc in _usable(data.docs, period.as_of):
        for sub in doc.substances:
            if sub.lower() in recent:
                seen[sub.lower()].docs.append(doc)
    out = []
    for sub in sorted(recent):
        s = seen.get(sub)
        if s is None:
            continue
        first = max(s.first_seen, week_monday(data.substance.first_week[sub]))
        if not new_in_period(min(first, period.as_of), period.as_of, len(s.vendors()), len(s.markets())):
            continue
        price, dose = _example(s.docs)
        out.append(NewSubstance(gaz.name(sub), sub, "confirmed", gaz.class_label(gaz.class_of(sub)), first,
                                data.substance.first_week[sub], s.markets(), len(s.vendors()), s.origins(),
                                sum(1 for d in s.docs if d.kind == "listing"), price, dose))
    return out


def _candidates_seen(docs: list[IndexDoc], gaz: Gazetteer) -> dict[str, _Seen]:
    seen: dict[str, _Seen] = defaultdict(_Seen)
    for doc in docs:
        for cand in {c.strip() for c in doc.candidates if c.strip()}:
            if gaz.knows(cand):
                continue
            key = name_key(cand)
            if key:
                seen[key].docs.append(doc)
                seen[key].spellings[_surface(doc, cand)] += 1
    return seen


def _surface(doc: IndexDoc, cand: str) -> str:
    """The candidate as the page wrote it (extractors may lower-case; analysts search the original)."""
    found = re.search(re.escape(cand), f"{doc.title}\n{doc.body}", re.IGNORECASE)
    return found.group(0) if found else cand


def _mentioned_before(index: Index, name: str, before: date) -> bool:
    """Whether any document last seen before ``before`` mentions the name (one bounded search)."""
    phrase = re.sub(r'["\\]', " ", name).strip()
    if not phrase:
        return False
    query = f'"{phrase}" last_seen:[* TO {before - timedelta(days=1)}]'
    return index.search(SearchRequest(query=query, size=1)).total > 0


def candidates(index: Index, data: IndexData, period: Period, options: ReportOptions, gaz: Gazetteer
               ) -> tuple[list[NewSubstance], list[CandidateEvidence]]:
    """New candidates (rule applied) and the annex's evidence for every candidate seen."""
    window = _window_start(period, options)
    new: list[NewSubstance] = []
    annex: list[CandidateEvidence] = []
    for _key, s in sorted(_candidates_seen(_usable(data.docs, period.as_of), gaz).items()):
        name = s.spellings.most_common(1)[0][0]
        first = s.first_seen
        vendors, markets = len(s.vendors()), s.markets()
        rule = (first >= window and new_in_period(first, period.as_of, vendors, len(markets))
                and not _mentioned_before(index, name, window))
        annex.append(CandidateEvidence(name, sorted(s.spellings), first, len(s.docs), vendors, markets, rule,
                                       _evidence(s.docs, options.hide_onion_urls)))
        if rule:
            price, dose = _example(s.docs)
            new.append(NewSubstance(name, "", "candidate", "unclassified candidate", first,
                                    _week(first), markets, vendors, s.origins(),
                                    sum(1 for d in s.docs if d.kind == "listing"), price, dose))
    annex.sort(key=lambda c: (not c.meets_rule, -c.documents, c.name.casefold()))
    return new, annex


def _week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _evidence(docs: list[IndexDoc], hide_onion: bool) -> list[Evidence]:
    ordered = sorted(docs, key=lambda d: (d.first_seen, d.source, d.doc_id))[:_MAX_EVIDENCE]
    return [Evidence(d.source, d.kind, d.vendor, d.first_seen.date(), d.title[:160], d.page_digest,
                     "" if hide_onion and _ONION.search(d.url) else d.url) for d in ordered]
