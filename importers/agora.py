"""The Agora 2014–2015 listing dump (the public "Dark Net Marketplace Data (Agora)" CSV).

Layout: ``Vendor, Category, Item, Item Description, Price, Origin, Destination, Rating, Remarks``
(header names with leading spaces), prices like ``0.0234 BTC``, categories like
``Drugs/Stimulants/Cocaine``, ratings like ``4.96/5``, ``~5/5`` or ``[0 deals]``. The real file
mixes UTF-8 with Windows-1252, carries some mojibake, and has rows whose description holds an
unquoted comma (one field too many) or that lost trailing columns. Those are repaired when the
repair is unambiguous, and otherwise rejected with the reason — each counted, none dropped silently.

The dump has no date column: the observation time comes from ``--observed-at`` (a column named
``Date``/``observed_at``/``scraped`` … is used instead when a variant of the dump has one).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import ClassVar

from importers.base import DumpInfo, ImportFailed, Rejected, Row, register
from importers.text import clean, decode
from narcoscope.records import Listing, PriceDisplay, Vendor, stable_id

COLUMNS = {"vendor": "Vendor", "category": "Category", "item": "Item", "item description": "Item Description",
           "price": "Price", "origin": "Origin", "destination": "Destination", "rating": "Rating",
           "remarks": "Remarks"}
REQUIRED = ("vendor", "item", "price")
OPTIONAL_TAIL = ("rating", "remarks", "destination")  # may be missing at the end of a short row
TIME_COLUMNS = ("observed_at", "observed", "date", "scraped", "scrape_date", "crawl_date", "timestamp", "time")
PRICE = re.compile(r"^~?\s*\d+(?:\.\d+)?(?:[eE]-?\d+)?\s*(?:BTC|btc|XBT)\s*$")
MAX_FIELD = 1 << 24


def _key(header: str) -> str:
    return " ".join(header.replace("\ufeff", "").split()).casefold()


def parse_time(text: str) -> datetime | None:
    """ISO date/date-time, or a Unix timestamp; naive values are UTC."""
    text = text.strip()
    if not text:
        return None
    if re.fullmatch(r"\d{9,11}(?:\.\d+)?", text):
        return datetime.fromtimestamp(float(text), tz=timezone.utc)
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00").replace("/", "-"))
    except ValueError:
        return None
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


@register("agora")
class AgoraImporter:
    """Agora CSV rows to ``Listing`` (and one ``Vendor`` per seller), source columns kept in ``extra``."""

    name: ClassVar[str] = "agora"
    help: ClassVar[str] = ("Agora 2014-2015 CSV: Vendor, Category, Item, Item Description, Price, Origin, "
                           "Destination, Rating, Remarks")
    default_source: ClassVar[str] = "agora"

    def __init__(self, *, source: str | None = None, observed_at: datetime | None = None) -> None:
        self.source = source or self.default_source
        self.observed_at = observed_at
        self._header: list[str] = []
        self._index: dict[str, int] = {}
        self._time_index: int | None = None
        csv.field_size_limit(MAX_FIELD)

    # -- layout ------------------------------------------------------------------------------
    def inspect(self, data: bytes) -> DumpInfo:
        first = data.split(b"\n", 1)[0]
        text, reencoded = decode(first)
        header = next(csv.reader([text.rstrip("\r")]), [])
        self._header = [" ".join(h.replace("\ufeff", "").split()) for h in header]
        self._index = {}
        for i, h in enumerate(self._header):
            self._index.setdefault(_key(h), i)
        missing = [COLUMNS[c] for c in REQUIRED if c not in self._index]
        if missing:
            raise ImportFailed(f"not an Agora dump: no {', '.join(missing)} column (header: {', '.join(self._header)})")
        self._time_index = next((self._index[c] for c in TIME_COLUMNS if c in self._index), None)
        if self._time_index is None and self.observed_at is None:
            raise ImportFailed("the dump has no date column: give the crawl date with --observed-at "
                               "(e.g. --observed-at 2015-07-07) so trends are filed in the right week")
        return DumpInfo(rows_estimate=max(0, data.count(b"\n") - 1), columns=self._header,
                        time_column=self._header[self._time_index] if self._time_index is not None else None,
                        encoding="utf-8+cp1252" if reencoded else "utf-8")

    # -- rows --------------------------------------------------------------------------------
    def rows(self, data: bytes, *, digest: str, file_name: str) -> Iterator[Row | Rejected]:
        if not self._header:
            self.inspect(data)
        lines, bad_lines = self._lines(data)
        reader = csv.reader(lines, strict=False)
        next(reader, None)  # header
        start, vendors_seen = reader.line_num + 1, set[str]()
        for fields in reader:
            first, last = start, reader.line_num
            start = last + 1
            fixes = {"reencoded"} if any(n in bad_lines for n in range(first, last + 1)) else set()
            got = self._row(fields, first, fixes, digest, file_name, vendors_seen)
            if got is not None:
                yield got

    @staticmethod
    def _lines(data: bytes) -> tuple[Iterator[str], set[int]]:
        """Physical lines, each decoded on its own (a Windows-1252 line among UTF-8 ones stays local)."""
        bad: set[int] = set()

        def gen() -> Iterator[str]:
            for n, raw in enumerate(data.splitlines(keepends=True), 1):
                text, fell_back = decode(raw)
                if fell_back:
                    bad.add(n)
                yield text

        return gen(), bad

    def _row(self, fields: list[str], line: int, fixes: set[str], digest: str, file_name: str,
             vendors_seen: set[str]) -> Row | Rejected | None:
        raw = ",".join(fields)
        if not any(f.strip() for f in fields):
            return Rejected(line, "blank row", raw) if fields else None
        fitted = self._shape(fields, fixes)  # before cleaning: a merged description keeps its spaces
        if isinstance(fitted, str):
            return Rejected(line, fitted, raw)
        shaped = []
        for f in fitted:
            text, fx = clean(f)
            shaped.append(text)
            fixes |= fx
        col = {k: shaped[i] for k, i in self._index.items()}
        for c in ("vendor", "item"):
            if not col.get(c):
                return Rejected(line, f"empty {COLUMNS[c]}", raw)
        when = self._when(col, shaped)
        if when is None:
            return Rejected(line, f"unreadable date {shaped[self._time_index or 0]!r} and no --observed-at", raw)
        if not PRICE.match(col.get("price", "")):
            fixes.add("price_unparsed")
        listing = self._listing(col, shaped, line, digest, file_name)
        records: tuple[Listing | Vendor, ...] = (listing,)
        vkey = col["vendor"].casefold()
        if vkey not in vendors_seen:
            vendors_seen.add(vkey)
            records = (Vendor(self.source, col["vendor"], rating=col.get("rating", ""), page_digest=digest), listing)
        return Row(line, records, when, tuple(sorted(fixes)))

    def _shape(self, f: list[str], fixes: set[str]) -> list[str] | str:
        """Fields fitted to the header, or the reason they cannot be."""
        n = len(self._header)
        if len(f) > n and not any(x.strip() for x in f[n:]):
            f = f[:n]
            fixes.add("trailing_empty_fields")
        if len(f) > n:
            merged = self._merge_description(f)
            if merged is None:
                return f"{len(f)} fields, expected {n} (unquoted commas not in the description)"
            fixes.add("fields_merged")
            return merged
        if len(f) < n:
            present = {k for k, i in self._index.items() if i < len(f)}
            lost = {k for k, i in self._index.items() if i >= len(f)}
            if not lost <= set(OPTIONAL_TAIL) or not set(REQUIRED) <= present:
                return f"{len(f)} fields, expected {n}"
            fixes.add("fields_padded")
            return f + [""] * (n - len(f))
        return f

    def _merge_description(self, f: list[str]) -> list[str] | None:
        """A description with unquoted commas spills into the next fields: glue it back when the
        price field, found further right, puts every later column where the header says."""
        d, p = self._index.get("item description"), self._index["price"]
        if d is None or p != d + 1:
            return None
        extra = len(f) - len(self._header)
        if PRICE.match(f[p + extra].strip()):
            return [*f[:d], ",".join(f[d:d + extra + 1]), *f[p + extra:]]
        return None

    def _when(self, col: dict[str, str], shaped: list[str]) -> datetime | None:
        if self._time_index is not None:
            ts = parse_time(shaped[self._time_index])
            if ts is not None:
                return ts
        return self.observed_at

    def _listing(self, col: dict[str, str], shaped: list[str], line: int, digest: str, file_name: str) -> Listing:
        category, origin = col.get("category", ""), col.get("origin", "")
        ident = stable_id(self.name, col["vendor"].casefold(), category, col["item"],
                          col.get("item description", ""), origin)
        extra = {h: shaped[i] for i, h in enumerate(self._header) if h}
        extra.update({"import:format": self.name, "import:file": file_name, "import:line": str(line)})
        price = col.get("price", "")
        return Listing(
            source=self.source, listing_id=ident, url="", title=col["item"],
            description=col.get("item description", ""),
            category=tuple(c.strip() for c in category.split("/") if c.strip()), vendor=col["vendor"],
            prices=(PriceDisplay(price.lstrip("~ ")),) if price else (), ships_from=origin,
            ships_to=col.get("destination", ""), page_digest=digest, extra=extra)
