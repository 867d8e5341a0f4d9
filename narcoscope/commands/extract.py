"""``narcoscope extract``: run the extractor on text or JSON lines, print every entity as JSON lines.

For analysts and for piping: no store, no index, nothing written but stdout. Input problems (bad
JSON, a line that is not an object, an unreadable file) are reported with file and line number and
never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

HELP = "extract substances, NPS candidates, places, prices … from text or JSON lines"
DESCRIPTION = """\
Read records from files or stdin and write one JSON line per record with every entity the
extractor found: the text span, its start/end offsets and field, the canonical id or normalised
value, the substance class, whether it is a novel-substance candidate, and the record's summary
(substances, classes, candidates, ships_from/ships_to codes, headline price and its USD value,
quantity in grams or units, language, vendor).

Input formats (auto-detected per file from its first non-blank line):
  JSON lines   one object per line: {"id", "title", "description"} and optionally "ships_from",
               "ships_to", "price" (text such as "0.0234 BTC" or "€ 40 / 5g"), "vendor",
               "observed_at" (ISO date; prices are converted at that date's rates); "text" is
               accepted in place of "description"
  plain text   one record per line; or the whole input as one record with --text

Prices are converted to USD at the rates of --observed-at (default: now) unless a record
carries its own observed_at."""

EPILOG = """\
examples:
  echo 'selling 5g 3-MMC crystal, ships from NL, 40 EUR' | narcoscope extract
  narcoscope extract --text < forum_post.txt
  narcoscope extract listings.jsonl --observed-at 2026-07-27 > entities.jsonl
  echo '{"id": "a1", "title": "1g MDMB-3en-PXINACA", "price": "0.0012 BTC"}' | narcoscope extract
  narcoscope extract --format text notes.txt | jq '.entities[] | select(.novel)'"""


class InputError(Exception):
    """A problem with one input line, reported as FILE:LINE: message."""


@dataclass(frozen=True, slots=True)
class Item:
    """One input record with where it came from."""

    rid: str
    where: str  # file:line
    fields: dict[str, Any]
    plain: bool  # plain text: its one field is reported as "text"


def add_parser(sub: Any) -> None:
    from narcoscope.cli import Formatter

    p = sub.add_parser("extract", help=HELP, description=DESCRIPTION, epilog=EPILOG, formatter_class=Formatter)
    p.add_argument("files", nargs="*", metavar="FILE", help="input files; none or '-' reads stdin")
    p.add_argument("--format", choices=("auto", "jsonl", "text"), default="auto", help="input format")
    p.add_argument("--text", action="store_true", help="each input (file or stdin) is ONE plain-text record")
    p.add_argument("--observed-at", metavar="DATE", help="date for currency conversion (default: now)")
    p.add_argument("--keep-going", action="store_true",
                   help="report bad input lines and go on (exit status 1 at the end) instead of stopping")
    p.add_argument("--batch", type=int, default=64, help="records extracted together")
    p.add_argument("--pretty", action="store_true", help="indented JSON (one object per record, not per line)")
    p.set_defaults(func=run)


def parse_when(text: str) -> datetime:
    """An ISO date or date-time; naive values are UTC."""
    try:
        ts = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"not an ISO date or date-time: {text!r}") from None
    return ts if ts.tzinfo else ts.replace(tzinfo=timezone.utc)


# -- reading ---------------------------------------------------------------------------------
def _open(name: str) -> TextIO:
    if name == "-":
        return sys.stdin
    return Path(name).open(encoding="utf-8", errors="replace", newline="")


def _detect(lines: list[str], fmt: str) -> str:
    if fmt != "auto":
        return fmt
    first = next((ln.strip() for ln in lines if ln.strip()), "")
    return "jsonl" if first.startswith("{") else "text"


def read_items(name: str, *, fmt: str, whole: bool) -> Iterator[Item | InputError]:
    """Items of one input, or an :class:`InputError` in their place for a bad line."""
    label = "<stdin>" if name == "-" else name
    fh = _open(name)
    try:
        if whole:
            text = fh.read()
            if text.strip():
                yield Item("1" if name == "-" else label, f"{label}:1", {"description": text}, True)
            return
        head: list[str] = []
        for line in fh:  # peek a few lines to detect the format, then stream
            head.append(line)
            if line.strip():
                break
        kind = _detect(head, fmt)
        yield from _lines(label, kind, _chain(head, fh))
    finally:
        if fh is not sys.stdin:
            fh.close()


def _chain(head: list[str], rest: TextIO) -> Iterator[str]:
    yield from head
    yield from rest


def _lines(label: str, kind: str, lines: Iterator[str]) -> Iterator[Item | InputError]:
    for n, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        where = f"{label}:{n}"
        if kind == "text":
            yield Item(str(n) if label == "<stdin>" else where, where, {"description": line}, True)
            continue
        try:
            yield _json_item(line, where, n if label == "<stdin>" else where)
        except InputError as exc:
            yield exc


def _json_item(line: str, where: str, default_id: int | str) -> Item:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: invalid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    if "description" not in obj and "text" in obj:
        obj["description"] = obj["text"]
    if not any(isinstance(obj.get(k), str) and obj.get(k, "").strip() for k in ("title", "description")):
        raise InputError(f"{where}: the object has no \"title\", \"description\" or \"text\" string")
    return Item(str(obj.get("id", default_id)), where, obj, False)


# -- records and output ----------------------------------------------------------------------
def _str(value: Any, where: str, key: str) -> str:
    if value is None:
        return ""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    raise InputError(f"{where}: {key!r} must be a string")


def to_listing(item: Item) -> Any:
    """The record as a :class:`Listing` (plain text goes to the description)."""
    from narcoscope.records import Listing, PriceDisplay

    f, w = item.fields, item.where
    price = f.get("price", f.get("prices"))
    prices = [_str(p, w, "price") for p in price] if isinstance(price, list) else [_str(price, w, "price")]
    return Listing(
        source=_str(f.get("source"), w, "source") or "extract", listing_id=item.rid, url="",
        title=_str(f.get("title"), w, "title"), description=_str(f.get("description"), w, "description"),
        vendor=_str(f.get("vendor"), w, "vendor"), ships_from=_str(f.get("ships_from"), w, "ships_from"),
        ships_to=_str(f.get("ships_to"), w, "ships_to"),
        prices=tuple(PriceDisplay(p) for p in prices if p.strip()))


def entity_json(ent: Any, gz: Any, plain: bool) -> dict[str, Any]:
    attrs = dict(ent.attrs)
    out: dict[str, Any] = {
        "label": ent.label, "text": ent.text, "start": ent.start, "end": ent.end,
        "field": "text" if plain and ent.field == "description" else ent.field, "value": ent.value,
    }
    if ent.label in ("SUBSTANCE", "NPS_CANDIDATE"):
        sub = gz.substances.get(ent.value) if gz is not None else None
        out["id"] = ent.value
        cls = attrs.get("class", "")
        if gz is not None and cls.replace("-", "_") in gz.classes:  # the novelty morphology's name for it
            cls = cls.replace("-", "_")
        out["class"] = sub.cls if sub is not None else cls
        out["nps"] = sub.nps if sub is not None else ent.label == "NPS_CANDIDATE"
    out["novel"] = ent.label == "NPS_CANDIDATE" or attrs.get("novel") == "true"
    out["attrs"] = attrs
    return out


def result_json(item: Item, ext: Any, gz: Any) -> dict[str, Any]:
    return {
        "id": item.rid, "input": item.where, "extractor_version": ext.extractor_version,
        "entities": [entity_json(e, gz, item.plain) for e in ext.entities],
        "substances": list(ext.substances), "classes": list(ext.classes), "candidates": list(ext.candidates),
        "ships_from": ext.ships_from, "ships_to": list(ext.ships_to), "price_amount": ext.price_amount,
        "price_currency": ext.price_currency, "price_usd": ext.price_usd, "quantity_g": ext.quantity_g,
        "units": ext.units, "lang": ext.lang, "vendor": ext.vendor,
    }


# -- run -------------------------------------------------------------------------------------
class _Writer:
    """Extracts records in batches of one observation date and writes results in input order."""

    def __init__(self, extractor: Any, batch: int, pretty: bool) -> None:
        self.extractor, self.size, self.pretty = extractor, max(1, batch), pretty
        self.pending: list[tuple[Item, Any]] = []
        self.when: datetime | None = None
        pipe = extractor.nlp.get_pipe("substances") if "substances" in extractor.nlp.pipe_names else None
        self.gz = getattr(pipe, "gz", None)
        self.written = 0

    def add(self, item: Item, listing: Any, when: datetime) -> None:
        if self.pending and (when != self.when or len(self.pending) >= self.size):
            self.flush()
        self.when = when
        self.pending.append((item, listing))

    def flush(self) -> None:
        if not self.pending or self.when is None:
            return
        exts = self.extractor.extract_many([rec for _, rec in self.pending], self.when)
        for (item, _), ext in zip(self.pending, exts, strict=True):
            out = result_json(item, ext, self.gz)
            sys.stdout.write(json.dumps(out, ensure_ascii=False, indent=1 if self.pretty else None) + "\n")
            self.written += 1
        sys.stdout.flush()
        self.pending = []


def run(args: argparse.Namespace) -> int:
    from narcoscope.cli import UserError
    from narcoscope.ingest import shared_extractor
    from narcoscope.paths import Paths
    from nlp import ExtractionError

    try:
        default_when = parse_when(args.observed_at) if args.observed_at else datetime.now(timezone.utc)
    except ValueError as exc:
        raise UserError(f"--observed-at: {exc}") from None
    if sys.stdin.isatty() and not args.files:
        sys.stderr.write("narcoscope extract: reading records from the terminal; end with Ctrl-D "
                         "(see --help)\n")
    try:
        extractor = shared_extractor(Paths.from_env().config)
    except ExtractionError as exc:
        raise UserError(str(exc)) from None
    writer = _Writer(extractor, args.batch, args.pretty)
    errors = _extract_all(args, writer, default_when)
    if errors:
        sys.stderr.write(f"narcoscope extract: {errors} bad input line(s) skipped; {writer.written} written\n")
        return 1
    return 0


def _extract_all(args: argparse.Namespace, writer: _Writer, default_when: datetime) -> int:
    from narcoscope.cli import UserError

    errors = 0
    try:
        for name in args.files or ["-"]:
            for got in read_items(name, fmt=args.format, whole=args.text):
                try:
                    if isinstance(got, InputError):
                        raise got
                    when = got.fields.get("observed_at")
                    try:
                        ts = parse_when(str(when)) if when else default_when
                    except ValueError as exc:
                        raise InputError(f"{got.where}: observed_at: {exc}") from None
                    writer.add(got, to_listing(got), ts)
                except InputError as exc:
                    if not args.keep_going:
                        writer.flush()
                        raise UserError(f"{exc} (use --keep-going to skip bad lines)") from None
                    errors += 1
                    sys.stderr.write(f"narcoscope extract: {exc}\n")
    except OSError as exc:
        writer.flush()
        raise UserError(f"cannot read {exc.filename or 'input'}: {exc.strerror or exc}") from None
    writer.flush()
    return errors
