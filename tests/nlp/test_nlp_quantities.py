"""Quantities, doses and counts; locants are never amounts."""

from __future__ import annotations

import pytest

from nlp.normalize.quantities import find_amounts, headline


@pytest.mark.parametrize(("text", "grams"), [
    ("5g", 5.0), ("5 g", 5.0), ("2.5g", 2.5), ("1,5 g Koks", 1.5), ("1kg", 1000.0), ("10 gram", 10.0),
    ("half oz of kush", 14.175), ("1 oz", 28.35), ("an eighth", 3.5), ("1/8 oz OG", 3.5), ("QP", 113.4),
    ("half G", 0.5), ("ketamine 500mg", 0.5), ("2 grams", 2.0), ("Мефедрон 1г", 1.0), ("0.5g sample", 0.5),
    ("1lb", 453.59), ("a zip", 28.35),
])
def test_weights(text: str, grams: float) -> None:
    h = headline(find_amounts(text))
    assert h.quantity_g == pytest.approx(grams, rel=1e-3)


@pytest.mark.parametrize(("text", "units", "dose", "unit"), [
    ("10 x 2mg", 10.0, 2.0, "mg"), ("10x2mg", 10.0, 2.0, "mg"), ("Xanax 2mg bars x50", 50.0, 2.0, "mg"),
    ("LSD 250ug blotters x10", 10.0, 250.0, "ug"), ("100ug", None, 100.0, "ug"), ("150mcg", None, 150.0, "ug"),
    ("20 pills", 20.0, None, ""), ("25 tabs", 25.0, None, ""), ("x100", 100.0, None, ""),
    ("Subutex 8mg - 7 pills", 7.0, 8.0, "mg"), ("Pellets 0,5mg — 20 Stück", 20.0, 0.5, "mg"),
    ("10 carts 1ml", 10.0, 1.0, "ml"), ("OxyContin 80mg x10", 10.0, 80.0, "mg"),
    ("таблетки 10 шт 2мг", 10.0, 2.0, "mg"),
    # item words of the market languages: Polish, Spanish, French, Russian
    ("Alprazolam 1mg, 30 tabletek", 30.0, 1.0, "mg"), ("Éxtasis 120mg — 25 unidades", 25.0, 120.0, "mg"),
    ("50 comprimidos de 150mg", 50.0, 150.0, "mg"), ("10 cartones de LSD 100µg", 10.0, 100.0, "ug"),
    ("MDMA 40 pastilles", 40.0, None, ""), ("клоназепам 2мг 20 штук", 20.0, 2.0, "mg"),
])
def test_units_and_doses(text: str, units: float | None, dose: float | None, unit: str) -> None:
    h = headline(find_amounts(text))
    assert h.units == units
    assert h.dose == dose and h.dose_unit == unit
    assert h.quantity_g is None


@pytest.mark.parametrize("text", ["3-MMC", "2-FDCK", "25I-NBOMe", "1P-LSD", "MDMB-4en-PINACA", "4-HO-MET",
                                  "5-MeO-DMT", "2C-B", "84% pure", "24/7", "GG4", "M30", "5-10g"])
def test_locants_and_codes_are_not_amounts(text: str) -> None:
    assert find_amounts(text) == []


@pytest.mark.parametrize(("text", "kind"), [
    # an item word makes a heavy mg figure a dose; a word that merely contains one does not
    ("Tramadol 100mg pro Tablette", "DOSE"), ("100mg w tabletce", "DOSE"), ("100mg за штуку", "DOSE"),
    ("China white 100mg", "QUANTITY"), ("100mg, auto-dispatch", "QUANTITY"), ("krysztal 100mg", "QUANTITY"),
    ("heavy hitter 100mg", "QUANTITY"), ("community batch 100mg", "QUANTITY"),
])
def test_item_words_count_whole(text: str, kind: str) -> None:
    assert [a.kind for a in find_amounts(text)] == [kind]


def test_locant_next_to_quantity() -> None:
    found = find_amounts("3-MMC 5g and 4-CMC 10g")
    assert [(a.value, a.unit, a.text) for a in found] == [(5.0, "g", "5g"), (10.0, "g", "10g")]


def test_offsets_point_at_text() -> None:
    text = "Ketamine shards 2g, dose 50mg"
    for a in find_amounts(text):
        assert text[a.start:a.end] == a.text


def test_starts_hint_gives_the_same_result() -> None:
    text = "MDMA 10 x 120mg pills, 5g bag, x20"
    import re

    starts = [m.start() for m in re.finditer(r"(?<!\d)\d", text)]
    assert find_amounts(text) == find_amounts(text, starts=starts)
