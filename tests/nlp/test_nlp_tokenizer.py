"""The tokenizer keeps chemical names whole and splits amounts, prices, routes and emoji."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import spacy
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from nlp.tokenizer import AFFIX_LETTERS, CHEMICAL, INFIXES, LEX_ATTRS, PREFIXES, SUFFIXES, create_tokenizer_from

GOLD = Path(__file__).resolve().parents[2] / "tests" / "gold"


@pytest.fixture(scope="module")
def tok():  # type: ignore[no-untyped-def]
    nlp = spacy.blank("xx")
    nlp.tokenizer = create_tokenizer_from(nlp)
    return lambda text: [t.text for t in nlp.make_doc(text)]


@pytest.mark.parametrize("name", ["2-FDCK", "MDMB-4en-PINACA", "1P-LSD", "4-HO-MET", "25I-NBOMe", "3-MMC",
                                  "Δ9-THC", "5-MeO-DMT", "2C-B", "ADB-BUTINACA", "1cP-LSD", "N,N-DMT",
                                  "4F-ADB-PXINACA", "3F-MDMB-VEPINACA", "α-PVP", "HHC-P", "5F-MDMB-PICA"])
def test_chemical_names_stay_whole(tok, name: str) -> None:
    assert tok(f"Buy {name} now") == ["Buy", name, "now"]
    assert tok(f"({name})") == ["(", name, ")"]
    assert tok(f"{name}, 5g") == [name, ",", "5", "g"]


@pytest.mark.parametrize(("text", "tokens"), [
    ("5g", ["5", "g"]), ("2mg", ["2", "mg"]), ("100ug", ["100", "ug"]), ("$120", ["$", "120"]),
    ("120€", ["120", "€"]), ("x50", ["x", "50"]), ("10x2mg", ["10", "x", "2", "mg"]),
    ("NL->WW", ["NL", "->", "WW"]), ("🇩🇪→🇪🇺", ["🇩🇪", "→", "🇪🇺"]), ("🔥5g🔥", ["🔥", "5", "g", "🔥"]),
    ("5-10g", ["5", "-", "10", "g"]), ("2024-05-04", ["2024", "-", "05", "-", "04"]),
    ("UK's finest.", ["UK", "'s", "finest", "."]), ("USA/CAN", ["USA", "/", "CAN"]),
    ("€1.299,00", ["€", "1.299,00"]), ("84%", ["84", "%"]),
    ("well-known", ["well-known"]),  # hyphenated words stay whole, like T-shirt (a look-alike)
])
def test_amounts_prices_routes_emoji_split(tok, text: str, tokens: list[str]) -> None:
    assert tok(text) == tokens


def test_product_codes_are_single_tokens(tok) -> None:
    assert tok("XR-2000 COVID-19 MK-677") == ["XR-2000", "COVID-19", "MK-677"]


def test_no_special_cases(tok) -> None:
    """spaCy's xx exceptions are not used: emoticons split into punctuation, whitespace and dashes
    tokenise as the affix rules say (see the module docstring of nlp.tokenizer)."""
    assert tok("not for human consumption ;) 3g") == ["not", "for", "human", "consumption", ";", ")", "3", "g"]
    assert tok("K2 — 3g\nShips") == ["K2", "—", "3", "g", "\n", "Ships"]
    assert tok("C++ <3") == ["C", "+", "+", "<", "3"]


def test_no_special_case_rules() -> None:
    """None at all: a chunk that hits one stops spaCy caching the rest of the doc."""
    nlp = spacy.blank("xx")
    assert not create_tokenizer_from(nlp).rules


def test_affix_rules_never_split_a_word_but_at_the_affix_letters() -> None:
    """The word shortcut (a chunk of letters only skips the affix searches) is exact: no rule
    matches any letter of Unicode, alone or between letters, but those in AFFIX_LETTERS."""
    rules = [re.compile(e) for e in PREFIXES + SUFFIXES + INFIXES]
    letters = (chr(cp) for cp in range(0x110000) if chr(cp).isalpha())
    matched = {c for c in letters if any(r.search(c) or r.search(f"a{c}a") or r.search(f"{c}A") for r in rules)}
    assert matched == set(AFFIX_LETTERS)


def test_word_shortcut_tokenises_as_the_rules() -> None:
    """The gold listings and posts tokenise the same with the shortcut and with the bare rules."""
    nlp = spacy.blank("xx")
    fast = create_tokenizer_from(nlp)
    plain = Tokenizer(nlp.vocab, rules={}, token_match=CHEMICAL.fullmatch, url_match=None,
                      prefix_search=compile_prefix_regex([f"(?:{e})" for e in PREFIXES]).search,
                      suffix_search=compile_suffix_regex([f"(?:{e})" for e in SUFFIXES]).search,
                      infix_finditer=compile_infix_regex([f"(?:{e})" for e in INFIXES]).finditer)
    texts = [f"{d.get('title') or d.get('thread_title')}\n\n{d.get('description') or d.get('body')} ɱ12 ɱonero"
             for name in ("listings.jsonl", "posts.jsonl")
             for d in map(json.loads, (GOLD / name).read_text(encoding="utf-8").splitlines())]
    assert len(texts) >= 400
    for text in texts:
        assert [t.text for t in fast(text)] == [t.text for t in plain(text)], text


def test_new_strings_get_the_attributes_the_pipeline_reads() -> None:
    """Only LEX_ATTRS are computed for a new string, and they are right inside a memory zone."""
    nlp = spacy.blank("xx")
    nlp.tokenizer = create_tokenizer_from(nlp)
    with nlp.memory_zone():
        doc = nlp.make_doc("Qwzxy 4712 ÜBERvendor\n ok")
        got = [(t.lower_, t.is_alpha, t.like_num, t.is_space) for t in doc]
    assert got == [("qwzxy", True, False, False), ("4712", False, True, False), ("übervendor", True, False, False),
                   ("\n ", False, False, True), ("ok", True, False, False)]
    assert set(nlp.vocab.lex_attr_getters) == LEX_ATTRS  # type: ignore[attr-defined]


def test_tokenizer_serialises() -> None:
    """spaCy serialises a tokenizer through its patterns (``search.__self__``): the word shortcut
    keeps them reachable, so ``to_bytes`` works as it does on the bare rules."""
    nlp = spacy.blank("xx")
    nlp.tokenizer = create_tokenizer_from(nlp)
    other = spacy.blank("xx")
    other.tokenizer.from_bytes(nlp.tokenizer.to_bytes())
    for attr in ("prefix_search", "suffix_search", "infix_finditer"):
        assert getattr(other.tokenizer, attr).__self__.pattern == getattr(nlp.tokenizer, attr).__self__.pattern
    assert [t.text for t in other.make_doc("5g NL->WW x50")] == ["5", "g", "NL", "->", "WW", "x", "50"]
    text = "MDMB-4en-PINACA 5g NL->WW x50, 3-MMC 5-10g 2024-05 N,N-DMT 25I-NBOMe"
    # the restored token_match is re.compile(pattern).match, without flags: chemical names stay whole
    assert [t.text for t in other.make_doc(text)] == [t.text for t in nlp.make_doc(text)]
    assert "MDMB-4en-PINACA" in [t.text for t in other.make_doc(text)]
