"""The fast paths of the pipeline agree with the plain ways of computing the same thing."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import spacy

from nlp.components._doc import ALPHA, NUM, SPACE, STOP, found
from nlp.components._trie import TokenTrie
from nlp.normalize.quantities import find_amounts
from nlp.tokenizer import create_tokenizer_from

TEXTS = [
    "MDMA 10 x 2mg pills, an eighth of OG Kush. Half oz 1/8th!\n\nVersand aus Deutschland; 5-10g 3-MMC",
    "Ketamine QP for $120 | 1 oz €90 • halfg 25I-NBOMe x50 100ug\n",
    "",
]


@pytest.fixture(scope="module")
def nlp():  # type: ignore[no-untyped-def]
    blank = spacy.blank("xx")
    blank.tokenizer = create_tokenizer_from(blank)
    return blank


@pytest.mark.parametrize("text", TEXTS)
def test_found_lists_match_token_attributes(nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    doc = nlp.make_doc(text)
    f = found(doc)
    assert list(f.orth) == [t.orth for t in doc]
    assert list(f.lower) == [t.lower for t in doc]
    assert list(f.idx) == [t.idx for t in doc]
    assert list(f.length) == [len(t) for t in doc]
    for t, fl in zip(doc, f.flags, strict=True):
        assert bool(fl & NUM) == t.like_num
        assert bool(fl & ALPHA) == t.is_alpha
        assert bool(fl & SPACE) == t.is_space
        assert bool(fl & STOP) == (t.text in {".", "!", "?", ";", "|", "•"} or (t.is_space and "\n" in t.text))


def test_trie_finds_every_match_with_merged_values() -> None:
    from spacy.strings import hash_string  # type: ignore[attr-defined]

    trie: TokenTrie[str] = TokenTrie([("a", ["1", "p", "lsd"]), ("b", ["1"]), ("c", ["1", "p"]),
                                      ("d", ["1", "p"]), ("e", ["lsd"]), ("e", ["lsd"])])
    low = [hash_string(w) for w in ["take", "1", "p", "lsd", "1"]]
    got = sorted(trie(low))
    assert got == [(1, 2, ("b",)), (1, 3, ("c", "d")), (1, 4, ("a",)), (3, 4, ("e",)), (4, 5, ("b",))]
    assert trie([hash_string("none")]) == []


@pytest.mark.parametrize("text", [
    "an eighth of weed, half oz, QP, a zip, one ounce, 1/8th, 1/2 oz, halfg, half a gram",
    "Half P and a quarter oz; hp or qp (an eighth)",
])
def test_word_quantities_at_token_starts_match_full_scan(nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    starts = [t.idx for t in nlp.make_doc(text)
              if t.lower_ in {"a", "an", "one", "eighth", "1", "half", "halfg", "halfp", "quarter", "qp", "hp"}]
    scanned = find_amounts(text, starts=[], has_items=False, word_cues=True)
    anchored = find_amounts(text, starts=[], has_items=False, word_cues=True, word_starts=starts)
    assert anchored == scanned
    assert scanned


AMOUNT_TEXTS = [
    "10 x 2mg pills, 10x2mg, 10 × 2 mg, 5*10mg", "20 tabs, 20x tabs, 20 x tabs, 25 gel tabs, 10 таблеток",
    "5g 3.5 g 1,5kg 100ug 28G 5MG 1 oz 2 lbs 10 ml", "x50 50x 3-MMC 25I-NBOMe 1,000g 2024-05 5-10g",
    "10 x tabs 10 x 2 tabs 5 gel 5 grams", "",
]


@pytest.mark.parametrize("text", AMOUNT_TEXTS)
def test_one_anchored_pattern_reads_like_the_three(text: str) -> None:
    """_AT_NUMBER (one match per number) finds exactly what the three patterns it joins find,
    and at no position do two of them match (so the alternation order loses nothing)."""
    import re

    from nlp.normalize import quantities as q

    parts = {name: re.compile(q._LEFT + body, re.I)
             for name, body in (("multi", q._MULTI_BODY), ("items", q._ITEMS_BODY), ("measure", q._MEASURE_BODY))}
    for p in range(len(text)):
        hits = [(name, m.span()) for name, rx in parts.items() if (m := rx.match(text, p))]
        assert len(hits) <= 1, (text[p:], hits)
        m = q._AT_NUMBER.match(text, p)
        assert ([(m.lastgroup, m.span())] if m else []) == hits


@pytest.mark.parametrize("text", [
    "Shipping from Germany. SHIPS FROM the Netherlands; Versand aus Deutschland", "Dispatched From: UK",
    "İstanbul shipping from Türkiye, Versand AUS Österreich", "ships fromage", "no cue here", "",
])
def test_cue_phrases_match_like_a_case_insensitive_pattern(text: str) -> None:
    """Cue phrases matched on the lower-cased text give the spans ``re.I`` gives on the text
    (the "İ" line changes length when lower-cased and takes the re.I path)."""
    import re

    from nlp.normalize import places as pl

    gz = pl.load_gazette(Path(__file__).resolve().parents[2] / "config" / "places")
    for cues in (gz.origin_cues, gz.destination_cues):
        plain = re.compile(cues.exact.pattern, re.I)
        assert [m.span() for m in cues.finditer(text)] == [m.span() for m in plain.finditer(text)]
        got, want = cues.search(text), plain.search(text)
        assert (got.span() if got else None) == (want.span() if want else None)


WINDOW_TEXTS = [
    *AMOUNT_TEXTS,
    "MDMA 10 x 2mg top quality NL->WW\n\nBulk prices: 10g for $90, 25g for $200, 100g message me.",
    "USD\n120 for 10\ng, 12 mBTC, € 1.299,00 or 1 299,00 EUR, 0.0234 BTC, 59,00 EUR, £45, 120 dollars",
    "1 000 000 000 000,50 EUR and 1 2 3 4 5 6 7 8 9 10 11 g, 10  x  2mg, 2.5x, 10x, x 10, X10 tabs",
    "5g", "$5", "5 руб. и 10 таблеток", "Ketamine 5 g5 10mg-20mg 2x 3x5g 1,5 g 100ug 10 x gel tabs",
]


@pytest.mark.parametrize("text", WINDOW_TEXTS)
def test_memoised_readings_at_numbers_match_the_full_text(text: str) -> None:
    """Amounts and prices read on a window around each number (memoised) are what the readers
    find on the whole text, on a cold memo and on a warm one."""
    from nlp.normalize import prices as pr
    from nlp.normalize import quantities as q

    amount_starts = [m.start() for m in q._DIGIT_RUN.finditer(text)]
    price_starts = [m.start() for m in pr._DIGIT_RUN.finditer(text)]
    for has_items in (False, True):
        whole = find_amounts(text, has_items=has_items, word_cues=False)
        q._WINDOWS.clear()
        assert find_amounts(text, starts=amount_starts, has_items=has_items, word_cues=False) == whole
        assert find_amounts(text, starts=amount_starts, has_items=has_items, word_cues=False) == whole
    whole_prices = pr.find_prices(text)
    pr._WINDOWS.clear()
    assert pr.find_prices(text, starts=price_starts) == whole_prices
    assert pr.find_prices(text, starts=price_starts) == whole_prices


def test_fast_language_classifier_agrees_with_py3langid() -> None:
    import json

    from nlp.components.language import FastClassifier, _identifier

    ident = _identifier(("en", "de", "fr", "es", "nl", "pl", "ru", "it", "pt", "cs", "sv", "uk", "tr", "fi", "da",
                         "no"))
    fast = FastClassifier(ident)
    gold = Path(__file__).resolve().parents[1] / "gold"
    rows = [json.loads(line) for name in ("listings.jsonl", "posts.jsonl")
            for line in (gold / name).read_text(encoding="utf-8").splitlines() if line]
    texts = [r.get("description") or r.get("body") or r.get("title") or "" for r in rows]
    texts += [t[:240] for t in texts] + [t[7:90] for t in texts]
    texts += ["", " ", "  a  b  ", "ÄÖÜ TEST", "Привет, доставка по всей России", "x" * 300, "🇩🇪 → 🇪🇺"]
    for _ in range(2):  # cold and warm memos
        for text in texts:
            assert fast.classify(text) == ident.classify(text)[0], text


def test_maker_builds_the_same_records() -> None:
    from narcoscope.records import Entity, Extraction
    from nlp._fast import maker

    make = maker(Entity)
    attrs = (("class", "opioid"), ("match", "exact"))
    built = make("SUBSTANCE", "Heroin", 0, 6, "title", "heroin", attrs)
    plain = Entity("SUBSTANCE", "Heroin", 0, 6, "title", "heroin", attrs)
    assert built == plain and hash(built) == hash(plain) and type(built) is Entity and repr(built) == repr(plain)
    with pytest.raises(TypeError):
        maker(int)
    assert maker(Extraction)  # slotted, not frozen: fine too


def test_lexicon_screens_set_their_bits_and_upgrade_a_plain_state(nlp) -> None:  # type: ignore[no-untyped-def]
    """A screen's bit marks the tokens whose string passes it; a state read without the lexicon
    (no screens) gets its flags described again when a component passes its lexicon."""
    from nlp.components._doc import Lexicon

    lexicon = Lexicon()
    bit = lexicon.screen(lambda text, lower, flags: lower.startswith("ket") and bool(flags & ALPHA))
    doc = nlp.make_doc("Ketamine and ketones, not MDMA 5g")
    plain = found(doc)
    before = plain.flags
    assert not plain.present & bit
    f = found(doc, lexicon)
    assert f is plain and f.lexicon is lexicon
    assert [i for i, fl in enumerate(f.flags) if fl & bit] == [0, 2]
    assert f.present & bit and f.present & NUM
    assert [fl & ~bit for fl in f.flags] == list(before)


# -- the C loops of nlp/_tokendata.c against the same loops in Python -------------------------------------------

GOLD = Path(__file__).resolve().parents[2] / "tests" / "gold"
# every module that took the loops by name at import
_LOOPS = [("_doc", "read_tokens", "py_read_tokens"), ("_doc", "positions", "py_positions"),
          ("measures", "positions", "py_positions"), ("novelty", "positions", "py_positions"),
          ("fuzzy", "positions", "py_positions"), ("substances", "positions", "py_positions")]


def _gold_texts(kind: str, n: int) -> list[dict[str, object]]:
    import json

    lines = (GOLD / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines[:n] if line]


def test_the_c_loops_are_built_here() -> None:
    """``make`` builds them (gcc is on every machine that runs the tests): the benches and the
    tests must measure and check the compiled path, not fall back on Python without a word."""
    import nlp._tokendata
    from nlp.components import _doc

    assert _doc.read_tokens is nlp._tokendata.read_tokens
    assert _doc.positions is nlp._tokendata.positions


@pytest.mark.parametrize("text", [*TEXTS, "🇩🇪→🇪🇺 Versand aus Deutschland — 5g\u00a0MDMA\n\n\n", "x " * 3000])
def test_read_tokens_agrees_with_python(nlp, text: str) -> None:  # type: ignore[no-untyped-def]
    from spacy.attrs import IDX, ORTH

    from nlp.components._doc import Lexicon, py_read_tokens, read_tokens

    doc = nlp.make_doc(text)
    columns = doc.to_array([ORTH, IDX])
    lex = Lexicon()
    assert read_tokens(lex.tokens, columns)[2:] == py_read_tokens(lex.tokens, columns)[2:] == (None, 0) or not text
    got = read_tokens(lex.tokens, columns)
    lex.read(doc, got[0])  # describes every string
    want = py_read_tokens(lex.tokens, columns)
    got = read_tokens(lex.tokens, columns)
    assert got == want
    assert got[0] == [t.orth for t in doc] and got[1] == [t.idx for t in doc]
    if len(doc) > 1:  # a string the memo lost: no flags from either, the token columns still read
        del lex.tokens[doc[-1].orth]
        assert read_tokens(lex.tokens, columns) == py_read_tokens(lex.tokens, columns) == (got[0], got[1], None, 0)


def test_read_tokens_rejects_what_is_not_a_token_table() -> None:
    import numpy as np

    from nlp.components._doc import read_tokens

    with pytest.raises(ValueError, match="uint64"):
        read_tokens({}, np.zeros((3, 3), dtype=np.uint64))
    with pytest.raises(ValueError, match="uint64"):
        read_tokens({}, np.zeros((3, 2), dtype=np.float64))
    with pytest.raises(TypeError, match="tuples"):
        read_tokens({0: [1, 2, 3]}, np.zeros((1, 2), dtype=np.uint64))
    with pytest.raises(TypeError):
        read_tokens({0: ("a", 2, 3)}, np.zeros((1, 2), dtype=np.uint64))
    assert read_tokens({}, np.zeros((0, 2), dtype=np.uint64)) == ([], [], ((), (), ()), 0)


def test_positions_agrees_with_python() -> None:
    import random

    from nlp.components._doc import positions, py_positions

    rnd = random.Random(5)
    for _ in range(200):
        flags = tuple(rnd.choice([0, 1, 2, 8, 1024, 1 << 40, 3 | 1 << 20]) for _ in range(rnd.randrange(0, 120)))
        for bit in (1, 8, 1024, 1 << 20, 1 << 40, 1 | 8):
            assert positions(flags, bit) == py_positions(flags, bit)
            assert positions(list(flags), bit) == py_positions(flags, bit)
    with pytest.raises(TypeError):
        positions((1, "x"), 1)


def test_extraction_is_the_same_with_the_loops_in_python(full_extractor, monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:  # type: ignore[no-untyped-def]
    """The whole pipeline on gold listings and posts gives the same records either way (what an
    install without a C compiler runs)."""
    import dataclasses
    import importlib
    from datetime import datetime

    from narcoscope.records import Listing, Post, PriceDisplay

    listings = [Listing(source="gold", listing_id=str(d["id"]), url="", title=str(d["title"]),
                        description=str(d["description"]), vendor=str(d.get("vendor") or ""),
                        prices=(PriceDisplay(str(d["price"])),) if d.get("price") else (),
                        ships_from=str(d.get("ships_from") or ""), ships_to=str(d.get("ships_to") or ""))
                for d in _gold_texts("listings", 120)]
    posts = [Post(source="gold", post_id=str(d["id"]), thread_id="t", url="", author=str(d.get("author") or ""),
                  body=str(d["body"]), thread_title=str(d.get("thread_title") or "")) for d in _gold_texts("posts", 60)]
    monkeypatch.setattr(full_extractor, "settings", dataclasses.replace(full_extractor.settings, memo_size=0))
    when = datetime(2026, 5, 4)
    compiled = list(full_extractor.extract_many([*listings, *posts], when))
    calls: Counter[tuple[str, str]] = Counter()
    doc_module = importlib.import_module("nlp.components._doc")

    def counting(key: tuple[str, str], fn: Any) -> Any:
        def counted(*args: Any) -> Any:
            calls[key] += 1
            return fn(*args)
        return counted

    for module, name, fallback in _LOOPS:
        monkeypatch.setattr(importlib.import_module(f"nlp.components.{module}"), name,
                            counting((module, name), getattr(doc_module, fallback)))
    assert list(full_extractor.extract_many([*listings, *posts], when)) == compiled
    assert set(calls) == {(module, name) for module, name, _ in _LOOPS}  # every loop ran in Python
    assert sum(len(e.entities) for e in compiled) > 500
