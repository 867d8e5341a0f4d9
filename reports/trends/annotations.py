"""Events analysts annotate on the timeline: market takedowns and scheduling changes.

How detectors use them (why, not only what):

* A takedown changes the crawl volume; the volume offset already turns "half the listings
  vanished" into "same share", so no special case is needed for the counts themselves.
  What the offset cannot fix is the *mix* during the takedown week and the week after:
  vendors migrate between markets and relist in bursts, so shares are unstable. Those weeks
  are therefore left out of the *baselines* (``takedown_mask``) — they are still evaluated,
  because a real rise can start in any week.
* A ``suspect-volume`` week is a crawl the scheduler's health check flagged (far fewer listings
  than usual, fields gone empty, blocked pages: parser drift or an expired session). Its counts
  and its denominator are both wrong, so the week is treated as not crawled
  (``suspect_weeks`` + ``without_weeks``): neither in baselines nor evaluated. Dropping the whole
  week for every substance costs one week of evidence; keeping it would let one broken crawl
  read as a market-wide rise or collapse.
* A scheduling change is about one substance and goes into the report's wording only
  ("listings fell after scheduling on …"); detectors do not alter thresholds for it, because
  a scheduling change mostly lowers counts and the alarms here are one-sided (rises).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from reports.trends.series import BoolArray, week_monday

AnnotationKind = Literal["takedown", "scheduling", "suspect-volume", "other"]


@dataclass(frozen=True, slots=True)
class Annotation:
    """One annotated event. ``source`` names the market for a takedown, ``substance`` the
    substance for a scheduling change; the label is the analyst-facing text."""

    week: str
    kind: AnnotationKind
    label: str
    source: str = ""
    substance: str = ""

    def __post_init__(self) -> None:
        week_monday(self.week)  # validates the label
        if self.kind in ("takedown", "suspect-volume") and not self.source:
            raise ValueError(f"a {self.kind} annotation needs the market in `source`")
        if self.kind == "scheduling" and not self.substance:
            raise ValueError("a scheduling annotation needs `substance`")


def takedown_mask(weeks: Sequence[str], annotations: Iterable[Annotation], *, weeks_after: int = 1) -> BoolArray:
    """True for each takedown week and the ``weeks_after`` weeks that follow it.

    One week after is the default: the takedown week itself has a partial crawl and the next
    week carries the relisting wave; a longer dip in volume is handled by the offset.
    """
    index = {w: i for i, w in enumerate(weeks)}
    mask = np.zeros(len(weeks), dtype=np.bool_)
    for note in annotations:
        if note.kind != "takedown" or note.week not in index:
            continue
        start = index[note.week]
        mask[start : start + weeks_after + 1] = True
    return mask


def annotations_for(substance: str, annotations: Iterable[Annotation]) -> list[Annotation]:
    """Annotations that concern one substance: its scheduling changes and every takedown."""
    return [a for a in annotations if a.kind == "takedown" or a.substance in ("", substance)]


def suspect_weeks(annotations: Iterable[Annotation]) -> list[str]:
    """Weeks to treat as not crawled (``without_weeks``): every ``suspect-volume`` annotation's."""
    return sorted({a.week for a in annotations if a.kind == "suspect-volume"})
