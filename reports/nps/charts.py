"""Charts of the report, drawn with matplotlib (Agg, no display) and returned as data URIs.

Hostile text: labels can come from scraped pages (candidate names, origins). Three guards:
``text.parse_math`` is off (a ``$`` in a name would otherwise be parsed as TeX and can raise),
``svg.fonttype`` is ``path`` (glyphs become outlines: no scraped string is written into the SVG
as text — and the comments matplotlib adds with each label's text are stripped — so nothing in
it can close a tag or open a script), and the SVG is embedded as a
base64 ``<img>`` data URI, which browsers never run scripts from. Labels are also stripped of
control characters and shortened so a 10 kB "name" cannot wreck the layout.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Mapping, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from reports.nps.model import Chart, OriginRow
from reports.trends.annotations import Annotation

_RC: Any = {  # matplotlib types rc keys as a Literal union; these are checked at runtime
    "text.parse_math": False,
    "svg.fonttype": "path",
    "svg.hashsalt": "narcoscope",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": 9,
    "axes.titleweight": "bold",
}
# Colour-blind-safe (Okabe-Ito), one per class group.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#999999")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def safe_label(text: str, limit: int = 28) -> str:
    """Printable, single-line, at most ``limit`` characters."""
    clean = _CONTROL.sub(" ", text).strip()
    return clean if len(clean) <= limit else clean[: limit - 1] + "\u2026"


def _figure(width: float, height: float, *, left: float, bottom: float, right: float = 0.99, top: float = 0.97
            ) -> tuple[Figure, Axes]:
    """A figure without pyplot (no global registry, lighter import) with fixed margins in inches:
    ``bbox_inches="tight"`` would draw every chart twice (a third of the chart time)."""
    fig = Figure(figsize=(width, height))
    fig.subplots_adjust(left=left / width, bottom=bottom / height, right=right, top=top)
    return fig, fig.add_subplot()


def _to_chart(fig: Figure, alt: str) -> Chart:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    svg = _COMMENT.sub("", buf.getvalue())  # matplotlib echoes each label in a comment: drop them
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return Chart(uri, alt, svg)


def _week_ticks(ax: Axes, weeks: Sequence[str]) -> None:
    """At most ~8 ticks; "W37" labels, with the year on the first tick and where it changes."""
    step = max(1, -(-len(weeks) // 8))
    ticks = list(range(0, len(weeks), step))
    labels, year = [], ""
    for i in ticks:
        y, w = weeks[i].split("-")
        labels.append(w if y == year else f"{w}\n{y}")
        year = y
    ax.set_xticks(ticks, labels, rotation=0)


def _annotate(ax: Axes, weeks: Sequence[str], annotations: Sequence[Annotation]) -> None:
    pos = {w: i for i, w in enumerate(weeks)}
    for a in annotations:
        if a.week in pos:
            x = pos[a.week]
            ax.axvline(x - 0.5, color="#b3261e", lw=0.9, ls="--")
            ax.text(x - 0.65, 0.97, safe_label(a.label, 40), transform=ax.get_xaxis_transform(), fontsize=6,
                    color="#b3261e", va="top", ha="right", rotation=90,
                    bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85})


def _bars(bottom: np.ndarray, heights: np.ndarray, colour: str) -> PolyCollection:
    """One collection of rectangles per series: one artist instead of one patch per bar (~50x faster)."""
    x = np.arange(len(bottom))
    left, right, top = x - 0.4, x + 0.4, bottom + heights
    verts = np.stack([np.column_stack(c) for c in ((left, bottom), (left, top), (right, top), (right, bottom))], axis=1)
    return PolyCollection(list(verts), facecolors=colour, edgecolors="none", linewidths=0)


def class_chart(weeks: Sequence[str], series: dict[str, np.ndarray], annotations: Sequence[Annotation]) -> Chart:
    """Stacked weekly bars of listings per class group, with takedowns and scheduling marked."""
    with matplotlib.rc_context(_RC):
        fig, ax = _figure(7.2, 3.2, left=0.75, bottom=1.05)
        bottom = np.zeros(len(weeks))
        handles = []
        for (label, values), colour in zip(series.items(), PALETTE, strict=False):
            ax.add_collection(_bars(bottom, values, colour))
            handles.append(Patch(color=colour, label=safe_label(label, 34)))
            bottom = bottom + values
        ax.set_xlim(-0.6, len(weeks) - 0.4)
        ax.set_ylim(0, max(float(bottom.max()), 1.0) * 1.08)
        _week_ticks(ax, weeks)
        _annotate(ax, weeks, annotations)
        ax.set_ylabel("listings per week")
        ax.legend(handles=handles, ncols=3, fontsize=6.5, frameon=False, loc="upper center",
                  bbox_to_anchor=(0.5, -0.15))
    alt = "Stacked weekly bar chart of listings per class group: " + ", ".join(
        f"{k} {int(v[-1])} in {weeks[-1]}" for k, v in series.items())
    return _to_chart(fig, alt)


def origins_chart(rows: Sequence[OriginRow], period_label: str, previous_label: str) -> Chart:
    """Ranked horizontal bars of NPS listings by declared origin, this period against the previous."""
    shown = [r for r in rows if r.listings][:12][::-1]
    with matplotlib.rc_context(_RC):
        fig, ax = _figure(6.0, 0.22 * max(len(shown), 3) + 1.0, left=0.75, bottom=0.45, top=0.9)
        y = np.arange(len(shown))
        ax.barh(y + 0.2, [r.listings for r in shown], height=0.4, color=PALETTE[0], label=safe_label(period_label))
        ax.barh(y - 0.2, [r.previous for r in shown], height=0.4, color="#bbbbbb", label=safe_label(previous_label))
        ax.set_yticks(y, [safe_label(r.origin, 12) for r in shown])
        ax.set_xlabel("NPS listings (listing-weeks)")
        ax.legend(fontsize=7, frameon=False, loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2)
    alt = "Declared origins of NPS listings, ranked: " + ", ".join(f"{r.origin} {r.listings}" for r in shown[::-1])
    return _to_chart(fig, alt)


def emerging_chart(weeks: Sequence[str], shares: Mapping[str, Sequence[float]], annotations: Sequence[Annotation]
                   ) -> Chart:
    """Share of listings crawled (%) per week for each emerging substance."""
    with matplotlib.rc_context(_RC):
        fig, ax = _figure(7.2, 2.7, left=0.75, bottom=0.45, top=0.86)
        for (name, values), colour in zip(shares.items(), PALETTE, strict=False):
            ax.plot(range(len(values)), values, color=colour, lw=1.6, label=safe_label(name))
        _week_ticks(ax, weeks)
        _annotate(ax, weeks, annotations)
        ax.set_ylabel("% of listings crawled")
        ax.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3)
    alt = "Weekly share of listings for emerging substances: " + ", ".join(
        f"{k} {v[-1]:.1f}% in {weeks[-1]}" for k, v in shares.items() if len(v))
    return _to_chart(fig, alt)
