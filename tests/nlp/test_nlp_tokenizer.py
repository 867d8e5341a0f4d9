"""The tokenizer keeps chemical names whole and splits amounts, prices, routes and emoji."""

from __future__ import annotations

import pytest
import spacy

from nlp.tokenizer import create_tokenizer_from


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
