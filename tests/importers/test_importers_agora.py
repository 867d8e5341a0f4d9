"""Reading the Agora layout: repairs, rejects, ids, observation times (no store involved)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import importers
from importers import ImportFailed, Rejected, Row
from importers.agora import AgoraImporter
from narcoscope.records import Listing, Vendor

WHEN = datetime(2015, 7, 7, tzinfo=timezone.utc)


def _read(data: bytes, **kw: object) -> list[Row | Rejected]:
    imp = importers.get("agora", observed_at=kw.pop("observed_at", WHEN), **kw)  # type: ignore[arg-type]
    imp.inspect(data)
    return list(imp.rows(data, digest="d" * 64, file_name="x.csv"))


def _listings(items: list[Row | Rejected]) -> list[Listing]:
    return [r for i in items if isinstance(i, Row) for r in i.records if isinstance(r, Listing)]


def test_sample_counts(sample: Path) -> None:
    items = _read(sample.read_bytes())
    rows = [i for i in items if isinstance(i, Row)]
    rejected = [i for i in items if isinstance(i, Rejected)]
    assert len(rows) + len(rejected) == 17  # every data row accounted for
    assert {r.reason.split(" (")[0] for r in rejected} == {"3 fields, expected 9", "empty Vendor",
                                                           "11 fields, expected 9"}
    fixes = [f for r in rows for f in r.fixes]
    for fix in ("reencoded", "mojibake", "fields_merged", "price_unparsed"):
        assert fix in fixes


def test_repairs_are_right(sample: Path) -> None:
    by_title = {li.title: li for li in _listings(_read(sample.read_bytes()))}
    assert by_title["5g Moroccan hash"].description == "Soft moroccan hash, great smell, 5 grams"
    assert by_title["20x Xanax 2mg bars"].vendor == "PharmaCafé"
    assert "they’re" in by_title["20x Xanax 2mg bars"].description
    assert "Afghan No.4 – best quality, it’s strong" in by_title["1g No.4 heroin"].description
    ket = by_title["10g Ketamine shards"]
    assert ket.description.count("\n") == 2 and ket.extra["import:line"] == "12"  # multi-line field


def test_listing_fields_and_source_columns(sample: Path) -> None:
    coke = next(li for li in _listings(_read(sample.read_bytes())) if li.title.startswith("1g Cocaine"))
    assert coke.source == "agora" and coke.vendor == "DutchMasters"
    assert coke.category == ("Drugs", "Stimulants", "Cocaine")
    assert coke.prices[0].text == "0.2412 BTC"
    assert (coke.ships_from, coke.ships_to) == ("Netherlands", "Worldwide")
    assert coke.extra["Rating"] == "4.98/5" and coke.extra["Price"] == "0.2412 BTC"
    assert set(coke.extra) >= {"Vendor", "Category", "Item", "Item Description", "Price", "Origin", "Destination",
                               "Rating", "Remarks", "import:file", "import:line"}
    assert coke.page_digest == "d" * 64


def test_ids_are_deterministic_and_duplicates_share_them(sample: Path) -> None:
    a = [li.listing_id for li in _listings(_read(sample.read_bytes()))]
    b = [li.listing_id for li in _listings(_read(sample.read_bytes()))]
    assert a == b
    assert len(a) - len(set(a)) == 1  # the sample repeats one row verbatim


def test_one_vendor_record_per_seller(sample: Path) -> None:
    items = _read(sample.read_bytes())
    vendors = [r.name for i in items if isinstance(i, Row) for r in i.records if isinstance(r, Vendor)]
    assert len(vendors) == len(set(vendors)) and "DutchMasters" in vendors
    assert all(isinstance(i.records[-1], Listing) for i in items if isinstance(i, Row))


def test_observed_at_required_without_date_column(sample: Path) -> None:
    imp = AgoraImporter(observed_at=None)
    with pytest.raises(ImportFailed, match="--observed-at"):
        imp.inspect(sample.read_bytes())


def test_date_column_is_used_per_row() -> None:
    data = (b"Vendor,Category,Item,Item Description,Price,Origin,Destination,Rating,Remarks,Date\n"
            b"A1,Drugs/RCs,1g 3-MMC,nice,0.01 BTC,NL,EU,5/5,,2014-03-02\n"
            b"A1,Drugs/RCs,2g 3-MMC,nice,0.02 BTC,NL,EU,5/5,,not a date\n")
    items = _read(data, observed_at=None)
    assert isinstance(items[0], Row) and items[0].observed_at == datetime(2014, 3, 2, tzinfo=timezone.utc)
    assert isinstance(items[1], Rejected) and "unreadable date" in items[1].reason
    fallback = _read(data, observed_at=WHEN)
    assert isinstance(fallback[1], Row) and fallback[1].observed_at == WHEN


def test_not_an_agora_file() -> None:
    with pytest.raises(ImportFailed, match="not an Agora dump"):
        AgoraImporter(observed_at=WHEN).inspect(b"name,price\nx,1\n")


def test_registry() -> None:
    assert "agora" in importers.names()
    with pytest.raises(ImportFailed, match="unknown format"):
        importers.get("silkroad3")
