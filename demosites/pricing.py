"""Show a listing's USD price the way each market does, and record what was shown."""

from __future__ import annotations

from dataclasses import dataclass

from demosites.rates import crypto_usd, usd_per_eur
from demosites.weeks import week_date


@dataclass(frozen=True, slots=True)
class ShownPrice:
    """A displayed price: the amount in the market's currency, the text, and its USD value."""

    amount: float
    currency: str
    display: str
    usd: float


def usd_text(usd: float) -> str:
    """1410.0 -> "1,410.00"."""
    return f"{usd:,.2f}"


def coin_amount(usd: float, rate: float) -> float:
    """Coin amounts as markets round them: 4 decimals, or 6 for small amounts."""
    raw = usd / rate
    return round(raw, 4) if raw >= 0.01 else round(raw, 6)


def coin_text(amount: float) -> str:
    return f"{amount:.4f}" if amount >= 0.01 else f"{amount:.6f}"


def btc_price(usd: float, week: int) -> ShownPrice:
    """tortuga: "0.0234 BTC ($1,410.00)"."""
    amount = coin_amount(usd, crypto_usd(week, "BTC"))
    return ShownPrice(amount, "BTC", f"{coin_text(amount)} BTC (${usd_text(usd)})", round(usd, 2))


def usd_xmr_price(usd: float, week: int) -> ShownPrice:
    """nightjar: "USD 120.00 / 0.8123 XMR"."""
    xmr = coin_amount(usd, crypto_usd(week, "XMR"))
    return ShownPrice(round(usd, 2), "USD", f"USD {usd:.2f} / {coin_text(xmr)} XMR", round(usd, 2))


def eur_text(eur: float) -> str:
    """European formatting: 1299.0 -> "1.299,00"."""
    return f"{eur:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def eur_price(usd: float, week: int) -> ShownPrice:
    """velvet-alley: "€ 1.299,00"; USD value is the displayed EUR at the ECB rate that day."""
    rate = usd_per_eur(week_date(week))
    eur = round(usd / rate, 2)
    return ShownPrice(eur, "EUR", f"€ {eur_text(eur)}", round(eur * rate, 2))


PRICERS = {"tortuga": btc_price, "nightjar": usd_xmr_price, "velvet-alley": eur_price}
