"""Prices from displayed text: amount and currency, with locale-aware separators.

Markets show prices as ``$120``, ``USD 1,410.00``, ``€ 1.299,00``, ``0.0234 BTC`` or ``12 mBTC``,
often several at once (bulk tiers, fiat beside crypto). :func:`find_prices` returns them all in
order; the first is the headline price. Conversion to USD lives in :mod:`nlp.normalize.rates`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

CRYPTO = frozenset({"BTC", "XMR", "LTC", "ETH", "BCH", "ZEC", "DASH", "USDT"})

# symbol or code as written (lower-cased) -> (ISO/ticker code, multiplier)
CURRENCY_TOKENS: dict[str, tuple[str, float]] = {
    "$": ("USD", 1.0), "us$": ("USD", 1.0), "usd": ("USD", 1.0), "dollars": ("USD", 1.0),
    "€": ("EUR", 1.0), "eur": ("EUR", 1.0), "euro": ("EUR", 1.0), "euros": ("EUR", 1.0),
    "£": ("GBP", 1.0), "gbp": ("GBP", 1.0), "c$": ("CAD", 1.0), "cad": ("CAD", 1.0),
    "a$": ("AUD", 1.0), "au$": ("AUD", 1.0), "aud": ("AUD", 1.0), "chf": ("CHF", 1.0),
    "zł": ("PLN", 1.0), "zl": ("PLN", 1.0), "pln": ("PLN", 1.0), "₽": ("RUB", 1.0),
    "руб": ("RUB", 1.0), "руб.": ("RUB", 1.0), "rub": ("RUB", 1.0), "р.": ("RUB", 1.0),
    "kč": ("CZK", 1.0), "czk": ("CZK", 1.0), "sek": ("SEK", 1.0), "nok": ("NOK", 1.0),
    "dkk": ("DKK", 1.0),
    "btc": ("BTC", 1.0), "₿": ("BTC", 1.0), "฿": ("BTC", 1.0), "bitcoin": ("BTC", 1.0),
    "mbtc": ("BTC", 0.001), "sats": ("BTC", 1e-8), "sat": ("BTC", 1e-8),
    "xmr": ("XMR", 1.0), "ɱ": ("XMR", 1.0), "monero": ("XMR", 1.0), "ltc": ("LTC", 1.0),
    "eth": ("ETH", 1.0), "bch": ("BCH", 1.0), "zec": ("ZEC", 1.0), "usdt": ("USDT", 1.0),
}
_SYMBOLS = ("$", "€", "£", "₿", "฿", "ɱ", "₽")
_PREFIX_ONLY = ("us$", "c$", "a$", "au$")


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_CODES = _alternation([w for w in CURRENCY_TOKENS if w not in _SYMBOLS])
_SYMS = _alternation([*_SYMBOLS, *_PREFIX_ONLY])
_NUMBER = r"(?P<num>\d{1,3}(?: \d{3})+,\d{1,2}|\d{1,3}(?:[.,\u00a0\u202f']\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?|[.,]\d+)"
_BEFORE = re.compile(
    rf"(?:(?P<sym>{_SYMS})|(?<![\w$])(?P<code>{_CODES}))\s?{_NUMBER}(?![\d\w])", re.I)
_AFTER = re.compile(
    rf"(?<![\w.,\-]){_NUMBER}\s?(?:(?P<sym>{_SYMS})|(?P<code>{_CODES})(?![\w]))", re.I)


@dataclass(frozen=True, slots=True)
class Price:
    """One displayed price: amount in ``currency`` (after multipliers like mBTC) and its span."""

    amount: float
    currency: str
    start: int
    end: int
    text: str
    written_currency: str = ""  # as displayed: "mBTC", "€", "USD" …


def parse_amount(num: str, currency: str) -> float:
    """A number as displayed, read with the separator conventions its currency suggests.

    The last of two different separators is the decimal one (``1,410.00``, ``1.299,00``). A lone
    separator followed by exactly three digits groups thousands for fiat (``€1.299``, ``$1,200``)
    but is a decimal point for crypto (``0.025 BTC``, ``1.500 XMR``) and after a leading zero.
    """
    s = num.replace(" ", "").replace("\u00a0", "").replace("\u202f", "").replace("'", "")
    seps = [c for c in s if c in ".,"]
    if not seps:
        return float(s)
    if len(set(seps)) == 2:
        dec = s.rstrip("0123456789")[-1]
        thousands = "," if dec == "." else "."
        return float(s.replace(thousands, "").replace(dec, "."))
    sep = seps[0]
    if len(seps) > 1:
        return float(s.replace(sep, ""))
    head, tail = s.split(sep)
    grouping = len(tail) == 3 and head not in ("", "0") and currency not in CRYPTO
    return float(head + tail) if grouping else float(f"{head or '0'}.{tail}")


def _make(m: re.Match[str]) -> Price | None:
    written = m["sym"] or m["code"]
    if not written:
        return None
    code, mult = CURRENCY_TOKENS[written.lower()]
    try:
        amount = parse_amount(m["num"], code) * mult
    except ValueError:
        return None
    return Price(round(amount, 10), code, m.start(), m.end(), m[0], written)


_DIGIT_RUN = re.compile(r"(?<![\d])[.,]?\d[\d.,\u00a0\u202f' ]*")
_SYMBOL_CHARS = frozenset("$€£₿฿ɱ₽")
_CURRENCY_TAIL = re.compile(rf"(?:{_SYMS}|(?<![\w$])(?:{_CODES}))\s?$", re.I)


def _candidates(text: str, starts: Iterable[int] | None) -> list[re.Match[str]]:
    """Anchored matches around every number: a currency just before it, or just after it.
    Far cheaper than scanning the text with the big currency alternations."""
    out = []
    n = len(text)
    runs = (_DIGIT_RUN.match(text, p) for p in starts) if starts is not None else _DIGIT_RUN.finditer(text)
    for run in runs:
        if run is None:
            continue
        p, after = run.start(), run.end()
        prev = text[:p].rstrip()[-1:] if p else ""
        if prev and (prev.isalpha() or prev in _SYMBOL_CHARS):
            tail = _CURRENCY_TAIL.search(text, max(0, p - 10), p)
            if tail:
                m = _BEFORE.match(text, tail.start())
                if m:
                    out.append(m)
        nxt = text[after] if after < n else ""
        if nxt and (nxt.isalpha() or nxt in _SYMBOL_CHARS):
            m = _AFTER.match(text, p)
            if m:
                out.append(m)
    return out


def find_prices(text: str, *, starts: Iterable[int] | None = None) -> list[Price]:
    """All prices in ``text`` in order of appearance; overlapping readings keep the earliest.
    ``starts``: offsets of the numbers, when the caller already knows them (tokens)."""
    found = [p for m in _candidates(text, starts) if (p := _make(m))]
    found.sort(key=lambda p: (p.start, -(p.end - p.start)))
    out: list[Price] = []
    for p in found:
        if not out or p.start >= out[-1].end:
            out.append(p)
    return out


def headline_price(prices: list[Price], allowed: frozenset[str] | None = None) -> Price | None:
    """The first displayed price, optionally the first in an allowed currency."""
    for p in prices:
        if allowed is None or p.currency in allowed:
            return p
    return None
