"""Gazetteer matching, ambiguity, look-alikes, misspellings and NPS novelty (fixture gazetteer)."""

from __future__ import annotations

from datetime import datetime

import pytest

from narcoscope.records import Listing

WHEN = datetime(2026, 5, 4)


def run(extractor, title: str, description: str = ""):  # type: ignore[no-untyped-def]
    return extractor.extract_listing(Listing("t", "1", "", title, description), WHEN)


@pytest.mark.parametrize(("text", "sid"), [
    ("Xanax 2mg bars", "alprazolam"), ("Klonopin 1mg x60", "clonazepam"), ("Percocet 10/325 x30", "oxycodone"),
    ("OxyContin 80mg", "oxycodone"), ("Subutex 8mg", "buprenorphine"), ("Molly 1g", "mdma"),
    ("Speed paste 10g", "amphetamine"), ("Adderall 30mg", "amphetamine"), ("3MMC 5g", "3-mmc"),
    ("3 MMC 5g", "3-mmc"), ("3-mmc 5g", "3-mmc"), ("Мефедрон 1г", "4-mmc"), ("Cocaïne 1g", "cocaine"),
    ("OG Kush 1/8 oz", "cannabis"), ("MDMB-4en-PINACA 1g", "mdmb-4en-pinaca"), ("1P-LSD 150ug", "1p-lsd"),
    ("Δ9-THC distillate", "thc"),
])
def test_names_brands_slang_and_variants(extractor, text: str, sid: str) -> None:
    assert sid in run(extractor, text).substances


@pytest.mark.parametrize(("text", "sid"), [
    ("Alprazolan 1mg x 30", "alprazolam"), ("ketamin 5g", "ketamine"), ("oxycotin 40mg x10", "oxycodone"),
    ("cocain 2g", "cocaine"),
])
def test_misspellings(extractor, text: str, sid: str) -> None:
    ex = run(extractor, text)
    assert sid in ex.substances
    assert any(e.label == "SUBSTANCE" and dict(e.attrs).get("match") == "fuzzy" for e in ex.entities)


@pytest.mark.parametrize("text", ["The heroine of the story", "Ketamine-free dancing", "Crystal clear stealth"])
def test_common_words_are_not_misspellings(extractor, text: str) -> None:
    ex = run(extractor, text)
    assert not any(dict(e.attrs).get("match") == "fuzzy" for e in ex.entities)


def test_ambiguous_slang_needs_drug_context(extractor) -> None:
    assert "methamphetamine" in run(extractor, "Ice 3.5g glass quality").substances
    assert run(extractor, "Ice cold drinks delivered").substances == ()
    assert "ketamine" in run(extractor, "K 1g").substances
    assert run(extractor, "5k sales, 10k stock").substances == ()
    assert "amphetamine" in run(extractor, "Speed 1g").substances
    assert run(extractor, "Speed of delivery is great").substances == ()


def test_form_word_describes_the_named_substance(extractor) -> None:
    ex = run(extractor, "MDMA crystals 5g")
    assert ex.substances == ("mdma",)  # "crystals" is not methamphetamine here


def test_context_does_not_cross_sentences(extractor) -> None:
    ex = run(extractor, "LSD 250ug blotters x10", "Ships in a greeting card, crystal clear stealth.")
    assert "methamphetamine" not in ex.substances


@pytest.mark.parametrize("text", ["5-HTP 100mg capsules x60", "MK-677 10mg x30", "BPC-157 5mg vials",
                                  "COVID-19 test 10 pcs", "T-shirt size M, 2 pcs $25", "XR-2000 watch $95"])
def test_look_alikes_are_never_tagged(extractor, text: str) -> None:
    ex = run(extractor, text)
    assert ex.substances == () and ex.candidates == ()


@pytest.mark.parametrize(("text", "cand", "cls"), [
    ("Zavonitazene 1mg pellets x20", "zavonitazene", "nitazene"),
    ("4F-ADB-PXINACA powder 5g", "4f-adb-pxinaca", "synthetic-cannabinoid"),
    ("Fluvetizolam 2mg x10", "fluvetizolam", "designer-benzodiazepine"),
    ("3-QMMC 2g $40", "3-qmmc", "cathinone"),
    ("brovazepam 5mg x20", "brovazepam", "designer-benzodiazepine"),
    ("5-Me-DMT freebase 500mg $60", "5-me-dmt", "tryptamine"),  # a tryptamine core, not a cathinone acronym
    ("5-Br-DMT 1g for 80 EUR", "5-br-dmt", "tryptamine"),
    ("4-Cl-PVP 5g $90", "4-cl-pvp", "cathinone"),
])
def test_novel_nps_in_drug_context(extractor, text: str, cand: str, cls: str) -> None:
    ex = run(extractor, text)
    assert ex.candidates == (cand,)
    ent = next(e for e in ex.entities if e.label == "NPS_CANDIDATE")
    assert dict(ent.attrs)["class"] == cls and ent.text.lower() == cand


@pytest.mark.parametrize(("text", "cand"), [
    ("LabNord sells 3-Br-PVP again", "3-br-pvp"),  # a trade word is drug context for an NPS-shaped name
    ("Habe Zelnitazene bei ChemDE bestellt", "zelnitazene"),
    ("ХимЛаб продаёт 4-Cl-PHiP", "4-cl-phip"),
    ("ChemKing has 3-CPM again.", "3-cpm"),  # a vendor having it
    ("Tiene 4F-MPHP, muy limpio", "4f-mphp"),
])
def test_trade_words_are_context_for_novel_names(extractor, text: str, cand: str) -> None:
    assert run(extractor, text).candidates == (cand,)


@pytest.mark.parametrize("text", ["Hoodie 3-XL for $20", "Bought a 4G-LTE router", "Sold 2XL-S shirts $15"])
def test_shapes_that_name_no_substance(extractor, text: str) -> None:
    assert run(extractor, text).candidates == ()


@pytest.mark.parametrize("text", ["Zavonitazene is a word I made up", "Read about 3-QMMC chemistry online"])
def test_novelty_needs_drug_context(extractor, text: str) -> None:
    assert run(extractor, text).candidates == ()


@pytest.mark.parametrize("text", ["XR-2000 1 pcs $95", "GA-2100 clones 5 pcs $75", "RTX-3080 $700",
                                  "AES-256 encrypted, 1 year $8", "MK-677 10mg x30", "COVID-19 kit 10 pcs $60",
                                  "SM-G991B phone $210", "3-Pack socks $12"])
def test_product_codes_are_not_nps(extractor, text: str) -> None:
    assert run(extractor, text).candidates == ()


def test_known_nps_is_a_substance_not_a_candidate(extractor) -> None:
    ex = run(extractor, "Bromazolam 1mg pellets x50")
    assert "bromazolam" in ex.substances and ex.candidates == ()


def test_locant_is_not_a_quantity(extractor) -> None:
    ex = run(extractor, "3-MMC 5g")
    quantities = [e for e in ex.entities if e.label == "QUANTITY"]
    assert [(q.text, q.value) for q in quantities] == [("5g", "5")]
    assert ex.quantity_g == 5.0


@pytest.mark.parametrize(("text", "sid"), [
    ("Il m'a envoyé la coke en trois jours, nickel.", "cocaine"),  # a sending verb and a French article
    ("Me enviaron el speed mojado, ojo.", "amphetamine"),
    ("He sent the speed two days late.", "amphetamine"),
    ("Wysłał mi speed w dwa dni.", "amphetamine"),
])
def test_sending_frames_in_the_market_languages(extractor, text: str, sid: str) -> None:
    assert sid in run(extractor, "Question", text).substances


@pytest.mark.parametrize("text", ["We do speed dating on Fridays.", "Sent the coach a message."])
def test_everyday_senses_without_a_frame(extractor, text: str) -> None:
    assert run(extractor, "Question", text).substances == ()
