"""Exchange rates for the demo: fictional weekly crypto rates and real ECB rates for EUR.

Crypto rates are generated from a fixed seed (independent of the world seed) so that
``config/rates/crypto-demo.csv`` is one stable file the pipeline can read.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from functools import lru_cache
from pathlib import Path

from demosites.weeks import N_WEEKS, week_date

CRYPTO = ("BTC", "XMR")
_START = {"BTC": 96_400.0, "XMR": 212.0}
_VOL = {"BTC": 0.03, "XMR": 0.04}
RATES_CSV = Path(__file__).resolve().parent.parent / "config" / "rates" / "crypto-demo.csv"


@lru_cache(maxsize=1)
def crypto_rates() -> dict[tuple[date, str], float]:
    """USD per coin for every (week date, currency): a seeded random walk, rounded to cents."""
    rng = random.Random("narcoscope-demo-rates-v1")
    out: dict[tuple[date, str], float] = {}
    level = dict(_START)
    for week in range(N_WEEKS):
        for cur in CRYPTO:
            if week:
                level[cur] *= 1.0 + rng.gauss(0.004, _VOL[cur])
            out[(week_date(week), cur)] = round(level[cur], 2)
    return out


def crypto_usd(week: int, currency: str) -> float:
    """USD value of one coin of ``currency`` at ``week``'s date."""
    return crypto_rates()[(week_date(week), currency)]


def crypto_csv() -> str:
    """The text of ``crypto-demo.csv``: header ``date,currency,usd``, one row per week and coin."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["date", "currency", "usd"])
    for (day, cur), usd in sorted(crypto_rates().items()):
        writer.writerow([day.isoformat(), cur, f"{usd:.2f}"])
    return buf.getvalue()


def write_crypto_csv(path: Path = RATES_CSV) -> Path:
    """Write the crypto rates file (the checked-in copy is tested to match)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(crypto_csv(), encoding="utf-8")
    return path


@lru_cache(maxsize=1)
def _converter() -> object:
    from currency_converter import CurrencyConverter

    return CurrencyConverter(fallback_on_missing_rate=True, fallback_on_wrong_date=True)


@lru_cache(maxsize=64)
def usd_per_eur(day: date) -> float:
    """ECB reference rate (via ``currencyconverter``) for ``day``: USD per 1 EUR."""
    conv = _converter()
    return float(conv.convert(1.0, "EUR", "USD", date=day))  # type: ignore[attr-defined]
