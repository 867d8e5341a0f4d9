"""A tokenizer that keeps chemical names whole and splits amounts, prices, routes and emoji.

spaCy's default rules split ``MDMB-4en-PINACA`` and ``1P-LSD`` at hyphens, which would make
every NPS name a multi-token pattern and locants look like numbers. A ``token_match`` for
hyphenated alphanumeric names keeps them whole; numeric ranges and amounts (``5-10g``) are
excluded from it so they still split. Extra affix rules split ``x50``, ``100ug``, ``10x2mg``,
``NL->WW`` and emoji.

No special cases (spaCy's tokenizer exceptions): the ``xx`` defaults are 176 entries for
emoticons (``:)``, ``<3``), ``C++``, single letters with a period and whitespace strings, none of
which any component reads (emoticons split into punctuation, and ``;`` then ends a clause as it
would without the smiley). They cost much more than they bring: spaCy does not write a chunk to
its tokenizer cache once *any* chunk of the doc hit a special case (``Tokenizer._save_cached``), and
``\\n``, ``—`` and the no-break space are special cases, so a listing with a line break or an em
dash was tokenised uncached from there on (~10x slower on the gold listings), and every doc also
ran the special-case phrase matcher. Without them 303 of the 305 gold listings tokenise the same;
the other two write ``;)``, now ``;`` + ``)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from spacy.attrs import IS_ALPHA, IS_SPACE, LIKE_NUM, LOWER, NORM
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex, registry

TOKENIZER_VERSION = "narcoscope.tokenizer.v1"
# bumped when the rules change in a way that keeps the factory compatible (cache keys and the
# extractor version use it); r3: no special cases
TOKENIZER_REVISION = f"{TOKENIZER_VERSION}+r3"

_L = r"A-Za-zÀ-ÖØ-öø-ÿΑ-Ωα-ωΔµ"
_NOT_RANGE = r"(?!\d+(?:[.,]\d+)?(?:[a-z]{1,3})?-\d)"  # not a range or date: 5-10g, 2024-05
# A chemical name, as a whole chunk. Written without flags and anchored at the end, so the pattern
# string alone means the same under ``match`` and ``fullmatch``: spaCy serialises ``token_match``
# as its pattern string and restores it as ``re.compile(pattern).match`` (no flags).
CHEMICAL = re.compile(
    "(?:"
    + _NOT_RANGE
    + rf"(?=[^-]*[{_L}])"  # a letter before the first hyphen …
    + rf"[{_L}0-9][{_L}0-9,']*"  # first part: 3, 25I, 1cP, MDMB, Δ9, N,N
    + rf"(?:-[{_L}0-9]+)+"  # hyphen-joined parts
    + "|" + _NOT_RANGE
    + rf"\d{{1,2}}-[{_L}][{_L}0-9]*(?:-[{_L}0-9]+)*"  # 3-MMC
    + r")\Z"
)
_EMOJI = r"[\U0001F1E6-\U0001F1FF]{2}|[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]"
# case-insensitive: market titles write "28G", "5MG", "10ML"
_UNITS = r"(?i:mg|ug|µg|μg|mcg|g|gr|kg|ml|oz|lbs?|x|tabs?|pills?|pcs|г|мг|кг|мл|шт)"
_ARROW = r"->|=>|-->|→|⇒|➡|⟶"

# Compact affix rules instead of spaCy's multilingual defaults. Inside ``nlp.memory_zone()`` the
# tokenizer cache is not written, so every chunk of every document runs the affix regexes: the
# default ``xx`` rules (huge Unicode classes and unit lists in many scripts) cost ~30 us per chunk,
# these a few. Each entry is wrapped in a group because spaCy appends "^"/"$" to entries.
_OPEN = r"[\(\[\{<\"'«“‘„*#~¡¿•|,;:!?/\\—–_=+]"
_CLOSE = r"[\)\]\}>\"'»”’*~•|,;:!?/\\—–_=+]"
PREFIXES = [_EMOJI, _ARROW, _OPEN, r"[$€£¥₽₿฿ɱ]", r"[xX](?=\d)", r"×(?=\d)", r"\.\.+", r"…", r"-+(?=\D|$)"]
SUFFIXES = [
    _EMOJI, _ARROW, _CLOSE, r"\.\.+", r"…", r"%", r"[$€£¥₽₿฿ɱ]",
    rf"(?<=\d){_UNITS}", r"(?<=\w)['’][sS]", r"(?<![A-Za-z]\.[A-Za-z])(?<!\b[A-Za-z])\.", r"-+",
]
INFIXES = [
    _EMOJI, rf"(?<=\w)(?:{_ARROW})(?=\w|[\U0001F1E6-\U0001F1FF])", r"\.\.+", r"…",
    r"(?<=\d)[x×](?=\d)", r"(?<=[^\W\d_])[-–—](?=[^\W\d_])", r"(?<=\w)[/\\|](?=\w)",
    r"(?<=[^\W\d_])[,:;](?=[^\W\d_])", r"(?<=\d)[+\-*^–](?=[\d-])", r"(?<=\w)[—–](?=\w)",
    r"(?<=[a-z])\.(?=[A-Z])", r"(?<=[\U0001F1E6-\U0001F1FF])(?=\w)",
]


def _group(entries: list[str]) -> list[str]:
    return [f"(?:{e})" for e in entries]


# The one letter an affix rule above matches on its own (a currency sign). A chunk of other letters
# only ("Versand", "ketamine", "доставка") has no prefix, suffix or infix under these rules, and
# none is a chemical name (CHEMICAL needs a hyphen); the searches cost 3-6 us each on a chunk the
# cache does not know, which is every chunk of a new word, and inside a memory zone every time
# (tests/nlp/test_nlp_tokenizer.py checks the rules and this shortcut agree on every letter).
AFFIX_LETTERS = "ɱ"


class _WordsSkip:
    """``search`` (a bound method of a compiled pattern), except on a chunk of letters only.
    ``__self__`` is the pattern, as on the bound method: spaCy serialises the tokenizer through it."""

    def __init__(self, search: Callable[[str], Any], none: Any) -> None:
        self.search, self.none = search, none
        self.__self__ = search.__self__  # type: ignore[attr-defined]

    def __call__(self, text: str) -> Any:
        return self.none if text.isalpha() and AFFIX_LETTERS not in text else self.search(text)


class _Chemical:
    """``CHEMICAL.fullmatch``, skipped on a chunk without a hyphen (every chemical name has one)."""

    __self__ = CHEMICAL

    def __call__(self, text: str) -> re.Match[str] | None:
        return CHEMICAL.fullmatch(text) if "-" in text else None


# The lexical attributes the pipeline reads (``nlp.components._doc.Lexicon``: lower case, like_num,
# is_alpha, is_space) and NORM, which spaCy falls back on. spaCy computes every attribute of its
# language defaults (23 for ``xx``: shape, prefix, suffix, like_url, is_stop …) with a Python call
# each when it meets a new string, which inside a memory zone is every string not learned before.
LEX_ATTRS = frozenset({LOWER, NORM, LIKE_NUM, IS_ALPHA, IS_SPACE})


def create_tokenizer_from(nlp: Language) -> Tokenizer:
    getters = nlp.vocab.lex_attr_getters  # type: ignore[attr-defined]  # public in vocab.pxd, absent from the stub
    nlp.vocab.lex_attr_getters = {k: v for k, v in getters.items() if k in LEX_ATTRS}  # type: ignore[attr-defined]
    return Tokenizer(
        nlp.vocab,
        rules={},  # no special cases: see the module docstring
        prefix_search=_WordsSkip(compile_prefix_regex(_group(PREFIXES)).search, None),
        suffix_search=_WordsSkip(compile_suffix_regex(_group(SUFFIXES)).search, None),
        infix_finditer=_WordsSkip(compile_infix_regex(_group(INFIXES)).finditer, ()),
        token_match=_Chemical(),
        url_match=None,
    )


@registry.tokenizers(TOKENIZER_VERSION)
def make_tokenizer() -> Callable[[Language], Tokenizer]:
    """Factory used from ``[nlp.tokenizer]`` in ``config/nlp/pipeline.cfg``."""
    return create_tokenizer_from
