"""The fast paths of the pipeline agree with the plain ways of computing the same thing."""

from __future__ import annotations

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
    assert f.orth == [t.orth for t in doc]
    assert f.lower == [t.lower for t in doc]
    assert f.idx == [t.idx for t in doc]
    assert f.length == [len(t) for t in doc]
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
