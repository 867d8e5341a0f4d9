"""End to end: listings and posts to Extractions, batching, versions, coded errors."""

from __future__ import annotations

import dataclasses
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from narcoscope.records import Listing, Post, PriceDisplay
from nlp import ExtractionError, Extractor

WHEN = datetime(2026, 5, 4, 12, 0)
CONFIG = Path(__file__).resolve().parents[2] / "config"
FIXTURE = Path(__file__).parent / "fixtures" / "gazetteer"


def listing(**kw: object) -> Listing:
    base: dict[str, object] = {"source": "test", "listing_id": "1", "url": "", "title": ""}
    base.update(kw)
    return Listing(**base)  # type: ignore[arg-type]


def test_dutch_mdma_listing(extractor) -> None:
    lst = listing(title="🔥 5g MDMA Champagne Crystals 84% 🔥 NL->WW",
                  description="Lab tested 84% purity. Dose 100-150mg. Stealth: vacuum sealed x2.",
                  vendor="DutchChampagne", prices=(PriceDisplay("USD 89.50"),),
                  ships_from="Netherlands", ships_to="Worldwide")
    ex = extractor.extract_listing(lst, WHEN)
    assert ex.doc_id == lst.doc_id and ex.extractor_version == extractor.version
    assert ex.substances == ("mdma",) and ex.classes == ("empathogen",) and ex.candidates == ()
    assert ex.ships_from == "NL" and ex.ships_to == ("WW",)
    assert (ex.price_amount, ex.price_currency, ex.price_usd) == (89.5, "USD", 89.5)
    assert ex.quantity_g == 5.0 and ex.units is None
    assert ex.vendor == "DutchChampagne" and ex.lang == "en"
    labels = {e.label for e in ex.entities}
    assert {"SUBSTANCE", "ORIGIN", "DESTINATION", "PRICE", "QUANTITY", "VENDOR"} <= labels


def test_entity_offsets_point_into_their_field(extractor) -> None:
    lst = listing(title="Ketamine 5g — verzending vanuit Nederland",
                  description="Beste kwaliteit ketamine, 5g voor € 95,00. Verzending vanuit Nederland naar België.",
                  prices=(PriceDisplay("€ 95,00"),), ships_from="Nederland", ships_to="Nederland, België")
    ex = extractor.extract_listing(lst, WHEN)
    fields = {"title": lst.title, "description": lst.description, "ships_from": lst.ships_from,
              "ships_to": lst.ships_to, "price": lst.prices[0].text}
    for e in ex.entities:
        if e.field in fields:
            assert fields[e.field][e.start:e.end] == e.text, e
    assert ex.ships_to == ("NL", "BE") and ex.price_currency == "EUR"
    assert ex.price_usd is not None and ex.price_usd > 95.0  # EUR above USD at the ECB rate
    price = next(e for e in ex.entities if e.label == "PRICE" and e.field == "price")
    attrs = dict(price.attrs)
    assert attrs["rate_source"] == "ecb" and attrs["headline"] == "true" and attrs["rate_date"]
    assert ex.lang == "nl"


def test_post_entity_offsets_point_into_their_field(extractor) -> None:
    post = Post(source="forum", thread_id="t1", post_id="p1", url="", author="a",
                thread_title="Review of a shop, $90 well spent", body="Paid $120 for 5g MDMA, shipped from NL.")
    ex = extractor.extract_post(post, WHEN)
    fields = {"thread_title": post.thread_title, "body": post.body}
    prices = [e for e in ex.entities if e.label == "PRICE"]
    assert {(e.field, e.text) for e in prices} == {("thread_title", "$90"), ("body", "$120")}
    for e in ex.entities:
        assert fields[e.field][e.start:e.end] == e.text, e


def test_origin_from_title_then_description(extractor) -> None:
    ex = extractor.extract_listing(listing(title="Speed Paste 10g - 65% 🇩🇪 → 🇪🇺", description="x"), WHEN)
    assert ex.ships_from == "DE" and ex.ships_to == ("EU",)
    ex = extractor.extract_listing(listing(title="Speed Paste 10g",
                                           description="Versand aus Deutschland, schnell und sauber."), WHEN)
    assert ex.ships_from == "DE"
    origin = next(e for e in ex.entities if e.label == "ORIGIN")
    assert origin.field == "description" and origin.text == "Deutschland"


def test_crypto_price_with_operator_rates(tmp_path: Path) -> None:
    rates = tmp_path / "crypto.csv"
    rates.write_text("date,currency,usd\n2026-05-01,BTC,60000\n", encoding="utf-8")
    ex_ = Extractor.from_config(CONFIG, gazetteer_dir=FIXTURE, crypto_csv=rates)
    ex = ex_.extract_listing(listing(title="Мефедрон кристаллы 1г", prices=(PriceDisplay("0.0042 BTC"),),
                                     ships_from="Россия"), WHEN)
    assert ex.substances == ("4-mmc",) and ex.ships_from == "RU" and ex.lang == "ru"
    assert (ex.price_amount, ex.price_currency) == (0.0042, "BTC")
    assert ex.price_usd == pytest.approx(252.0)
    price = next(e for e in ex.entities if e.label == "PRICE")
    assert dict(price.attrs)["rate_date"] == "2026-05-01"


def test_non_drug_listing(extractor) -> None:
    ex = extractor.extract_listing(listing(title="COVID-19 vaccination card blank — 10 pcs",
                                           prices=(PriceDisplay("$60"),), ships_from="United States"), WHEN)
    assert ex.substances == () and ex.candidates == ()
    assert ex.units is None and ex.quantity_g is None  # amounts only describe drugs
    assert ex.price_amount == 60.0 and ex.ships_from == "US"


def test_units_and_dose(extractor) -> None:
    ex = extractor.extract_listing(listing(title="Xanax 2mg bars (Pfizer) x50", prices=(PriceDisplay("$145"),)), WHEN)
    assert ex.units == 50.0 and ex.quantity_g is None
    dose = next(e for e in ex.entities if e.label == "DOSE")
    assert dose.value == "2" and dict(dose.attrs)["unit"] == "mg"


@pytest.mark.parametrize(("title", "units"), [
    ("Klonazepam 2mg — 30 tabletek", 30.0), ("MDMA 'Tesla' 200mg — 20 unidades", 20.0),
    ("LSD 110µg — 10 cartones", 10.0), ("Метадон 40мг 10 штук", 10.0),
])
def test_item_counts_in_market_languages(extractor, title: str, units: float) -> None:
    """The pipeline reads an item count after a number in these languages too (token flags)."""
    ex = extractor.extract_listing(listing(title=title), WHEN)
    assert ex.units == units and ex.quantity_g is None


def test_price_display_quantity_wins(extractor) -> None:
    lst = listing(title="Cocaine 1g / 3.5g / 7g", prices=(PriceDisplay("€ 215,00", quantity="3.5g"),))
    assert extractor.extract_listing(lst, WHEN).quantity_g == 3.5


def test_price_from_description_when_no_field(extractor) -> None:
    ex = extractor.extract_listing(listing(title="Ketamine shards", description="1g for £25, 5g for £100"), WHEN)
    assert (ex.price_amount, ex.price_currency) == (25.0, "GBP")
    assert len([e for e in ex.entities if e.label == "PRICE"]) == 2


def test_post_vendor_mentions_and_origin(extractor) -> None:
    post = Post(source="forum", thread_id="t1", post_id="p1", url="", author="someone",
                thread_title="Review: MDMA from DutchMasters",
                body="Ordered 5g from vendor DutchMasters, pack from NL landed in 3 days. Avoid @ScamKing "
                     "and stay away from CrystalQueen's shop. Ketamin from Alphabay vendor was fine too.")
    ex = extractor.extract_post(post, WHEN)
    vendors = [e.value for e in ex.entities if e.label == "VENDOR"]
    assert vendors[:3] == ["DutchMasters", "ScamKing", "CrystalQueen"]
    assert ex.vendor == "DutchMasters"
    assert ex.ships_from == "NL"
    assert "mdma" in ex.substances and "ketamine" in ex.substances
    assert all(e.field in ("thread_title", "body") for e in ex.entities if e.label == "SUBSTANCE")


@pytest.mark.parametrize(("body", "vendors"), [
    # a list shares the cue of its first member
    ("Ordered speed from vendors like BerlinBase, KristallKing and AlpenPost last month.",
     ["BerlinBase", "KristallKing", "AlpenPost"]),
    ("Got pills from PillPalace/ToppTabs, both fine.", ["PillPalace", "ToppTabs"]),
    # vendor speech and shipping words after a handle
    ("BenzoBaron says the new batch is stronger, be careful.", ["BenzoBaron"]),
    ("LabRatDE verschickt jetzt auch nach Österreich.", ["LabRatDE"]),
    # handle-shaped words without any seller cue stay out
    ("Read about it on TripSit and PsychonautWiki before dosing.", []),
])
def test_post_vendor_lists_and_speech(extractor, body: str, vendors: list[str]) -> None:
    post = Post(source="forum", thread_id="t2", post_id="p2", url="", author="someone", thread_title="Question",
                body=body)
    ex = extractor.extract_post(post, WHEN)
    assert [e.value for e in ex.entities if e.label == "VENDOR"] == vendors


def test_extract_many_matches_single_and_frees_strings(extractor) -> None:
    records: list[Listing | Post] = [listing(listing_id=str(i), title=f"MDMA {i}g pills uniqueword{i}xyz",
                       prices=(PriceDisplay(f"${i * 10}"),)) for i in range(1, 700)]
    records.append(Post(source="f", thread_id="t", post_id="p", url="", author="a", body="ketamine 1g"))
    many = list(extractor.extract_many(records, WHEN))
    assert len(many) == len(records)
    assert many[5] == extractor.extract_listing(records[5], WHEN)
    assert many[-1].substances == ("ketamine",)


def test_zoned_batches_do_not_keep_new_strings() -> None:
    ex = Extractor.from_config(CONFIG, gazetteer_dir=FIXTURE)
    ex.settings = dataclasses.replace(ex.settings, learn_every=0)  # never a learning batch
    list(ex.extract_many([listing(title="warm up MDMA 1g")], WHEN))
    before = len(ex.nlp.vocab.strings)
    fresh = [listing(listing_id=f"n{i}", title=f"freshtoken{i}q MDMA 1g") for i in range(600)]
    assert len(list(ex.extract_many(fresh, WHEN))) == 600
    assert len(ex.nlp.vocab.strings) - before < 50


def test_learning_batches_teach_the_tokenizer_cache() -> None:
    ex = Extractor.from_config(CONFIG, gazetteer_dir=FIXTURE)
    before = len(ex.nlp.vocab.strings)
    list(ex.extract_many([listing(title=f"learnword{i}q MDMA 1g") for i in range(10)], WHEN))
    assert len(ex.nlp.vocab.strings) - before >= 10  # first batch ran outside the memory zone


def test_extract_many_rejects_other_records(extractor) -> None:
    with pytest.raises(ExtractionError, match=r"\[E009\]"):
        list(extractor.extract_many([object()], WHEN))  # type: ignore[list-item]


def _copy_config(tmp_path: Path) -> Path:
    dst = tmp_path / "config"
    for part in ("nlp", "places"):
        shutil.copytree(CONFIG / part, dst / part)
    shutil.copytree(FIXTURE, dst / "gazetteer")
    return dst


def test_version_changes_when_config_or_gazetteer_changes(tmp_path: Path) -> None:
    cfg = _copy_config(tmp_path)
    v1 = Extractor.from_config(cfg).version
    assert Extractor.from_config(cfg).version == v1  # deterministic
    ctx = cfg / "nlp" / "drug_context.yaml"
    ctx.write_text(ctx.read_text(encoding="utf-8") + "\n# tweak\n", encoding="utf-8")
    v2 = Extractor.from_config(cfg).version
    subs = cfg / "gazetteer" / "substances.yaml"
    subs.write_text(subs.read_text(encoding="utf-8").replace("- text: yayo", "- text: yeyo"), encoding="utf-8")
    v3 = Extractor.from_config(cfg).version
    assert len({v1, v2, v3}) == 3


def test_new_gazetteer_entry_is_matched_after_reload(tmp_path: Path) -> None:
    cfg = _copy_config(tmp_path)
    lst = listing(title="Glorbex 5g $50")
    assert Extractor.from_config(cfg).extract_listing(lst, WHEN).substances == ()
    subs = cfg / "gazetteer" / "substances.yaml"
    subs.write_text(subs.read_text(encoding="utf-8") + "- id: glorbex\n  name: Glorbex\n  class: cathinone\n"
                    "  nps: true\n  synonyms: []\n", encoding="utf-8")
    assert Extractor.from_config(cfg).extract_listing(lst, WHEN).substances == ("glorbex",)


def test_missing_gazetteer_is_a_coded_error(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError, match=r"\[E001\]"):
        Extractor.from_config(CONFIG, gazetteer_dir=tmp_path)


def test_not_substances_in_groups_format(tmp_path: Path) -> None:
    cfg = _copy_config(tmp_path)
    (cfg / "gazetteer" / "not_substances.yaml").write_text(
        "groups:\n  peptides:\n    note: sold next to drugs\n    items: [Glorbex-7]\n", encoding="utf-8")
    ex = Extractor.from_config(cfg).extract_listing(listing(title="Glorbex-7 10mg x30 $40"), WHEN)
    assert ex.substances == () and ex.candidates == ()


def test_full_gazetteer_end_to_end(full_extractor) -> None:
    ex = full_extractor.extract_listing(listing(title="Xanax 2mg bars x50", prices=(PriceDisplay("$145"),),
                                                ships_from="USA", ships_to="USA"), WHEN)
    assert "alprazolam" in ex.substances and ex.units == 50.0 and ex.ships_from == "US"
