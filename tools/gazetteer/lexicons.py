"""Readers for the public lexicons shipped in ``config/gazetteer/sources/``.

Why: each lexicon has its own layout (DOPE lookup table, DEA street-name table and its raw
``~``-separated text, DEA controlled-substances list); the build only wants uniform rows of
(source, category, text, kind). Cleaning (parentheticals, junk cells) happens here so every
source is treated alike.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass
from pathlib import Path

from tools.gazetteer.normalize import clean_text, is_junk, split_parenthetical

LOG = logging.getLogger(__name__)


@dataclass(frozen=True, order=True)
class LexRow:
    """One name taken from a lexicon, before it is mapped to a substance id."""

    source: str  # dope | dea | dea_controlled
    category: str  # the lexicon's own category (DOPE category, DEA heading, DEA substance)
    text: str
    kind: str | None  # slang | brand | name | None (unknown)


@dataclass
class ReadReport:
    """Cells skipped while reading, kept for conflicts.txt."""

    junk: set[tuple[str, str, str]]

    def skip(self, source: str, category: str, text: str) -> None:
        """Remember a cell that is a description or sentence, not a name."""
        self.junk.add((source, category, text))


def _slang_row(source: str, category: str, raw: str, kind: str | None, rep: ReadReport) -> LexRow | None:
    main, _ = split_parenthetical(raw)  # "(mixed with heroin)", "(hydroponic)" are notes
    if not main or is_junk(main):
        rep.skip(source, category, raw)
        return None
    return LexRow(source, clean_text(category), main, kind)


def read_dope(path: Path, rep: ReadReport) -> list[LexRow]:
    """DOPE ``lookup_df``: class, category, synonym."""
    rows: list[LexRow] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            kind = None if rec["category"] == "Unknown" else "slang"
            row = _slang_row("dope", rec["category"], rec["synonym"], kind, rep)
            if row:
                rows.append(row)
    return rows


def read_dea_street(path: Path, rep: ReadReport) -> list[LexRow]:
    """DEA 2017 street names as tabulated by DOPE: category, brand, slang."""
    rows: list[LexRow] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            for raw, kind in ((rec["slang"], "slang"), (rec["brand"], "brand")):
                row = _slang_row("dea", rec["category"], raw, kind, rep) if raw.strip() else None
                if row:
                    rows.append(row)
    return rows


def read_dea_slang_text(path: Path, rep: ReadReport) -> list[LexRow]:
    """The same DEA report in DOPE's raw form: ``Substance~Brand~slang; slang; ...``."""
    rows: list[LexRow] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.count("~") < 2:
            continue
        category, brand, slang = line.split("~", 2)
        cells = [(s, "slang") for s in slang.split(";")] + [(brand, "brand")]
        for raw, kind in cells:
            row = _slang_row("dea", category, raw, kind, rep) if raw.strip() else None
            if row:
                rows.append(row)
    return rows


def read_dea_controlled(path: Path, rep: ReadReport) -> list[LexRow]:
    """DEA controlled-substances list: the substance name and its listed other names."""
    rows: list[LexRow] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            category = clean_text(rec["substance"])
            for raw in (rec["substance"], rec["synonym"]):
                main, inner = split_parenthetical(raw)
                for text in [main, *inner]:
                    if not text or is_junk(text):
                        rep.skip("dea_controlled", category, raw)
                        continue
                    rows.append(LexRow("dea_controlled", category, text, "name"))
    return rows


def read_all(sources: Path) -> tuple[list[LexRow], ReadReport]:
    """Read every lexicon in ``sources``; rows are de-duplicated and sorted."""
    rep = ReadReport(junk=set())
    rows = read_dope(sources / "dope_lookup.csv", rep)
    rows += read_dea_street(sources / "dea_street_names.csv", rep)
    rows += read_dea_slang_text(sources / "dea_slang_2017_slangUE.txt", rep)
    rows += read_dea_controlled(sources / "dea_controlled.csv", rep)
    unique = sorted(set(rows), key=lambda r: (r.source, r.category, r.text, r.kind or ""))
    LOG.info("read %d lexicon rows (%d junk cells skipped)", len(unique), len(rep.junk))
    return unique, rep
