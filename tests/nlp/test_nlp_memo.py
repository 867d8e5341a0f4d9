"""The extractor's memo of analysed texts: a re-sighted record must extract exactly as if fresh.

A weekly re-crawl sees mostly unchanged listing and post texts with new prices; the extractor runs
the pipeline once per distinct text and reads the record's fields (prices at the observation date,
places, vendor) every time. These tests compare memoised results with an extractor whose memo is
off (``memo_size: 0``), on the same and on changed records at several dates.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import pytest

from narcoscope.records import Listing, Post, PriceDisplay
from nlp import Extractor

CONFIG = Path(__file__).resolve().parents[2] / "config"
FIXTURE = Path(__file__).parent / "fixtures" / "gazetteer"
DAYS = [datetime(2026, 1, 5, 12), datetime(2026, 3, 2, 12), datetime(2026, 5, 4, 12)]


@pytest.fixture(scope="module")
def fresh() -> Extractor:
    ex = Extractor.from_config(CONFIG, gazetteer_dir=FIXTURE)
    ex.settings = dataclasses.replace(ex.settings, memo_size=0)
    return ex


def listing(**kw: object) -> Listing:
    base: dict[str, object] = {"source": "test", "listing_id": "1", "url": "", "title": ""}
    base.update(kw)
    return Listing(**base)  # type: ignore[arg-type]


EUR_LISTING = listing(title="5g MDMA crystal 84% NL->WW", description="Dose 100-150mg. Vendor since 2019.",
                      vendor="Dutchie", prices=(PriceDisplay("€ 89,50"), PriceDisplay("0.0021 BTC")),
                      ships_from="Netherlands", ships_to="Worldwide")
POST = Post(source="forum", thread_id="t", post_id="p", url="", author="a",
            body="Got 2g of 3-MMC from @NLvendor for €40, shipped from Germany.", thread_title="3mmc review")


@pytest.mark.parametrize("record", [EUR_LISTING, POST], ids=["listing", "post"])
def test_resighted_record_extracts_as_fresh_at_every_date(extractor, fresh, record) -> None:  # type: ignore[no-untyped-def]
    extract = extractor.extract_listing if isinstance(record, Listing) else extractor.extract_post
    extract_fresh = fresh.extract_listing if isinstance(record, Listing) else fresh.extract_post
    for day in [*DAYS, DAYS[0]]:
        assert extract(record, day) == extract_fresh(record, day)


def test_prices_are_converted_at_each_date(extractor) -> None:  # type: ignore[no-untyped-def]
    first, later = (extractor.extract_listing(EUR_LISTING, day) for day in (DAYS[0], DAYS[2]))
    assert first.price_amount == later.price_amount == 89.5
    assert first.price_usd != later.price_usd  # EUR/USD moved between January and May 2026
    eur = [dict(e.attrs) for e in (*first.entities, *later.entities) if e.label == "PRICE" and e.value == "89.5"]
    assert len({a["rate_date"] for a in eur}) == 2
    assert [e.label for e in first.entities] == [e.label for e in later.entities]


def test_a_changed_field_is_analysed_again(extractor, fresh) -> None:  # type: ignore[no-untyped-def]
    extractor.extract_listing(EUR_LISTING, DAYS[0])
    for change in ({"ships_from": "Germany"}, {"title": "5g ketamine NL->WW"}, {"vendor": "Other"},
                   {"prices": (PriceDisplay("$ 70"),)}, {"description": "3.5g, from Spain"}):
        changed = dataclasses.replace(EUR_LISTING, **change)
        assert extractor.extract_listing(changed, DAYS[1]) == fresh.extract_listing(changed, DAYS[1])
    moved = dataclasses.replace(EUR_LISTING, ships_from="Germany")
    assert extractor.extract_listing(moved, DAYS[1]).ships_from == "DE"


def test_results_are_independent_copies(extractor) -> None:  # type: ignore[no-untyped-def]
    a = extractor.extract_listing(EUR_LISTING, DAYS[0])
    a.vendor = "tampered"
    assert extractor.extract_listing(EUR_LISTING, DAYS[0]).vendor == "Dutchie"


def extract(ex: Extractor, rec: Listing | Post, day: datetime):  # type: ignore[no-untyped-def]
    return ex.extract_listing(rec, day) if isinstance(rec, Listing) else ex.extract_post(rec, day)


def test_same_text_in_another_kind_or_split_is_its_own_entry(extractor, fresh) -> None:  # type: ignore[no-untyped-def]
    text = "2g 3-MMC from Germany, 40 EUR"
    as_listing = listing(title=text)
    as_post = Post(source="forum", thread_id="t", post_id="q", url="", author="a", body=text)
    split = listing(title="2g 3-MMC", description="from Germany, 40 EUR")
    for rec in (as_listing, as_post, split, as_listing):
        assert extract(extractor, rec, DAYS[1]) == extract(fresh, rec, DAYS[1])


def test_memo_is_bounded(fresh) -> None:  # type: ignore[no-untyped-def]
    small = Extractor(fresh.nlp, dataclasses.replace(fresh.settings, memo_size=3), fresh.rates, fresh.version)
    for i in range(7):
        small.extract_listing(listing(title=f"{i + 1}g 4-FA pellets"), DAYS[0])
        assert 1 <= len(small._memo) <= 3


def _new(fresh: Extractor, memo_size: int = 100) -> Extractor:
    return Extractor(fresh.nlp, dataclasses.replace(fresh.settings, memo_size=memo_size), fresh.rates, fresh.version)


def test_memo_carries_over_to_the_next_process(fresh, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "cache" / "tortuga.pickle"
    last_week = _new(fresh)
    last_week.load_memo(path)  # no file yet: empty
    shown = [EUR_LISTING, dataclasses.replace(EUR_LISTING, listing_id="2", title="10 x 2mg etizolam pellets")]
    for rec in shown:
        last_week.extract_listing(rec, DAYS[0])
    last_week.extract_post(POST, DAYS[0])
    assert last_week.save_memo(path) == 3

    this_week = _new(fresh)
    assert this_week.load_memo(path) == 3

    def no_pipeline(*_args: object) -> None:
        raise AssertionError("a text kept from last week went through the pipeline again")

    repriced = [dataclasses.replace(rec, prices=(PriceDisplay("€ 92,00"),)) for rec in shown]
    expected = [fresh.extract_listing(rec, DAYS[1]) for rec in repriced]
    # the pipeline's tokenizer (the extractor itself may be compiled: its methods cannot be replaced)
    monkeypatch.setattr(this_week.nlp, "make_doc", no_pipeline)
    assert [this_week.extract_listing(rec, DAYS[1]) for rec in repriced] == expected


def test_save_keeps_only_the_texts_met_since_load(fresh, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.pickle"
    ex = _new(fresh)
    ex.extract_listing(EUR_LISTING, DAYS[0])  # before load_memo: not this crawl's
    ex.load_memo(path)
    ex.extract_post(POST, DAYS[0])
    assert ex.save_memo(path) == 1
    assert _new(fresh).load_memo(path) == 1


def test_unreadable_or_other_version_memo_starts_empty(fresh, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "m.pickle"
    path.write_bytes(b"not a pickle")
    ex = _new(fresh)
    assert ex.load_memo(path) == 0
    ex.extract_post(POST, DAYS[0])
    ex.save_memo(path)
    other = Extractor(fresh.nlp, dataclasses.replace(fresh.settings, memo_size=100), fresh.rates, "nlp-other")
    assert other.load_memo(path) == 0
    assert other.extract_post(POST, DAYS[0]).substances == fresh.extract_post(POST, DAYS[0]).substances
