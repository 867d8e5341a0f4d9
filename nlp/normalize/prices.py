"""Prices from displayed text: amount and currency, with locale-aware separators.

Markets show prices as ``$120``, ``USD 1,410.00``, ``€ 1.299,00``, ``0.0234 BTC`` or ``12 mBTC``,
often several at once (bulk tiers, fiat beside crypto). :func:`find_prices` returns them all in
order; the first is the headline price. Conversion to USD lives in :mod:`nlp.normalize.rates`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from nlp._fast import maker
from nlp._memo import BoundedMemo

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


@dataclass(slots=True, unsafe_hash=True)
class Price:
    """One displayed price: amount in ``currency`` (after multipliers like mBTC) and its span."""

    amount: float
    currency: str
    start: int
    end: int
    text: str
    written_currency: str = ""  # as displayed: "mBTC", "€", "USD" …

    # explicit __init__ (and __reduce__, when pickled): why, in nlp/_fast.py
    def __init__(self, amount: float, currency: str, start: int, end: int, text: str,
                 written_currency: str = "") -> None:
        self.amount = amount
        self.currency = currency
        self.start = start
        self.end = end
        self.text = text
        self.written_currency = written_currency

    def __reduce__(self) -> tuple[type[Price], tuple[object, ...]]:
        return Price, (self.amount, self.currency, self.start, self.end, self.text, self.written_currency)


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


_price = maker(Price)  # Price(amount, currency, start, end, text, written_currency), all positional


def _make(m: re.Match[str]) -> Price | None:
    written = m["sym"] or m["code"]
    if not written:
        return None
    code, mult = CURRENCY_TOKENS[written.lower()]
    try:
        amount = parse_amount(m["num"], code) * mult
    except ValueError:
        return None
    return _price(round(amount, 10), code, m.start(), m.end(), m[0], written)


_DIGIT_RUN = re.compile(r"(?<![\d])[.,]?\d[\d.,\u00a0\u202f' ]*")
_SYMBOL_CHARS = frozenset("$€£₿฿ɱ₽")
_CURRENCY_TAIL = re.compile(rf"(?:{_SYMS}|(?<![\w$])(?:{_CODES}))\s?$", re.I)


def _prev_char(text: str, p: int) -> str:
    """The last character before offset ``p`` that is no whitespace ("" at the start)."""
    j = p - 1
    while j >= 0 and text[j].isspace():
        j -= 1
    return text[j] if j >= 0 else ""


def _at_run(text: str, run: re.Match[str], prev: str) -> list[re.Match[str]]:
    """The readings around one number: a currency just before it (``prev``: the last character
    before it that is no whitespace), or just after it."""
    out = []
    p, after = run.start(), run.end()
    if prev and (prev.isalpha() or prev in _SYMBOL_CHARS):
        tail = _CURRENCY_TAIL.search(text, max(0, p - 10), p)
        if tail:
            m = _BEFORE.match(text, tail.start())
            if m:
                out.append(m)
    nxt = text[after] if after < len(text) else ""
    if nxt and (nxt.isalpha() or nxt in _SYMBOL_CHARS):
        m = _AFTER.match(text, p)
        if m:
            out.append(m)
    return out


def _candidates(text: str, starts: Iterable[int] | None) -> list[re.Match[str]]:
    """Anchored matches around every number: a currency just before it, or just after it.
    Far cheaper than scanning the text with the big currency alternations."""
    out = []
    runs = (_DIGIT_RUN.match(text, p) for p in starts) if starts is not None else _DIGIT_RUN.finditer(text)
    for run in runs:
        if run is not None:
            out += _at_run(text, run, _prev_char(text, run.start()))
    return out


# (amount, currency, start, end, text, written currency) of a price read around one number
_Reading = tuple[float, str, int, int, str, str]
# The readings around a number depend only on the character before it that is no whitespace and
# on the text from 12 characters before it (a currency tail is searched 10 back, with a one-character
# look-behind) to 10 characters after its digit run (_NUMBER never leaves the run; then one space,
# a currency word of at most 7 characters and a look-ahead). They are memoised on that window:
# markets repeat their price phrases ("for $90", "59,00 EUR").
_WINDOWS: BoundedMemo[tuple[str, int, str], tuple[_Reading, ...]] = BoundedMemo(50_000)


def _readings(text: str, starts: Iterable[int]) -> list[Price]:
    out: list[Price] = []
    windows = _WINDOWS
    for p in starts:
        run = _DIGIT_RUN.match(text, p)
        if run is None:
            continue
        a = p - 12 if p >= 12 else 0
        key = (text[a:run.end() + 10], p - a, _prev_char(text, p))
        hit = windows.get(key)
        if hit is None:
            window = key[0]
            wrun = _DIGIT_RUN.match(window, key[1])
            found = [_make(m) for m in _at_run(window, wrun, key[2])] if wrun is not None else []
            hit = windows.put(key, tuple((x.amount, x.currency, x.start, x.end, x.text, x.written_currency)
                                         for x in found if x is not None))
        for amount, currency, start, end, written_text, written in hit:
            out.append(_price(amount, currency, start + a, end + a, written_text, written))
    return out


def find_prices(text: str, *, starts: Iterable[int] | None = None) -> list[Price]:
    """All prices in ``text`` in order of appearance; overlapping readings keep the earliest.
    ``starts``: offsets of the numbers, when the caller already knows them (tokens)."""
    found = [p for m in _candidates(text, None) if (p := _make(m))] if starts is None else _readings(text, starts)
    found.sort(key=_order)
    out: list[Price] = []
    for p in found:
        if not out or p.start >= out[-1].end:
            out.append(p)
    return out


def _order(p: Price) -> tuple[int, int]:
    return p.start, p.start - p.end  # by start, the longest reading first


def headline_price(prices: list[Price], allowed: frozenset[str] | None = None) -> Price | None:
    """The first displayed price, optionally the first in an allowed currency."""
    for p in prices:
        if allowed is None or p.currency in allowed:
            return p
    return None
