"""Shipping origin and destinations: free text to ISO 3166-1 alpha-2, ``EU``, ``WW`` or ``XX``.

Handles ISO codes, country names in seven languages (``config/places/countries.tsv``, exported
from pycountry at build time), hand aliases (``config/places/aliases.yaml``), flag emoji, route
shorthand (``NL -> WW``, ``EU to EU``, ``🇩🇪 → 🇪🇺``) and cue phrases ("Versand aus Deutschland",
"доставка из России"). Polish and Russian case endings are matched through stems. Lookups are
dictionary hits on 1-4 word n-grams, never one giant regular expression, so long texts stay fast.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from nlp._yaml import require_strings
from nlp.errors import ExtractionError

SPECIAL = ("EU", "WW", "XX")
_TOKEN = re.compile(
    r"[\U0001F1E6-\U0001F1FF]{2}|\U0001F30D|\U0001F30E|\U0001F30F|\U0001F310"
    r"|[^\W\d_]+(?:[.'’\-][^\W\d_]+)*\.?|->|=>|-->|→|⇒|➡|⟶|>>?|\d+|\S"
)
_ARROWS = frozenset({"->", "=>", "-->", "→", "⇒", "➡", "⟶", ">", ">>"})
_ROUTE_WORDS = frozenset({"to", "nach", "naar", "vers", "a", "à", "do", "в", "по", "a toda", "into",
                          "ships to", "shipping to", "to all", "à toute", "na"})
_GAP_WORDS = frozenset({"the", "la", "le", "el", "de", "die", "der", "das", "les", "los", ":", "-",
                        "and", "und", "et", "y", "en", "i", "и", "(", "[", "within", "inside"})
_LIST_SEPS = frozenset({",", "/", ";", "&", "+", "|", "-", "–", "—", "to", "and", "und", "et", "y", "en", "i",
                        "и", "or"})
_GLOBE = {"\U0001F30D": "WW", "\U0001F30E": "WW", "\U0001F30F": "WW", "\U0001F310": "WW"}
_MAX_NGRAM = 4


@dataclass(slots=True, unsafe_hash=True)
class Place:
    """A place mention: normalised code and its character span in the text."""

    code: str
    start: int
    end: int
    text: str

    # explicit __init__ (and __reduce__, when pickled): why, in nlp/_fast.py
    def __init__(self, code: str, start: int, end: int, text: str) -> None:
        self.code = code
        self.start = start
        self.end = end
        self.text = text

    def __reduce__(self) -> tuple[type[Place], tuple[object, ...]]:
        return Place, (self.code, self.start, self.end, self.text)


def _fold(text: str) -> str:
    return text.casefold().replace("’", "'")


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


class _CuePattern:
    """Cue phrases, matched case-insensitively: on the lower-cased text with a case-sensitive
    pattern (2-3x faster than ``re.I``, whose alternation cannot skip branches on their first
    letter), or with ``re.I`` when lower-casing would change the text's length (the spans must
    index the original text). Only spans are read from the matches."""

    def __init__(self, pattern: str) -> None:
        self.exact = re.compile(pattern)
        self.folded = re.compile(pattern, re.I)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        low = text.lower()
        return self.exact.finditer(low) if len(low) == len(text) else self.folded.finditer(text)

    def search(self, text: str) -> re.Match[str] | None:
        low = text.lower()
        return self.exact.search(low) if len(low) == len(text) else self.folded.search(text)


class Gazette:
    """Compiled place vocabulary: names, stems, ISO codes and cue phrases."""

    def __init__(self, names: dict[str, str], stems: dict[str, str], codes: dict[str, str],
                 aliases: dict[str, object]) -> None:
        self.names = names
        self.stems = stems
        self.codes = codes  # "NL" / "NLD" -> "NL"
        self.ambiguous = frozenset(str(c) for c in aliases.get("ambiguous_codes", []))  # type: ignore[attr-defined]
        self.except_words = frozenset(_fold(str(w)) for w in aliases.get("except_words", []))  # type: ignore[attr-defined]
        # longest name (in words) starting with each word: most words start no name at all
        self.starts: dict[str, int] = {}
        for name in names:
            words = name.split(" ")
            self.starts[words[0]] = max(self.starts.get(words[0], 0), len(words))
        self.origin_cues = self._cues(aliases.get("origin_cues", []))
        self.location_cues = self._cues(aliases.get("origin_location_cues", []))
        self.location_verbs = frozenset(_fold(str(w)) for w in aliases.get("origin_location_verbs", []))  # type: ignore[attr-defined]
        self.destination_cues = self._cues(aliases.get("destination_cues", []))
        self.domestic_cues = self._cues(aliases.get("domestic_cues", []))

    @staticmethod
    def _cues(words: object) -> _CuePattern:
        items = sorted((_fold(str(w)) for w in words), key=len, reverse=True)  # type: ignore[attr-defined]
        alternation = "|".join(re.escape(w) for w in items)
        # a class of the cues' first letters up front: most positions fail on one test instead
        # of one per cue
        firsts = {c for w in items for c in {w[0], w[0].upper(), w[0].lower()}}
        first = f"(?=[{''.join(re.escape(c) for c in sorted(firsts))}])" if items else ""
        return _CuePattern(rf"{first}(?<!\w)(?:{alternation})(?!\w)\s*:?")

    def lookup(self, words: list[str]) -> str | None:
        """The code for a phrase of already case-folded words, or None."""
        key = " ".join(words)
        code = self.names.get(key)
        if code is None and len(words) == 1 and len(key) >= 5:
            for cut in range(1, 4):
                code = self.stems.get(key[:-cut])
                if code:
                    break
        return code


def _load_rows(path: Path) -> list[tuple[str, str, str]]:
    if not path.exists():
        from nlp.normalize.build_places import rows

        return list(rows())
    out = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3:
            raise ExtractionError("E008", path=path, line=lineno, detail="expected 3 tab-separated columns")
        out.append((parts[0], parts[1], parts[2]))
    return out


def _add(table: dict[str, set[str]], name: str, code: str) -> None:
    for variant in {_fold(name), _fold(_strip_accents(name))}:
        table.setdefault(variant, set()).add(code)


@functools.lru_cache(maxsize=8)
def load_gazette(places_dir: Path) -> Gazette:
    """Build (once per directory) the place vocabulary from ``countries.tsv`` and ``aliases.yaml``."""
    path = places_dir / "aliases.yaml"
    aliases = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    for section, entries in aliases.items():
        where = f"{path}: section {section!r}"
        if isinstance(entries, dict):  # code -> words
            require_strings(entries, where)
            for words in entries.values():
                require_strings(words or (), where)
        else:
            require_strings(entries or (), where)
    table: dict[str, set[str]] = {}
    stem_table: dict[str, set[str]] = {}
    codes: dict[str, str] = {}
    for code, lang, name in _load_rows(places_dir / "countries.tsv"):
        codes[code] = code
        if lang == "iso3":
            codes[name] = code
            continue
        _add(table, name, code)
        folded = _fold(name)
        if lang in ("pl", "ru") and " " not in folded and len(folded) >= 5:
            stem_table.setdefault(folded[:-1], set()).add(code)
    names = {k: next(iter(v)) for k, v in table.items() if len(v) == 1}
    for code, words in (aliases.get("names") or {}).items():
        for w in words:
            names[_fold(str(w))] = code
            names[_fold(str(w)).rstrip(".")] = code  # tokens longer than 3 lose a final dot
            names[_fold(_strip_accents(str(w)))] = code
            if " " not in str(w) and len(str(w)) >= 5 and not str(w).isascii():
                stem_table.setdefault(_fold(str(w))[:-1], set()).add(code)
    for code, words in (aliases.get("cities") or {}).items():
        for w in words:
            names.setdefault(_fold(str(w)), code)
            if " " not in str(w) and len(str(w)) >= 5 and not str(w).isascii():  # "в Питере", "в Казани"
                stem_table.setdefault(_fold(str(w))[:-1], set()).add(code)
    for code, words in (aliases.get("special") or {}).items():
        for w in words:
            names[_fold(str(w))] = code
    stems = {k: next(iter(v)) for k, v in stem_table.items() if len(v) == 1 and len(k) >= 4}
    return Gazette(names, stems, codes, aliases)


def _flag(text: str) -> str | None:
    if len(text) == 2 and all(0x1F1E6 <= ord(c) <= 0x1F1FF for c in text):
        code = "".join(chr(ord(c) - 0x1F1E6 + ord("A")) for c in text)
        return "GB" if code == "UK" else code
    return _GLOBE.get(text)


@dataclass(slots=True)
class _Tok:
    text: str
    fold: str
    start: int
    end: int

    # explicit __init__ (and __reduce__, when pickled): why, in nlp/_fast.py
    def __init__(self, text: str, fold: str, start: int, end: int) -> None:
        self.text = text
        self.fold = fold
        self.start = start
        self.end = end


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(m[0], _fold(m[0]).rstrip(".") if len(m[0]) > 3 else _fold(m[0]), m.start(), m.end())
            for m in _TOKEN.finditer(text)]


def _code_token(gz: Gazette, tok: _Tok, *, codes_only: bool) -> str | None:
    word = tok.text.rstrip(".")
    if not (word.isupper() and word.isalpha() and len(word) in (2, 3)):
        return None
    code = "GB" if word == "UK" else gz.codes.get(word)
    if code is None or (word in gz.ambiguous and not codes_only):
        return None
    return code


def find_places(text: str, gz: Gazette, *, codes_only: bool | None = None) -> list[Place]:
    """Every place mention in ``text`` in order, longest name first at each position."""
    toks = _tokens(text)
    if codes_only is None:
        codes_only = len(toks) <= 12 and all(
            _code_token(gz, t, codes_only=True) or t.fold in _LIST_SEPS or t.fold in _ARROWS or t.fold in gz.names
            for t in toks)
    out: list[Place] = []
    i = 0
    while i < len(toks):
        hit = _match_at(gz, toks, i, codes_only=codes_only)
        if hit is None:
            i += 1
            continue
        code, n = hit
        start, end = toks[i].start, toks[i + n - 1].end
        out.append(Place(code, start, end, text[start:end]))
        i += n
    return out


def _match_at(gz: Gazette, toks: list[_Tok], i: int, *, codes_only: bool) -> tuple[str, int] | None:
    tok = toks[i]
    if not tok.fold[:1].isalpha():
        flag = _flag(tok.text)
        return (flag, 1) if flag else None
    longest = gz.starts.get(tok.fold, 0)
    if longest == 0:
        code = gz.lookup([tok.fold]) if len(tok.fold) >= 5 else None  # stems: "Polski", "России"
        if code:
            return code, 1
        code = _code_token(gz, tok, codes_only=codes_only)
        return (code, 1) if code else None
    for n in range(min(longest, _MAX_NGRAM, len(toks) - i), 0, -1):
        words = [t.fold for t in toks[i:i + n]]
        if n > 1 and not all(w[:1].isalpha() or w in (".", "-", "'") for w in words):
            continue
        code = gz.lookup(words)
        if code:
            if n == 1 and len(toks[i].text) <= 3 and not toks[i].text.isupper() and code not in SPECIAL:
                continue  # "us", "in", "de": lower-case short words are not codes
            return code, n
    code = _code_token(gz, toks[i], codes_only=codes_only)
    return (code, 1) if code else None


def _dedupe(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))


_ROUTE_HINT = re.compile(r"->|=>|→|⇒|➡|⟶|>|\s(?:to|nach|naar|vers|a|à|do|в|по|na|2|-|–|—)\s|\w-\w", re.I)


def split_route(text: str, gz: Gazette) -> tuple[list[Place], list[Place]] | None:
    """``NL -> WW``, ``EU to EU``, ``🇩🇪 → 🇪🇺``: (origin side, destination side), or None."""
    if len(text) > 200 or not _ROUTE_HINT.search(text):
        return None  # routes are short ("NL->WW"); long text is read through cue phrases
    places = find_places(text, gz)
    if len(places) < 2:
        return None
    for a, b in itertools.pairwise(places):
        between = text[a.end:b.start].strip().casefold()
        if between in _ARROWS or between in _ROUTE_WORDS or between in ("-", "–", "—", "2"):
            left = [p for p in places if p.end <= a.end]
            right = [p for p in places if p.start >= b.start]
            return left[-1:], right
    return None


def _cut_exceptions(text: str, gz: Gazette) -> str:
    toks = _tokens(text)
    for t in toks:
        if t.fold in gz.except_words and t.start > 0:
            return text[:t.start]
    return text


_QUESTION_MARKS = re.compile(r"\s*[?¿]+\s*")


def parse_origin_field(text: str, gz: Gazette) -> Place | None:
    """The origin in a ``ships_from`` field: the left side of a route, else the first place.
    A field of question marks only ("??", a flag titled "??") says the origin is unknown: XX."""
    if not text.strip():
        return None
    if _QUESTION_MARKS.fullmatch(text):
        return Place("XX", 0, len(text), text)
    route = split_route(text, gz)
    places = route[0] if route else find_places(text, gz)
    if any(p.code == "XX" for p in places):
        return next(p for p in places if p.code == "XX")
    return places[0] if places else None


def parse_destinations_field(text: str, gz: Gazette) -> list[Place]:
    """Destinations in a ``ships_to`` field, in order, without those after "except"."""
    kept = _cut_exceptions(text, gz)
    route = split_route(kept, gz)
    places = route[1] if route else find_places(kept, gz)
    seen: set[str] = set()
    out = []
    for p in places:
        if p.code not in seen and p.code != "XX":
            seen.add(p.code)
            out.append(p)
    return out


def _after_cue(text: str, cue: _CuePattern, gz: Gazette, *, window: int = 80,
               skip: _CuePattern | None = None) -> list[Place]:
    """The places right after the first cue followed by one (only gap words between); a cue inside
    a match of ``skip`` does not count."""
    skipped = [m.span() for m in skip.finditer(text)] if skip else []
    for m in cue.finditer(text):
        if any(a <= m.start() < b for a, b in skipped):
            continue
        chunk = text[m.end():m.end() + window]
        places = find_places(chunk, gz, codes_only=False)
        if not places:
            continue
        gap = chunk[:places[0].start].strip().casefold().split()
        if all(g in _GAP_WORDS for g in gap):
            return [Place(p.code, p.start + m.end(), p.end + m.end(), p.text) for p in places]
    return []


def origin_from_text(text: str, gz: Gazette) -> Place | None:
    """An origin stated in free text: a route (``NL->WW``), a cue phrase, else a place the product
    is in ("в Питере"; see ``origin_location_cues``)."""
    route = split_route(text, gz)
    if route and route[0]:
        return route[0][0]
    found = _after_cue(text, gz.origin_cues, gz) or _located(text, gz) or _domestic(text, gz)
    return found[0] if found else None


_BESIDE = re.compile(r"[\s,:;()*\-–—]*")  # what may stand between a place and the domestic cue after it


def _domestic(text: str, gz: Gazette) -> list[Place]:
    """The place right before a domestic cue ("UK NDD", "🇦🇺 domestic") or after one ("domestic US",
    read as after any cue): a shop that ships within a country ships from it."""
    for m in gz.domestic_cues.finditer(text):
        before = text[max(0, m.start() - 40):m.start()]
        places = find_places(before, gz, codes_only=False)
        if places and _BESIDE.fullmatch(before[places[-1].end:]):
            p, shift = places[-1], m.start() - len(before)
            return [Place(p.code, p.start + shift, p.end + shift, p.text)]
    return _after_cue(text, gz.domestic_cues, gz, window=40)[:1]


_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=\S))+[.!?]*")  # a period inside "3.5г" ends none
_WORD = re.compile(r"\w+")


def _located(text: str, gz: Gazette) -> list[Place]:
    """Places after a location cue ("в Питере") in a sentence reporting a purchase or delivery."""
    for m in _SENTENCE.finditer(text):
        sentence = m.group()
        if gz.location_verbs.isdisjoint(_WORD.findall(sentence.casefold())):
            continue
        found = _after_cue(sentence, gz.location_cues, gz, skip=gz.destination_cues)
        if found:
            return [Place(p.code, p.start + m.start(), p.end + m.start(), p.text) for p in found]
    return []


def destinations_from_text(text: str, gz: Gazette) -> list[Place]:
    """Destinations stated in free text: route right side, or a list after a cue phrase."""
    route = split_route(text, gz)
    if route and route[1]:
        return route[1]
    m = gz.destination_cues.search(text)
    if not m:
        return []
    tail = _cut_exceptions(text[m.end():m.end() + 120], gz)
    tail = re.split(r"[.!?\n]", tail, maxsplit=1)[0]
    found = _after_cue(text[m.start():m.end()] + tail, gz.destination_cues, gz, window=120)
    codes = _dedupe([p.code for p in found if p.code != "XX"])
    return [next(p for p in found if p.code == c) for c in codes]


def codes(places: list[Place]) -> list[str]:
    """Just the codes, first occurrence order."""
    return _dedupe([p.code for p in places])
