"""Markdown rendering, with every scraped or data-derived string escaped.

Markdown renderers pass raw HTML through and turn ``[x](y)``, ``*``, ``_``, backticks and ``|``
into structure, so a listing title like ``<img src=x onerror=...>`` or ``](javascript:...)``
would become markup. :func:`md_escape` backslash-escapes the Markdown metacharacters and turns
``<``, ``>`` and ``&`` into entities; a leading ``#``, ``-``, ``+``, ``=`` or ``1.`` is escaped too
(it would start a heading or a list); table cells also lose their line breaks. Charts are written
as SVG files beside the Markdown (relative links), not inlined.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from reports.nps.model import NpsReport

_META = re.compile(r"([\\`*_{}\[\]!|~])")
_LEADING = re.compile(r"^([#+\-=>])")
_ORDERED = re.compile(r"^(\d+)([.)])")
_SPACE = re.compile(r"\s+")


def md_escape(text: object) -> str:
    """Escape a value for Markdown text or a table cell (one line, no HTML, no structure)."""
    value = _SPACE.sub(" ", str(text)).strip()
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    value = _META.sub(r"\\\1", value)
    value = _LEADING.sub(r"\\\1", value)  # what would start a heading, list or quote at a line start
    return _ORDERED.sub(r"\1\\\2", value)


def _table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    out = ["| " + " | ".join(md_escape(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    out += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _sections(r: NpsReport, charts: dict[str, str]) -> list[str]:
    f = r.figures
    out = [f"# {md_escape(r.title)}", "",
           md_escape(f"{r.period_kind} {r.period_label}, data as of {r.as_of}, generated "
                     f"{r.generated_at:%Y-%m-%d %H:%M} UTC. Online signals, not analytical identifications."), "",
           "## 1\\. Highlights", ""]
    out += [f"- {md_escape(h)}" for h in r.highlights] + ["", "## 2\\. Key figures", ""]
    out += _table(("figure", "value"), [
        ("substances listed", f.substances_seen),
        ("new substances / candidates", f"{f.new_confirmed} / {f.new_candidates}"),
        ("markets crawled", ", ".join(f.markets) or "none"), ("forums crawled", ", ".join(f.forums) or "none"),
        ("vendors with listings", f.vendors), ("distinct listings seen", f.listings),
        ("listing observations", f.listing_observations), ("pages crawled", f.crawl_pages),
        ("listings crawled (previous period)", f"{f.crawl_listings} ({f.previous_crawl_listings})")])
    out += [f"- {md_escape(c)}" for c in f.caveats] + ([""] if f.caveats else [])
    out += ["## 3\\. New this period", "",
            md_escape("Candidates are an online signal, not an analytical identification."), ""]
    out += _table(("substance", "status", "class", "first seen", "markets/forums", "vendors", "listings", "origins",
                   "example"),
                  [(n.name, n.status, n.class_label, f"{n.first_seen} ({n.first_week})", ", ".join(n.markets),
                    n.vendors, n.listings, ", ".join(n.origins[:5]), f"{n.example_price} {n.example_dose}".strip())
                   for n in r.new]) if r.new else ["No substance or candidate met the rule this period.", ""]
    out += ["## 4\\. Emerging", "", *_chart(charts, "emerging")]
    out += _table(("substance", "class", "alarm", "that week", "baseline", "share now", "rising since"),
                  [(e.name, e.class_label, e.alarm_week, _context(e.listings, e.farrington_threshold),
                    f"{e.expected:.1f} ({e.baseline_share_pct:.1f}%)", f"{e.share_pct:.1f}%", e.rising_since or "-")
                   for e in r.emerging]) if r.emerging else ["No rising substance this period.", ""]
    return out


def _context(listings: int, threshold: float | None) -> str:
    return f"{listings} listings" + (f", threshold {threshold:.0f}" if threshold is not None else "")


def _chart(charts: dict[str, str], name: str) -> list[str]:
    return [f"![{md_escape(name)} chart]({charts[name]})", ""] if name in charts else []


def _note(a: dict[str, str]) -> str:
    return f"{a['week']} {a['kind']}: {a['label']}"


def _more_sections(r: NpsReport, charts: dict[str, str]) -> list[str]:
    out = ["## 5\\. By class", "", *_chart(charts, "classes")]
    out += _table(("class group", "listings", "share of crawl", r.previous_label, "change in share", "substances",
                   "most listed"),
                  [(c.label, c.listings, f"{c.share_pct:.1f}%", f"{c.previous_share_pct:.1f}%", c.change or "-",
                    c.substances, ", ".join(c.top)) for c in r.classes])
    out += ["## 6\\. Supply geography", "", *_chart(charts, "origins")]
    out += _table(("rank", "origin", "listings", "share", r.previous_label, "share change"),
                  [(o.rank or "-", o.origin, o.listings, f"{o.share_pct:.1f}%", o.previous, o.change or "-")
                   for o in r.origins])
    out += ["## 7\\. Prices", ""]
    out += _table(("substance", "basis", "listings", "median", "Q1-Q3"),
                  [(p.name, p.basis, p.n, _money(p.median), f"{_money(p.q1)}-{_money(p.q3)}") for p in r.prices])
    out += _table(("substance", "origin", "basis", "listings", "median", "Q1-Q3"),
                  [(p.name, p.origin, p.basis, p.n, _money(p.median), f"{_money(p.q1)}-{_money(p.q3)}")
                   for p in r.prices_by_origin])
    out += ["## 8\\. Methods and limitations", ""] + [f"- {md_escape(m)}" for m in (
        "No laboratory confirmation: listings are vendors' claims; candidates are online signals only.",
        "Origins and prices are self-reported by vendors.",
        "Counts are shares of the listings crawled each week; takedowns change volume, not trends.",
        "Emerging: GLR test for a rise of weekly shares; context: Farrington threshold; wording: Kleinberg bursts.",
    )] + [f"- {md_escape(_note(a))}" for a in r.annotations] + [""]
    out += ["## 9\\. Annex: candidates and evidence", ""]
    for c in r.candidates:
        out += [f"### {md_escape(c.name)}", "",
                md_escape(f"first seen {c.first_seen}, {c.documents} documents, {c.vendors} vendors, "
                          f"{', '.join(c.markets)}; new this period: {'yes' if c.meets_rule else 'no'}"), ""]
        out += _table(("first seen", "source", "kind", "vendor", "title", "page digest", "url"),
                      [(e.first_seen, e.source, e.kind, e.vendor, e.title, e.page_digest, e.url or "(withheld)")
                       for e in c.evidence])
    out += ["## Annex B: listings per substance", ""]
    out += _table(("substance", "class", "listings", r.previous_label, "share change", "first seen"),
                  [(s.name, s.class_label, s.listings, s.previous, s.change or "-", s.first_week)
                   for s in r.substances])
    return out


def render_markdown(report: NpsReport, charts: dict[str, str] | None = None) -> str:
    """The report as Markdown; ``charts`` maps chart names to relative image paths."""
    links = charts or {}
    return "\n".join(_sections(report, links) + _more_sections(report, links)) + "\n"
