"""Quantities and doses from listing text: how much a price buys.

Plain regular expressions, no spaCy, so the same code serves the pipeline component and the
``PriceDisplay.quantity`` field. A number only counts when it is not glued to a letter, a dot or a
hyphen on its left and the unit is not followed by a word character or a hyphen, so chemical
locants (``3-MMC``, ``25I-NBOMe``, ``MDMB-4en``) and strain numbers never read as amounts.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from nlp._fast import maker
from nlp._memo import BoundedMemo

Kind = Literal["QUANTITY", "DOSE", "UNITS"]

# grams per unit; ml and l are volumes (no gram figure), kept with their unit.
GRAMS: dict[str, float] = {
    "kg": 1000.0, "g": 1.0, "mg": 0.001, "ug": 1e-6, "oz": 28.349523125, "lb": 453.59237,
}
UNIT_ALIASES: dict[str, str] = {
    "kg": "kg", "kilo": "kg", "kilos": "kg", "kilogram": "kg", "kilograms": "kg", "кг": "kg",
    "g": "g", "gr": "g", "grs": "g", "gram": "g", "grams": "g", "gramm": "g", "gramos": "g",
    "gramme": "g", "grammes": "g", "gramy": "g", "gramów": "g", "г": "g", "гр": "g", "grammi": "g",
    "mg": "mg", "мг": "mg", "ug": "ug", "µg": "ug", "μg": "ug", "mcg": "ug", "мкг": "ug",
    "oz": "oz", "ounce": "oz", "ounces": "oz", "zip": "oz", "zips": "oz",
    "lb": "lb", "lbs": "lb", "pound": "lb", "pounds": "lb", "ml": "ml", "мл": "ml", "l": "l",
}
# Words for counted items ("20 pills", "30 tabletek", "10 штук"), in the market languages: the tokens
# the pipeline flags as items (whole words), and the item words of an item count in text (below).
ITEM_STEM_WORDS = frozenset({
    "tab", "tabs", "tablet", "tablets", "tabletten", "tabletki", "tabletek", "tabletka", "comprimé", "comprimés",
    "comprimido", "comprimidos", "pill", "pills", "pillen", "pastilla", "pastillas", "pastille", "pastilles",
    "pigułki", "pigułek", "pigułka", "tablette", "tabletce", "таблетка", "таблетки", "таблеток", "carton",
    "cartones", "unidad", "unidades", "uds", "штук", "штука", "штуку", "kapsel", "pellet",
    "pellets", "blotter", "blotters", "cap", "caps", "capsule", "capsules", "kapseln", "vial", "vials", "cart",
    "carts", "cartridge", "cartridges", "bar", "bars", "hit", "hits", "pcs", "piece", "pieces", "stk", "stück",
    "stuks", "szt", "sztuk", "шт", "unit", "units", "square", "squares", "geltabs", "microdots", "ampoules",
    "patches", "strips", "sheets", "buttons",
})
# Item words read in text but not flagged on tokens: the singular containers ("1 sheet (100 tabs)" is
# counted by its tabs in the pipeline), two-word and inflected forms.
_TEXT_ONLY_ITEM_WORDS = ("ampoule", "button", "microdot", "patch", "sheet", "strip")
ITEM_WORDS = "|".join([*sorted(map(re.escape, ITEM_STEM_WORDS.union(_TEXT_ONLY_ITEM_WORDS)), key=len, reverse=True),
                       r"gel ?tabs?", r"таблет\w*"])
_NUM = r"(?P<num>\d+(?:[.,]\d+)?|[.,]\d+)"
_LEFT = r"(?<![\w.,\-/])"
_RIGHT = r"(?![\w\-])"
_UNIT = "|".join(sorted((re.escape(u) for u in UNIT_ALIASES), key=len, reverse=True))

_MULTI_BODY = rf"(?P<count>\d+)\s?[x×*]\s?(?P<dose>\d+(?:[.,]\d+)?)\s?(?P<dunit>mg|ug|µg|mcg|g|ml){_RIGHT}"
_ITEMS_BODY = rf"(?P<icount>\d+)\s?(?:x\s?)?(?P<item>{ITEM_WORDS}){_RIGHT}"
_MEASURE_BODY = rf"{_NUM}\s?(?P<unit>{_UNIT}){_RIGHT}"
_X_COUNT = re.compile(rf"(?<![\w\-])(?:x\s?(?P<a>\d+)|(?P<b>\d+)\s?x){_RIGHT}", re.I)
# "10 x 2mg", "20 pills", "5g" read with one anchored ``match`` at a number: at one position at
# most one of the three can match (after the number comes a multiplier and a digit, an item word,
# or a unit, and no item word is a unit); the outer group that matched is ``m.lastgroup``.
_AT_NUMBER = re.compile(
    rf"{_LEFT}(?:(?P<multi>{_MULTI_BODY})|(?P<items>{_ITEMS_BODY})|(?P<measure>{_MEASURE_BODY}))", re.I)
_WORDS = re.compile(
    r"(?<![\w\-])(?P<w>an? eighth|eighth|1/8(?:th)?(?: ?oz)?|half (?:an? )?(?:oz|ounce|zip|o)|"
    r"1/2 ?oz|quarter(?: ounce| oz)?|1/4 ?oz|half ?g|half (?:a )?gram|qp|hp|half ?p|"
    r"(?:a|one|an) (?:zip|ounce|oz|o))(?![\w\-])",
    re.I,
)
_WORD_VALUES: dict[str, tuple[float, str]] = {
    "eighth": (3.5, "g"), "1/8": (3.5, "g"), "half oz": (0.5, "oz"), "quarter": (7.0, "g"),
    "quarter oz": (0.25, "oz"), "half g": (0.5, "g"), "qp": (0.25, "lb"), "hp": (0.5, "lb"),
    "zip": (1.0, "oz"),
}


@dataclass(slots=True, unsafe_hash=True)
class Amount:
    """One quantity, dose or item count found in text, with its character span."""

    kind: Kind
    value: float
    unit: str  # g, mg, ug, kg, oz, lb, ml, l; "unit" for counted items
    start: int
    end: int
    text: str
    count: float | None = None  # for "10 x 2mg": 10 items of 2 mg

    # explicit __init__ (and __reduce__, when pickled): why, in nlp/_fast.py
    def __init__(self, kind: Kind, value: float, unit: str, start: int, end: int, text: str,
                 count: float | None = None) -> None:
        self.kind = kind
        self.value = value
        self.unit = unit
        self.start = start
        self.end = end
        self.text = text
        self.count = count

    @property
    def grams(self) -> float | None:
        """The weight in grams, or None for volumes and counts."""
        factor = GRAMS.get(self.unit)
        return None if factor is None else self.value * factor

    def __reduce__(self) -> tuple[type[Amount], tuple[object, ...]]:
        return Amount, (self.kind, self.value, self.unit, self.start, self.end, self.text, self.count)


_START = operator.attrgetter("start")
_amount = maker(Amount)  # Amount(kind, value, unit, start, end, text, count), all positional


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _word_value(word: str) -> tuple[float, str]:
    w = " ".join(word.lower().replace("an ", "").replace("a ", "").split())
    if "1/8" in w or "eighth" in w:
        return _WORD_VALUES["eighth"]
    if w.startswith("half") and w.replace(" ", "") in ("halfg", "halfgram", "halfagram"):
        return _WORD_VALUES["half g"]
    if w in ("half p", "halfp", "hp"):
        return _WORD_VALUES["hp"]
    if w.startswith("half") or w.startswith("1/2"):
        return _WORD_VALUES["half oz"]
    if w.startswith("1/4") or w in ("quarter oz", "quarter ounce"):
        return _WORD_VALUES["quarter oz"]
    if w.startswith("quarter"):
        return _WORD_VALUES["quarter"]
    if w == "qp":
        return _WORD_VALUES["qp"]
    return _WORD_VALUES["zip"]


def _overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in taken)


_ORDER = {"multi": 0, "items": 1, "measure": 2, "x": 3}  # which reading wins an overlap


_DIGIT_RUN = re.compile(r"(?<!\d)\d+(?:[.,]\d+)?\s?")
_WORD_CUES = ("eighth", "half", "quarter", "qp", "hp", "zip", "ounce", "1/8", "1/4", "1/2", " oz", " o ")
# tokens a word quantity (_WORDS) can start with
WORD_START_WORDS = frozenset({"a", "an", "one", "eighth", "1", "half", "halfg", "halfp", "quarter", "qp", "hp"})
WORD_CUE_WORDS = frozenset({"eighth", "half", "quarter", "qp", "hp", "zip", "zips", "ounce", "oz", "o",
                            "1/8", "1/4", "1/2", "halfp"})
# Whether a text counts items at all (an item word, whole): "mg" figures are doses then. Whole words, not
# stems: "hit" is in "white", "tal" in "krysztal", "patch" in "dispatch".
_ITEM_WORD = re.compile(rf"(?<!\w)(?:{ITEM_WORDS})(?!\w)", re.I)


def _measure_kind(unit: str, value: float, has_items: bool, dose_max_mg: float) -> Kind:
    if unit == "ug" or (unit == "mg" and (has_items or value <= dose_max_mg)):
        return "DOSE"
    if unit == "ml" and has_items:
        return "DOSE"
    return "QUANTITY"


def _at_digits(text: str, starts: Iterable[int] | None) -> list[tuple[str, re.Match[str]]]:
    """Anchored matches at the start of every number: two ``match`` calls per number instead
    of scanning the whole text once per pattern. ``starts`` (number offsets, e.g. from tokens)
    skips the digit scan too."""
    out: list[tuple[str, re.Match[str]]] = []
    n = len(text)
    runs = (_DIGIT_RUN.match(text, p) for p in starts) if starts is not None else _DIGIT_RUN.finditer(text)
    at_number, x_count = _AT_NUMBER.match, _X_COUNT.match
    for run in runs:
        if run is None:
            continue
        p, after = run.span()
        nxt = text[after] if after < n else ""
        before = text[p - 2:p] if p >= 2 else text[:p]
        if not (nxt.isalpha() or nxt in "*×" or before[-1:] in ("x", "X", "×") or before in ("x ", "X ")):
            continue  # 92%, 24/7, $120: no unit, item word or multiplier can follow
        m = at_number(text, p)
        if m:
            out.append((m.lastgroup, m))  # type: ignore[arg-type]
        back = p - 2 if before.lower() in ("x ", "× ") else p - 1
        if back >= 0 and text[back] in "xX×":
            m = x_count(text, back)
        elif nxt in ("x", "X") and "." not in run[0] and "," not in run[0]:
            # at the number, _X_COUNT needs digits, one optional space and an x: exactly what
            # the digit run and the character after it show (a decimal part cannot precede the x)
            m = x_count(text, p)
        else:
            continue
        if m:
            out.append(("x", m))
    return out


# (priority, start, end, text, kind or None for a weight/volume whose kind depends on the whole
# text, value, unit, count): one reading at a number, before overlaps are resolved
Reading = tuple[int, int, int, str, "Kind | None", float, str, "float | None"]
_PRIORITY = operator.itemgetter(0)
_MEASURE = _ORDER["measure"]
# The readings at a number depend only on the text from 3 characters before it up to its fourth
# whitespace character after: _AT_NUMBER and _X_COUNT look one or two characters back and consume
# at most three single whitespace characters ("10 x gel tabs"), so no path of theirs goes further.
# Readings are memoised on that window, so a number in a phrase met before ("10 x 2mg",
# "25g for") costs a dict lookup.
_REACH = re.compile(r"(?:\S*\s){4}")
_WINDOWS: BoundedMemo[tuple[str, int], tuple[Reading, ...]] = BoundedMemo(50_000)


def _reading(name: str, m: re.Match[str]) -> Reading:
    start, end = m.span()
    if name == "multi":
        return (0, start, end, m[0], "DOSE", _number(m["dose"]), UNIT_ALIASES[m["dunit"].lower()], float(m["count"]))
    if name == "items":
        n = float(m["icount"])
        return (1, start, end, m[0], "UNITS", n, "unit", n)
    if name == "measure":
        return (2, start, end, m[0], None, _number(m["num"]), UNIT_ALIASES[m["unit"].lower()], None)
    n = float(m["a"] or m["b"])
    return (3, start, end, m[0], "UNITS", n, "unit", n)


def _readings(text: str, starts: Iterable[int] | None) -> list[Reading]:
    """The readings at every number (at ``starts``, or wherever digits stand), in text order."""
    if starts is None:
        return [_reading(name, m) for name, m in _at_digits(text, None)]
    out: list[Reading] = []
    windows, reach = _WINDOWS, _REACH.match
    for p in starts:
        a = p - 3 if p >= 3 else 0
        w = reach(text, p)
        key = (text[a:w.end()] if w else text[a:], p - a)
        hit = windows.get(key)
        if hit is None:
            hit = windows.put(key, tuple(_reading(name, m) for name, m in _at_digits(key[0], (key[1],))))
        if a:
            out += [(r[0], r[1] + a, r[2] + a, *r[3:]) for r in hit]  # type: ignore[misc]
        else:
            out += hit
    return out


def _word_matches(text: str, word_starts: Iterable[int] | None) -> Iterable[re.Match[str]]:
    """``_WORDS.finditer(text)``, or anchored matches at the given offsets only (in order, without
    overlaps): a caller with tokens knows where a word quantity can start."""
    if word_starts is None:
        yield from _WORDS.finditer(text)
        return
    end = 0
    for p in word_starts:
        if p >= end and (m := _WORDS.match(text, p)) is not None:
            end = m.end()
            yield m


def find_amounts(text: str, *, dose_max_mg: float = 60.0, starts: Iterable[int] | None = None,
                 has_items: bool | None = None, word_cues: bool | None = None,
                 word_starts: Iterable[int] | None = None) -> list[Amount]:
    """Every quantity, dose and item count in ``text``, in order of appearance.

    ``mg``/``ug`` are doses when the text counts items (pills, tabs, x50 …) or the figure is at
    most ``dose_max_mg``; heavier mg figures are weights. ``ml`` is a dose when items are counted.
    A caller that has tokens can pass number offsets (``starts``), what it knows about item
    words and word quantities (``has_items``, ``word_cues``), and the offsets where a word quantity
    may start (``word_starts``: tokens such as "an", "half", "qp", "1", in order) to skip the text
    scans.
    """
    readings = _readings(text, starts)
    lower = text.lower() if word_cues is None else ""
    if has_items is None:
        has_items = _ITEM_WORD.search(text) is not None
    has_items = has_items or any(r[0] != _MEASURE for r in readings)
    found: list[Amount] = []
    taken: list[tuple[int, int]] = []
    if len(readings) > 1:
        readings.sort(key=_PRIORITY)
    for _, start, end, written, kind, value, unit, count in readings:
        for s, e in taken:
            if s < end and start < e:
                break  # overlaps a reading taken before
        else:
            found.append(_amount(kind or _measure_kind(unit, value, has_items, dose_max_mg), value, unit, start,
                                 end, written, count))
            taken.append((start, end))
    if word_cues if word_cues is not None else any(cue in lower for cue in _WORD_CUES):
        for m in _word_matches(text, word_starts):
            if not _overlaps(taken, m.start(), m.end()):
                value, unit = _word_value(m["w"])
                found.append(_amount("QUANTITY", value, unit, m.start(), m.end(), m[0], None))
                taken.append((m.start(), m.end()))
    if len(found) > 1:
        found.sort(key=_START)
    return found


@dataclass(slots=True, unsafe_hash=True)
class Headline:
    """What one price buys: a weight, and/or a count of items with a dose each."""

    quantity_value: float | None = None
    quantity_unit: str = ""
    quantity_g: float | None = None
    units: float | None = None
    dose: float | None = None
    dose_unit: str = ""

    # explicit __init__ (and __reduce__, when pickled): why, in nlp/_fast.py
    def __init__(self, quantity_value: float | None = None, quantity_unit: str = "",
                 quantity_g: float | None = None, units: float | None = None, dose: float | None = None,
                 dose_unit: str = "") -> None:
        self.quantity_value = quantity_value
        self.quantity_unit = quantity_unit
        self.quantity_g = quantity_g
        self.units = units
        self.dose = dose
        self.dose_unit = dose_unit

    def __reduce__(self) -> tuple[type[Headline], tuple[object, ...]]:
        return Headline, (self.quantity_value, self.quantity_unit, self.quantity_g, self.units, self.dose,
                          self.dose_unit)


_headline = maker(Headline)  # Headline(quantity_value, quantity_unit, quantity_g, units, dose, dose_unit)


def headline(amounts: list[Amount]) -> Headline:
    """The first weight, the first item count and the first dose, combined."""
    q: Amount | None = None
    d: Amount | None = None
    u: Amount | None = None
    for a in amounts:  # one loop, not three generators: a listing has a handful of amounts
        if q is None and a.kind == "QUANTITY":
            q = a
        elif d is None and a.kind == "DOSE":
            d = a
        if u is None and a.count is not None:
            u = a
    return _headline(q.value if q else None, q.unit if q else "", q.grams if q else None,
                     u.count if u else None, d.value if d else None, d.unit if d else "")
