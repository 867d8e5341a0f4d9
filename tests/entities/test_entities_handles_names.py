"""Contact handles in vendor text, and the weak name tiers."""

from __future__ import annotations

import pytest

from entities.handles import find_handles, parse_contact
from entities.names import loose_key, similar

SESSION = "05" + "a1" * 32


@pytest.mark.parametrize(("text", "expected"), [
    ("Jabber: DutchShop@Jabber.CCC.de. PGP only", [("xmpp", "dutchshop@jabber.ccc.de")]),
    ("xmpp - vendor42@404.city", [("xmpp", "vendor42@404.city")]),
    ("contact me at shop@exploit.im", [("xmpp", "shop@exploit.im")]),  # known XMPP host, no cue word
    ("mail: orders@protonmail.com", [("email", "orders@protonmail.com")]),
    ("Wickr: ketking_be", [("wickr", "ketking_be")]),
    ("wickr me ID = Ket.King", [("wickr", "ket.king")]),
    (f"Session ID: {SESSION} for support", [("session", SESSION)]),
    ("Telegram @GreenPlug_NL", [("telegram", "greenplug_nl")]),
    ("write to test@example.com", []),  # placeholder domain
    ("Wickr only", []),
    ("5g for 40 EUR, ships from NL", []),
])
def test_find_handles(text: str, expected: list[tuple[str, str]]) -> None:
    assert [(h.kind, h.value) for h in find_handles(text)] == expected


def test_spans_point_at_the_handle() -> None:
    text = "Bulk? jabber: Big.Boss@jabber.de, wickr: bigboss"
    for h in find_handles(text):
        assert text[h.start:h.end].casefold() == h.value


def test_contact_field_without_a_recognisable_shape_is_kept() -> None:
    assert [(h.kind, h.value) for h in parse_contact("threema: ABCD1234")] == [("contact", "abcd1234")]
    assert [(h.kind, h.value) for h in parse_contact("Jabber: x@y.org")] == [("xmpp", "x@y.org")]
    assert parse_contact("  ") == []


@pytest.mark.parametrize(("a", "b", "same"), [
    ("DutchShop", "Dutch_Shop", True),
    ("DutchShop", "dutch-shop", True),
    ("GoldenHouse", "GoldenHouse_NL", True),
    ("GoldenHouse", "GoldenHouseOfficial", True),
    ("NordicSupply", "NordicSuply", True),  # one edit
    ("DutchShop", "DutchShop", False),  # identical: the exact-name tier, not "similar"
    ("DutchShop", "GermanShop", False),
    ("Bob", "Bo_b", False),  # too short to say anything
])
def test_similar_names(a: str, b: str, same: bool) -> None:
    assert similar(a, b) is same


def test_loose_key() -> None:
    assert loose_key("Dutch_Shop_NL") == loose_key("dutchshop") == "dutchshop"
    assert loose_key("IronTrading Official") == "irontrading"
