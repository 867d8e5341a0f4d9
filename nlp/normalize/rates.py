"""Conversion of prices to USD at the date a listing was observed.

Fiat uses the ECB reference rates bundled with the ``currencyconverter`` package (offline). Its
table takes ~1 s to parse, so it is loaded once per process and only when a non-USD fiat price
appears. Crypto uses an operator-supplied CSV (``date,currency,usd``), read with the nearest rate
on or before the observation date: a later rate would leak the future into history.
"""

from __future__ import annotations

import bisect
import csv
import functools
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from nlp._memo import BoundedMemo
from nlp.errors import ExtractionError, Warnings
from nlp.normalize.prices import CRYPTO

log = logging.getLogger(__name__)


@dataclass(slots=True, unsafe_hash=True)
class Conversion:
    """A USD figure with the rate used and the date that rate belongs to."""

    usd: float
    rate: float
    rate_date: date
    source: str  # "identity", "ecb", "crypto-csv"

    # explicit __init__ (and __reduce__, when pickled): why, in nlp/_fast.py
    def __init__(self, usd: float, rate: float, rate_date: date, source: str) -> None:
        self.usd = usd
        self.rate = rate
        self.rate_date = rate_date
        self.source = source

    def __reduce__(self) -> tuple[type[Conversion], tuple[object, ...]]:
        return Conversion, (self.usd, self.rate, self.rate_date, self.source)


@functools.lru_cache(maxsize=1)
def _ecb() -> Any:
    from currency_converter import CurrencyConverter  # deferred: ~1 s to parse the ECB table

    return CurrencyConverter(fallback_on_missing_rate=True, fallback_on_wrong_date=True)


class CryptoRates:
    """Daily USD rates per crypto ticker, looked up at the nearest earlier date."""

    def __init__(self, rows: dict[str, list[tuple[date, float]]]) -> None:
        self._dates = {cur: [d for d, _ in sorted(v)] for cur, v in rows.items()}
        self._rates = {cur: [r for _, r in sorted(v)] for cur, v in rows.items()}

    @classmethod
    def from_csv(cls, path: Path) -> CryptoRates:
        """Read ``date,currency,usd`` lines; a header line is allowed, bad lines raise E006."""
        rows: dict[str, list[tuple[date, float]]] = {}
        if not path.exists():
            log.warning(Warnings.W001.format(path=path))
            return cls(rows)
        with path.open(newline="", encoding="utf-8") as fh:
            for lineno, rec in enumerate(csv.reader(fh), start=1):
                if not rec or rec[0].startswith("#") or (lineno == 1 and rec[0] == "date"):
                    continue
                try:
                    day, cur, usd = date.fromisoformat(rec[0].strip()), rec[1].strip(), float(rec[2])
                except (ValueError, IndexError) as exc:
                    raise ExtractionError("E006", path=path, line=lineno, detail=exc) from exc
                rows.setdefault(cur.upper(), []).append((day, usd))
        return cls(rows)

    def rate(self, currency: str, day: date) -> tuple[float, date] | None:
        dates = self._dates.get(currency)
        if not dates:
            return None
        i = bisect.bisect_right(dates, day) - 1
        return None if i < 0 else (self._rates[currency][i], dates[i])


class RateBook:
    """One place to turn (amount, currency, date) into USD."""

    def __init__(self, crypto: CryptoRates) -> None:
        self.crypto = crypto
        self._memo: BoundedMemo[tuple[str, date], Conversion | None] = BoundedMemo(100_000)  # few dates a crawl

    @staticmethod
    def preload() -> None:
        """Parse the fiat table now (once per process) rather than at the first non-USD price: a
        crawl would otherwise stall its reactor for a second mid-crawl, connections open."""
        _ecb()

    def to_usd(self, amount: float, currency: str, day: date) -> Conversion | None:
        """USD value, or None when no rate on or before ``day`` is known."""
        if currency == "USD":
            return Conversion(amount, 1.0, day, "identity")
        key = (currency, day)
        unit = self._memo[key] if key in self._memo else self._memo.put(key, self._unit(currency, day))
        return None if unit is None else Conversion(amount * unit.rate, unit.rate, unit.rate_date, unit.source)

    def _unit(self, currency: str, day: date) -> Conversion | None:
        """The conversion of one unit of ``currency`` on ``day``."""
        if currency in CRYPTO:
            found = self.crypto.rate(currency, day)
            if found is None:
                return None
            rate, rate_day = found
            return Conversion(rate, rate, rate_day, "crypto-csv")
        return self._fiat(1.0, currency, day)

    @staticmethod
    def _fiat(amount: float, currency: str, day: date) -> Conversion | None:
        conv = _ecb()
        if currency not in conv.currencies:
            return None
        first, last = conv.bounds[currency]
        rate = float(conv.convert(1.0, currency, "USD", date=day))
        rate_day = min(max(day, first), last)
        return Conversion(amount * rate, rate, rate_day, "ecb")
