"""Prices from displayed text, separators by locale cues, and USD conversion."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from nlp.errors import ExtractionError
from nlp.normalize.prices import find_prices, headline_price, parse_amount
from nlp.normalize.rates import CryptoRates, RateBook


@pytest.mark.parametrize(("text", "amount", "currency"), [
    ("$120", 120.0, "USD"), ("120 USD", 120.0, "USD"), ("USD 1,410.00", 1410.0, "USD"),
    ("€ 1.299,00", 1299.0, "EUR"), ("1.299,00 EUR", 1299.0, "EUR"), ("£45", 45.0, "GBP"),
    ("0.0234 BTC", 0.0234, "BTC"), ("0.5 XMR", 0.5, "XMR"), ("12 mBTC", 0.012, "BTC"),
    ("฿0.01", 0.01, "BTC"), ("₿ 0.002", 0.002, "BTC"), ("150€", 150.0, "EUR"), ("59,00 EUR", 59.0, "EUR"),
    ("1 299,00 €", 1299.0, "EUR"), ("$1.299", 1299.0, "USD"), ("$1,200.00", 1200.0, "USD"),
    ("0,025 BTC", 0.025, "BTC"), ("1,5 EUR", 1.5, "EUR"), ("99.95$", 99.95, "USD"),
    ("5000 руб", 5000.0, "RUB"), ("7500 ₽", 7500.0, "RUB"), ("250 zł", 250.0, "PLN"),
    ("US$ 80", 80.0, "USD"), ("1.500 XMR", 1.5, "XMR"), ("50000 sats", 0.0005, "BTC"),
    ("Price: 45 eur.", 45.0, "EUR"), ("CAD 200", 200.0, "CAD"),
])
def test_single_price(text: str, amount: float, currency: str) -> None:
    prices = find_prices(text)
    assert len(prices) == 1, prices
    assert prices[0].amount == pytest.approx(amount)
    assert prices[0].currency == currency
    assert text[prices[0].start:prices[0].end] == prices[0].text


def test_several_prices_keep_order_and_headline_is_first() -> None:
    prices = find_prices("5g $50 / 10g $90 / 25g $200")
    assert [p.amount for p in prices] == [50.0, 90.0, 200.0]
    assert headline_price(prices) is prices[0]


def test_fiat_and_crypto_shown_together() -> None:
    prices = find_prices("$120 (0.0021 BTC)")
    assert [(p.amount, p.currency) for p in prices] == [(120.0, "USD"), (0.0021, "BTC")]


def test_headline_skips_disallowed_currency() -> None:
    prices = find_prices("7500 ₽ / 0.0061 BTC")
    head = headline_price(prices, frozenset({"USD", "BTC"}))
    assert head is not None and head.currency == "BTC"


@pytest.mark.parametrize("text", ["5g of MDMA", "3-MMC 10g", "24/7 support", "84% pure", "since 2014"])
def test_no_price(text: str) -> None:
    assert find_prices(text) == []


@pytest.mark.parametrize(("num", "cur", "value"), [
    ("1,410.00", "USD", 1410.0), ("1.299,00", "EUR", 1299.0), ("1.299", "EUR", 1299.0),
    ("1,299", "USD", 1299.0), ("0.025", "BTC", 0.025), ("1.500", "XMR", 1.5), ("12,5", "EUR", 12.5),
    ("1.234.567", "EUR", 1234567.0), ("0,5", "XMR", 0.5),
])
def test_parse_amount(num: str, cur: str, value: float) -> None:
    assert parse_amount(num, cur) == pytest.approx(value)


def test_crypto_rate_nearest_earlier_date(tmp_path: Path) -> None:
    csv = tmp_path / "rates.csv"
    csv.write_text("date,currency,usd\n2026-05-01,BTC,60000\n2026-05-04,BTC,61234.5\n2026-05-04,XMR,200\n",
                   encoding="utf-8")
    book = RateBook(CryptoRates.from_csv(csv))
    conv = book.to_usd(0.5, "BTC", date(2026, 5, 3))
    assert conv is not None and conv.usd == pytest.approx(30000.0) and conv.rate_date == date(2026, 5, 1)
    assert book.to_usd(1.0, "BTC", date(2026, 6, 1)).rate == pytest.approx(61234.5)  # type: ignore[union-attr]
    assert book.to_usd(1.0, "BTC", date(2026, 4, 30)) is None  # never a later rate
    assert book.to_usd(1.0, "LTC", date(2026, 5, 4)) is None


def test_bad_rate_line_is_a_coded_error(tmp_path: Path) -> None:
    csv = tmp_path / "rates.csv"
    csv.write_text("date,currency,usd\n2026-05-01,BTC,lots\n", encoding="utf-8")
    with pytest.raises(ExtractionError, match=r"\[E006\].*line 2"):
        CryptoRates.from_csv(csv)


def test_fiat_conversion_uses_bundled_ecb_rates() -> None:
    book = RateBook(CryptoRates({}))
    conv = book.to_usd(100.0, "EUR", date(2024, 3, 15))
    assert conv is not None and conv.source == "ecb"
    assert 100.0 < conv.usd < 120.0  # EUR was worth 1.0-1.2 USD in 2024
    assert book.to_usd(10.0, "USD", date(2024, 3, 15)).usd == 10.0  # type: ignore[union-attr]
    assert book.to_usd(1.0, "XYZ", date(2024, 3, 15)) is None
