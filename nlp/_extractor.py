"""The extractor: one spaCy pipeline plus the plain normalizers, turning records into Extractions.

A listing's title and description go through the pipeline as one Doc (title, blank line,
description); offsets are mapped back to each field. Ships-from/to and displayed prices are short
structured fields and go straight to the normalizers, with an LRU cache because markets repeat them.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import operator
import os
import pickle
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import spacy
import yaml
from spacy.language import Language
from spacy.tokens import Doc

import nlp.components
import nlp.tokenizer
from narcoscope import compiled
from narcoscope.records import Entity, Extraction, Listing, Post
from nlp._fast import maker
from nlp._memo import BoundedMemo
from nlp.components._doc import Found, Hit, found
from nlp.errors import ExtractionError, Warnings
from nlp.normalize import places as pl
from nlp.normalize.prices import Price, find_prices
from nlp.normalize.quantities import Amount, find_amounts, headline
from nlp.normalize.rates import Conversion, CryptoRates, RateBook

log = logging.getLogger(__name__)
# (origin code or None, its entities, destination codes, their entities) from ships_from/ships_to
_FieldPlaces = tuple[str | None, tuple[Entity, ...], tuple[str, ...], tuple[Entity, ...]]
# (USD conversion, entity attributes, the same with the headline mark, value text) of a price
_PriceFacts = tuple[Conversion | None, tuple[tuple[str, str], ...], tuple[tuple[str, str], ...], str]
CODE_VERSION = "4"  # bumped when the code changes what is extracted (2: posts read an origin in the thread
# title; 3: item counts in the market languages, listed vendors and vendor speech, domestic origins;
# 4: a quantity field counts items by whole item words, not stems)
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "config"
SEP = "\n\n"
# A market handle: CamelCase (DutchChampagne, KrysztalPL), capitals then a word (NLRCShop), or
# letters with digits/underscores (vendor_42). Everyday capitalised words have none of these shapes.
_HANDLE = re.compile(r"(?<![\w@])(?P<v>[A-Za-z][a-z0-9]*[a-z0-9][A-Z][A-Za-z0-9_]*|[A-Z]{2,}[A-Z][a-z]+[A-Za-z0-9_]*"
                     r"|[A-Za-z]{2,}[0-9_]+[A-Za-z0-9_]*)(?![\w])")
# Words that put a handle in a seller role, in the market languages: "from X", "bei X", "у X", "od X".
_HANDLE_CUES = frozenset({"from", "vendor", "vendors", "by", "at", "with", "review", "reviews", "scam", "warning",
                          "ordered", "bought", "order", "avoid", "trust", "bei", "von", "mit", "über", "у", "от",
                          "магазин", "магазине", "od", "u", "de", "chez", "van", "bij", "del", "desde"})
# ... or before a selling or vendor-speech word: "X has fluve in stock", "X listed", "X's changa", "X says".
_HANDLE_AFTER = frozenset({"has", "had", "listed", "lists", "sells", "sold", "ships", "shipped", "stocks",
                           "restocked", "sent", "delivered", "scammed", "exit", "'s", "’s", "hat", "verkauft",
                           "vende", "vend", "verkoopt", "sprzedaje", "продает", "продаёт", "says", "said", "claims",
                           "claimed", "shipment", "shipments", "reshipped", "reships", "verschickt", "versendet",
                           "liefert", "envía", "envoie", "expédie", "verstuurt", "wysyła", "отправляет"})
# What joins the members of a list of names: a comma, slash or ampersand, or "and"/"or" in the market
# languages (und, oder, y, o, et, ou, en, of, i, lub, и, или).
_LISTED = re.compile(r"\s*(?:[,/&]|,?\s*(?i:and|or|und|oder|y|o|et|ou|en|of|i|lub|oraz|и|или)\s)\s*")
_START = operator.itemgetter(1)  # a hit's start offset
_entity = maker(Entity)  # Entity(label, text, start, end, field, value, attrs), all positional
_NO_ATTRS: tuple[tuple[str, str], ...] = ()
_HEADLINE = (("headline", "true"),)
# an amount's value as written into its entity ("3.5", "0.25"): a handful of distinct values
_VALUE_TEXT: BoundedMemo[float, str] = BoundedMemo(10_000)
# (kind, unit) -> an amount entity's attributes, built once (a handful of kinds and units)
_AMOUNT_ATTRS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {}


def _amount_attrs(kind: str, unit: str) -> tuple[tuple[str, str], ...]:
    attrs = _AMOUNT_ATTRS[kind, unit] = (("unit", unit), ("kind", kind.lower()))
    return attrs


def _value_text(value: float) -> str:
    text = _VALUE_TEXT.get(value)
    return text if text is not None else _VALUE_TEXT.put(value, f"{value:g}")


_VENDOR_PATTERNS = [
    re.compile(r"(?i:\bvendors?)\s*[:\-]?\s*@?(?P<v>[A-Za-z0-9][\w.\-]{2,30})"),
    re.compile(r"(?<![\w@])@(?P<v>[A-Za-z0-9][\w.\-]{2,30})"),
    re.compile(r"\b(?P<v>[A-Za-z0-9][\w.\-]{2,30})(?:'s|’s) (?i:shop|store)\b"),
    re.compile(r"(?i:welcome to (?:the )?)(?P<v>[A-Z0-9][\w.\-]{2,30}) (?i:shop|store)\b"),
]


@dataclass(frozen=True, slots=True)
class Settings:
    """``config/nlp/extraction.yaml``, validated."""

    pipeline: Path
    gazetteer_dir: Path
    places_dir: Path
    crypto_csv: Path
    headline_currencies: frozenset[str]
    batch_size: int
    places_cache: int
    memo_size: int
    not_vendors: frozenset[str]
    learn_every: int
    learn_max_strings: int
    nondrug_products: re.Pattern[str] | None

    @classmethod
    def load(cls, config_dir: Path, *, gazetteer_dir: Path | None, crypto_csv: Path | None) -> Settings:
        path = config_dir / "nlp" / "extraction.yaml"
        try:
            raw: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader) or {}
            return cls(
                pipeline=config_dir / raw.get("pipeline", "nlp/pipeline.cfg"),
                gazetteer_dir=gazetteer_dir or config_dir / raw.get("gazetteer_dir", "gazetteer"),
                places_dir=config_dir / raw.get("places_dir", "places"),
                crypto_csv=crypto_csv or config_dir / raw.get("rates", {}).get("crypto_csv", "rates/crypto-demo.csv"),
                headline_currencies=frozenset(raw.get("headline_currencies", ["USD", "EUR", "GBP", "BTC", "XMR"])),
                batch_size=int(raw.get("batch_size", 256)),
                places_cache=int(raw.get("places_cache", 8192)),
                memo_size=int(raw.get("memo_size", 20_000)),
                not_vendors=frozenset(str(v).casefold() for v in raw.get("not_vendors", [])),
                learn_every=int(raw.get("tokenizer_learning", {}).get("every", 4)),
                learn_max_strings=int(raw.get("tokenizer_learning", {}).get("max_strings", 200_000)),
                nondrug_products=_words_pattern(raw.get("nondrug_products") or []),
            )
        except (OSError, yaml.YAMLError, TypeError, ValueError, AttributeError) as exc:
            raise ExtractionError("E005", path=path, detail=exc) from exc


def _words_pattern(words: list[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex for whole words or phrases (None for an empty list)."""
    alts = sorted((re.escape(str(w)).replace(r"\ ", r"\s+") for w in words), key=len, reverse=True)
    return re.compile(rf"(?<![\w-])(?:{'|'.join(alts)})(?![\w-])", re.I) if alts else None


def _digest(paths: Iterable[Path]) -> str:
    # the tokenizer's rules are code, not config: their revision is part of the version
    h = hashlib.sha256(f"{CODE_VERSION}|{nlp.tokenizer.TOKENIZER_REVISION}".encode())
    for p in sorted(paths):
        if p.is_dir():
            for child in sorted(p.glob("*")):
                if child.is_file():
                    h.update(child.name.encode() + child.read_bytes())
        elif p.exists():
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()[:12]


def build_nlp(settings: Settings, config_dir: Path) -> Language:
    """The spaCy pipeline assembled from ``pipeline.cfg``."""
    if not settings.pipeline.exists():
        raise ExtractionError("E004", path=settings.pipeline)
    if not (settings.gazetteer_dir / "substances.yaml").exists():
        raise ExtractionError("E001", path=settings.gazetteer_dir / "substances.yaml")
    words = config_dir / "gazetteer" / "common_words.txt"
    overrides = {
        "paths.config_dir": str(config_dir),
        "paths.gazetteer_dir": str(settings.gazetteer_dir),
        "paths.common_words": str(words) if words.exists() else None,
    }
    config = spacy.util.load_config(settings.pipeline, overrides=overrides, interpolate=True)
    return spacy.util.load_model_from_config(config, auto_fill=True)


class _LazyZone:
    """A batch's memory zone, entered only when a record of the batch needs the pipeline."""

    def __init__(self, zone: Callable[[], AbstractContextManager[object]]) -> None:
        self._zone = zone
        self._stack = contextlib.ExitStack()
        self._entered = False

    def enter(self) -> None:
        if not self._entered:
            self._stack.enter_context(self._zone())
            self._entered = True

    def __enter__(self) -> _LazyZone:
        return self

    def __exit__(self, *exc: object) -> bool | None:
        return self._stack.__exit__(*exc)  # type: ignore[arg-type]


class _Run:
    """Aggregated warnings over one batch of records (one log line, not one per document)."""

    def __init__(self) -> None:
        self.missing_rates: Counter[str] = Counter()

    def report(self) -> None:
        if self.missing_rates:
            log.warning(Warnings.W002.format(count=sum(self.missing_rates.values()),
                                             currencies=", ".join(sorted(self.missing_rates))))


class Extractor:
    """Extracts substances, NPS candidates, shipping, price, quantity, vendor and language."""

    def __init__(self, nlp: Language, settings: Settings, rates: RateBook, version: str) -> None:
        self.nlp = nlp
        self.settings = settings
        self.rates = rates
        self._version = version
        self.gazette = pl.load_gazette(settings.places_dir)
        self._origin_field = functools.lru_cache(maxsize=settings.places_cache)(self._parse_origin_field)
        self._dest_field = functools.lru_cache(maxsize=settings.places_cache)(self._parse_dest_field)
        self._price_field = functools.lru_cache(maxsize=settings.places_cache)(find_prices)
        # the place entities of a (ships_from, ships_to) pair, and places read from titles and
        # descriptions: markets repeat all of them from listing to listing
        self._field_places = functools.lru_cache(maxsize=settings.places_cache)(self._parse_field_places)
        self._text_origin = functools.lru_cache(maxsize=settings.places_cache)(self._parse_text_origin)
        self._text_dests = functools.lru_cache(maxsize=settings.places_cache)(self._parse_text_dests)
        self._price_memo: BoundedMemo[tuple[float, str, str, date], _PriceFacts] = BoundedMemo(settings.places_cache)
        self._product_titles: BoundedMemo[str, bool] = BoundedMemo(settings.places_cache)  # title -> non-drug?
        substances = nlp.get_pipe("substances") if "substances" in nlp.pipe_names else None
        self._gz = getattr(substances, "gz", None)
        self._run = _Run()
        self._batches = 0
        self._memo: dict[tuple[str, int, str], Found] = {}
        self._memo_used: set[tuple[str, int, str]] = set()  # keys met since load_memo (what save_memo keeps)

    @classmethod
    def from_config(cls, config_dir: Path = DEFAULT_CONFIG, *, gazetteer_dir: Path | None = None,
                    crypto_csv: Path | None = None) -> Extractor:
        """Build the extractor from ``config_dir`` (default: the repository's ``config/``)."""
        compiled.warn_if_stale()
        config_dir = Path(config_dir).resolve()
        settings = Settings.load(config_dir, gazetteer_dir=gazetteer_dir, crypto_csv=crypto_csv)
        nlp_ = build_nlp(settings, config_dir)
        version = _digest([config_dir / "nlp", settings.places_dir, settings.gazetteer_dir / "substances.yaml",
                           settings.gazetteer_dir / "not_substances.yaml",
                           settings.gazetteer_dir / "confirmed.yaml", config_dir / "gazetteer" / "common_words.txt"])
        rates = RateBook(CryptoRates.from_csv(settings.crypto_csv))
        return cls(nlp_, settings, rates, f"nlp-{CODE_VERSION}+{version}")

    @property
    def version(self) -> str:
        """Changes whenever the pipeline config, gazetteer or place tables change."""
        return self._version

    # -- the memo of analysed texts, across processes ------------------------------------------
    def load_memo(self, path: Path) -> int:
        """Start a crawl with the analyses :meth:`save_memo` kept at the end of the last one.

        A scheduled crawl is a fresh process, so the in-memory memo (see ``_analyse``) would start
        empty every week; this file carries it over. It replaces what the memo holds: a source's
        texts are only ever met again on that source. A missing, unreadable or other-version file
        starts the memo empty (it is a cache: nothing is lost but time). The file is written by
        this code under the narcoscope home, and trusted like the store beside it.
        """
        self._memo, self._memo_used = {}, set()
        if self.settings.memo_size <= 0 or not path.exists():
            return 0
        try:
            with path.open("rb") as fh:
                version, entries = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError) as exc:
            log.info("extraction memo %s unreadable (%s); starting empty", path, exc)
            return 0
        if version != self._version:
            return 0
        self._memo = dict(entries[-self.settings.memo_size:])
        return len(self._memo)

    def save_memo(self, path: Path) -> int:
        """Keep the analyses of the texts met since :meth:`load_memo` (what this source shows now)
        for the next crawl; written atomically, so a killed crawl leaves the previous file."""
        if self.settings.memo_size <= 0:
            return 0
        entries = [(k, f) for k, f in self._memo.items() if k in self._memo_used]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with tmp.open("wb") as fh:
                pickle.dump((self._version, entries), fh, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)
        except OSError as exc:
            log.warning("could not keep the extraction memo in %s: %s", path, exc)
            return 0
        return len(entries)

    # -- public API -------------------------------------------------------------------------
    def extract_listing(self, listing: Listing, observed_at: datetime) -> Extraction:
        """One listing (the crawler's per-page call); memory-zoned like :meth:`extract_many`."""
        return self._batch([listing], observed_at)[0]

    def extract_post(self, post: Post, observed_at: datetime) -> Extraction:
        """One forum post; memory-zoned like :meth:`extract_many`."""
        return self._batch([post], observed_at)[0]

    def extract_many(self, records: Iterable[Listing | Post], observed_at: datetime) -> Iterator[Extraction]:
        """Extract a stream of records in batches; each batch runs in ``nlp.memory_zone()``."""
        batch: list[Listing | Post] = []
        for rec in records:
            if not isinstance(rec, (Listing, Post)):
                raise ExtractionError("E009", kind=type(rec).__name__)
            batch.append(rec)
            if len(batch) >= self.settings.batch_size:
                yield from self._batch(batch, observed_at)
                batch = []
        if batch:
            yield from self._batch(batch, observed_at)
        self._run.report()
        self._run = _Run()

    def _zone(self) -> AbstractContextManager[object]:
        """``nlp.memory_zone()``, except for a learning batch now and then.

        Inside a memory zone spaCy does not write its tokenizer cache, and uncached tokenization
        is ~20x slower. So every ``learn_every``-th batch runs outside the zone, teaching the cache
        the market vocabulary, until the string store holds ``learn_max_strings``; from then on
        every batch is zoned, so a long-running crawler's memory stays bounded.
        """
        self._batches += 1
        learning = (self.settings.learn_every > 0 and (self._batches - 1) % self.settings.learn_every == 0
                    and len(self.nlp.vocab.strings) < self.settings.learn_max_strings)
        return contextlib.nullcontext() if learning else self.nlp.memory_zone()

    def _batch(self, batch: list[Listing | Post], observed_at: datetime) -> list[Extraction]:
        # The batch goes through the pipeline stage by stage (every doc tokenised, then each
        # component over every doc, then the records), as ``nlp.pipe`` would but without its
        # generator per component: each stage's code and tables stay in the CPU caches for the
        # whole batch, where one record at a time through all of them evicts them. That is ~10-15%
        # faster than record by record on this machine's 1 MB L2, and smaller batches fit it better
        # (``batch_size``). The memory zone is entered only when some text needs the pipeline: a
        # batch of re-sighted texts (see _analyse) creates no Doc and needs none.
        texts = [(rec.title, rec.description, "listing") if isinstance(rec, Listing)
                 else (rec.thread_title, rec.body, "post") for rec in batch]
        with _LazyZone(self._zone) as zone:
            findings = self._analyse(texts, zone)
            return [self._listing_result(rec, f, observed_at) if isinstance(rec, Listing)
                    else self._post_result(rec, f, observed_at) for rec, f in zip(batch, findings, strict=True)]

    def _analyse(self, texts: list[tuple[str, str, str]], zone: _LazyZone) -> list[Found]:
        """What the pipeline finds in each record's text (head, body, kind), analysed once per distinct text.

        Markets and forums are re-crawled every week and show mostly the same listings and posts
        again; their prices, stock and sidebar change, their text rarely does. The pipeline's
        findings depend on the text alone (the kind and title length included in the key), so a
        re-sighted text skips tokenising and every component; the record's fields (price,
        places, vendor) are read afresh each time. The memo keeps the findings only, not the
        token arrays, and is emptied when it holds ``memo_size`` texts (0 turns it off; a text
        repeated within one batch is still analysed once).
        """
        memo, memo_on = self._memo, self.settings.memo_size > 0
        keys = []
        out: list[Found | None] = []
        todo: dict[tuple[str, int, str], None] = {}  # in order of first sighting
        for head, body, kind in texts:
            key = (kind, len(head), f"{head}{SEP}{body}" if body else head)  # (kind, title length, text)
            f = memo.get(key)
            keys.append(key)
            out.append(f)
            if memo_on:
                self._memo_used.add(key)
            if f is None:
                todo[key] = None
        if not todo:
            return out  # type: ignore[return-value]  # every record's findings came from the memo
        zone.enter()
        docs = [self._make_doc(text, title_len, kind) for kind, title_len, text in todo]
        for _, proc in self.nlp.pipeline:
            docs = [proc(doc) for doc in docs]
        fresh = dict(zip(todo, map(found, docs), strict=True))
        if memo_on:  # the memo's findings stand for the record from its first sighting on
            for key, f in fresh.items():
                if len(memo) >= self.settings.memo_size:
                    memo.clear()
                    self._memo_used = {key}
                memo[key] = fresh[key] = Found(text=f.text, orth=(), lower=(), idx=(), length=(), flags=(),
                                               measures=f.measures, hits=f.hits, lang=f.lang, kind=key[0],
                                               title_end=key[1])
        return [f if f is not None else fresh[key] for f, key in zip(out, keys, strict=True)]

    # -- documents --------------------------------------------------------------------------
    def _make_doc(self, text: str, title_len: int, kind: str) -> Doc:
        """The doc of a record's text: its title, then ``SEP`` and its body when it has one."""
        doc = self.nlp.make_doc(text)
        doc.user_data["ns_text"] = text
        doc.user_data["ns_kind"] = kind
        doc.user_data["ns_title_end"] = title_len
        if len(text) > title_len:
            doc.user_data["ns_lang_range"] = (title_len + len(SEP), len(text))
        return doc

    def _listing_doc(self, listing: Listing) -> Doc:
        head, body = listing.title, listing.description
        return self._make_doc(f"{head}{SEP}{body}" if body else head, len(head), "listing")

    # -- results ----------------------------------------------------------------------------
    def _listing_result(self, listing: Listing, doc: Doc | Found, observed_at: datetime) -> Extraction:
        f = found(doc)
        split = len(listing.title)
        hits = sorted(f.hits, key=_START) if len(f.hits) > 1 else f.hits
        ents = self._text_entities(hits, f, split, ("title", "description"))
        ex = self._base(listing.doc_id, hits, f)
        self._listing_places(listing, ex, ents)
        self._listing_price(listing, f, split, ex, ents, observed_at)
        self._listing_quantity(listing, f, split, ex, ents)
        if self._sells_nondrug_product(listing, f, split):
            ents = [replace(e, label="TOPIC_MENTION") if e.label == "SUBSTANCE" else e for e in ents]
            ex.substances = ex.classes = ()
        self._drop_amounts_without_drug(ex)
        vendor = listing.vendor.strip()
        ex.vendor = vendor or self._vendor_in_text(listing.description)
        if vendor:
            ents.append(_entity("VENDOR", vendor, 0, len(vendor), "vendor", vendor, _NO_ATTRS))
        ex.entities = tuple(ents)
        return ex

    def _post_result(self, post: Post, doc: Doc | Found, observed_at: datetime) -> Extraction:
        f = found(doc)
        split = len(post.thread_title)
        hits = sorted(f.hits, key=_START)
        ents = self._text_entities(hits, f, split, ("thread_title", "body"))
        ex = self._base(post.doc_id, hits, f)
        # the thread title first, as a listing's title comes before its description ("… from India")
        for field, text in (("thread_title", post.thread_title), ("body", post.body)):
            origin = pl.origin_from_text(text, self.gazette)
            if origin:
                ex.ships_from = origin.code
                ents.append(Entity("ORIGIN", origin.text, origin.start, origin.end, field, origin.code))
                break
        vendors = self._vendors_in_text(post.body, title=post.thread_title)
        for name, start, end in vendors:
            ents.append(Entity("VENDOR", name, start, end, "body", name))
        seen = {v[0].casefold() for v in vendors}
        titled: dict[str, tuple[str, int, int]] = {}
        for m in _HANDLE.finditer(post.thread_title):  # a review thread's title names the vendor
            self._add_vendor(titled, m["v"], m.start("v"))
        for name, start, end in titled.values():
            if name.casefold() not in seen:
                ents.append(Entity("VENDOR", name, start, end, "thread_title", name))
                vendors.append((name, start, end))
        ex.vendor = vendors[0][0] if vendors else ""
        amounts = [m for m in f.measures if isinstance(m, Amount)]
        h = headline(amounts)
        ex.quantity_g, ex.units = h.quantity_g, h.units
        off = split + len(SEP)
        self._set_price(ex, [(m, "thread_title", 0) if m.start < split else (m, "body", off)
                             for m in f.measures if type(m) is Price], ents, observed_at)
        ex.entities = tuple(ents)
        return ex

    def _base(self, doc_id: str, hits: list[Hit], f: Found) -> Extraction:
        """The record's substance, class and candidate lists from its hits (in text order)."""
        subs: dict[str, None] = {}
        cands: dict[str, None] = {}
        for h in hits:
            if h[0] == "SUBSTANCE":
                subs[h[3]] = None
            elif h[0] == "NPS_CANDIDATE":
                cands[h[3]] = None
        classes: tuple[str, ...] = ()
        if self._gz is not None and subs:
            known = self._gz.substances
            classes = tuple(dict.fromkeys(known[s].cls for s in subs if s in known))
        return Extraction(doc_id=doc_id, extractor_version=self._version, substances=tuple(subs),
                          classes=classes, candidates=tuple(cands), lang=f.lang)

    @staticmethod
    def _text_entities(hits: list[Hit], f: Found, split: int, names: tuple[str, str]) -> list[Entity]:
        """Entities for the pipeline's hits (sorted by start) and amounts, offsets in their field."""
        ents = []
        text = f.text
        head, body, off = names[0], names[1], split + len(SEP)
        for label, s, e, value, attrs in hits:
            if s < split:
                ents.append(_entity(label, text[s:e], s, e, head, value, attrs))
            else:
                ents.append(_entity(label, text[s:e], s - off, e - off, body, value, attrs))
        for m in f.measures:
            if type(m) is Amount:
                attrs = _AMOUNT_ATTRS.get((m.kind, m.unit)) or _amount_attrs(m.kind, m.unit)
                if m.count is not None:
                    attrs += (("count", _value_text(m.count)),)
                label = "DOSE" if m.kind == "DOSE" else "QUANTITY"
                if m.start < split:
                    ents.append(_entity(label, m.text, m.start, m.end, head, _value_text(m.value), attrs))
                else:
                    ents.append(_entity(label, m.text, m.start - off, m.end - off, body, _value_text(m.value), attrs))
        return ents

    # -- places -----------------------------------------------------------------------------
    def _parse_origin_field(self, text: str) -> pl.Place | None:
        return pl.parse_origin_field(text, self.gazette)

    def _parse_dest_field(self, text: str) -> tuple[pl.Place, ...]:
        return tuple(pl.parse_destinations_field(text, self.gazette))

    def _parse_field_places(self, ships_from: str, ships_to: str) -> _FieldPlaces:
        """What the structured fields say: the origin (None: they do not say), its entities, the
        destination codes (empty: they do not say) and their entities."""
        origin = self._origin_field(ships_from)
        o_ents = (_entity("ORIGIN", origin.text, origin.start, origin.end, "ships_from", origin.code, _NO_ATTRS),
                  ) if origin is not None else ()
        dests, d_field = list(self._dest_field(ships_to)), "ships_to"
        if not dests:
            route = pl.split_route(ships_from, self.gazette)
            dests, d_field = (route[1] if route else []), "ships_from"
        d_ents = tuple(_entity("DESTINATION", p.text, p.start, p.end, d_field, p.code, _NO_ATTRS) for p in dests)
        return origin.code if origin is not None else None, o_ents, tuple(pl.codes(dests)), d_ents

    def _parse_text_origin(self, text: str) -> pl.Place | None:
        return pl.origin_from_text(text, self.gazette)

    def _parse_text_dests(self, text: str) -> tuple[pl.Place, ...]:
        return tuple(pl.destinations_from_text(text, self.gazette))

    def _listing_places(self, listing: Listing, ex: Extraction, ents: list[Entity]) -> None:
        origin_code, o_ents, dest_codes, d_ents = self._field_places(listing.ships_from, listing.ships_to)
        if origin_code is not None:
            ex.ships_from = origin_code
            ents += o_ents
        else:
            origin, o_field = self._text_origin(listing.title), "title"
            if origin is None:
                origin, o_field = self._text_origin(listing.description), "description"
            if origin is not None:
                ex.ships_from = origin.code
                ents.append(_entity("ORIGIN", origin.text, origin.start, origin.end, o_field, origin.code, _NO_ATTRS))
        if dest_codes:
            ex.ships_to = dest_codes
            ents += d_ents
            return
        dests, d_field = self._text_dests(listing.title), "title"
        if not dests:
            dests, d_field = self._text_dests(listing.description), "description"
        ex.ships_to = tuple(pl.codes(list(dests)))
        for p in dests:
            ents.append(_entity("DESTINATION", p.text, p.start, p.end, d_field, p.code, _NO_ATTRS))

    # -- prices and quantities ---------------------------------------------------------------
    def _listing_price(self, listing: Listing, f: Found, split: int, ex: Extraction, ents: list[Entity],
                       observed_at: datetime) -> None:
        shown: list[tuple[Price, str, int]] = []
        for display in listing.prices:
            shown += [(p, "price", 0) for p in self._price_field(display.text)]
        for m in f.measures:
            if type(m) is Price:
                shown.append((m, "title", 0) if m.start < split else (m, "description", split + len(SEP)))
        self._set_price(ex, shown, ents, observed_at)

    def _set_price(self, ex: Extraction, prices: list[tuple[Price, str, int]], ents: list[Entity],
                   observed_at: datetime) -> None:
        """PRICE entities for (price, field, offset of the field in the doc); the first price in a
        headline currency is the record's price."""
        if not prices:
            return
        headline_currencies = self.settings.headline_currencies
        head = next((p for p, _, _ in prices if p.currency in headline_currencies), None)
        day = observed_at.date()
        for p, name, off in prices:
            conv, attrs, head_attrs, value = self._price_attrs(p.amount, p.currency, p.written_currency, day)
            if conv is None:
                self._run.missing_rates[p.currency] += 1
            if p is head:
                attrs = head_attrs
                ex.price_amount, ex.price_currency = p.amount, p.currency
                ex.price_usd = round(conv.usd, 2) if conv is not None else None
            ents.append(_entity("PRICE", p.text, p.start - off, p.end - off, name, value, attrs))

    def _price_attrs(self, amount: float, currency: str, written: str, day: date) -> _PriceFacts:
        """The USD conversion of a price, its entity attributes (without and with the headline
        mark) and its value text, memoised: markets repeat the same prices, and formatting the
        attributes costs more than looking them up."""
        key = (amount, currency, written, day)
        hit = self._price_memo.get(key)
        if hit is None:
            conv = self.rates.to_usd(amount, currency, day)
            attrs: tuple[tuple[str, str], ...] = (("currency", currency), ("written", written))
            if conv is not None:
                attrs += (("usd", f"{conv.usd:.2f}"), ("rate", f"{conv.rate:.8g}"),
                          ("rate_date", conv.rate_date.isoformat()), ("rate_source", conv.source))
            hit = self._price_memo.put(key, (conv, attrs, attrs + _HEADLINE, f"{amount:g}"))
        return hit

    def _listing_quantity(self, listing: Listing, f: Found, split: int, ex: Extraction,
                          ents: list[Entity]) -> None:
        for display in listing.prices:
            if display.quantity:
                h = headline(find_amounts(display.quantity))
                if h.quantity_g is not None or h.units is not None:
                    ex.quantity_g, ex.units = h.quantity_g, h.units
                    return
        amounts = [m for m in f.measures if type(m) is Amount]
        h = headline([a for a in amounts if a.start < split])
        if h.quantity_value is None and h.units is None:
            h = headline([a for a in amounts if a.start >= split])
        ex.quantity_g, ex.units = h.quantity_g, h.units

    def _sells_nondrug_product(self, listing: Listing, f: Found, split: int) -> bool:
        """A guide, e-book or test kit *about* a drug: a non-drug product word in the title and no
        drug amount there (a listing selling "1g MDMA + reagent test kit" still sells MDMA)."""
        rx = self.settings.nondrug_products
        if rx is None:
            return False
        product = self._product_titles.get(listing.title)  # titles repeat; the regex is a long alternation
        if product is None:
            product = self._product_titles.put(listing.title, rx.search(listing.title) is not None)
        if not product:
            return False
        return not any(isinstance(m, Amount) and m.start < split for m in f.measures)

    @staticmethod
    def _drop_amounts_without_drug(ex: Extraction) -> None:
        """Quantities describe what a price buys *of a drug*: none for a 10-pack of T-shirts."""
        if not ex.substances and not ex.candidates:
            ex.quantity_g = ex.units = None

    # -- vendors ----------------------------------------------------------------------------
    def _vendors_in_text(self, text: str, *, title: str = "") -> list[tuple[str, int, int]]:
        """Vendor names: explicit ("vendor X", "@X", "X's shop") or a handle-shaped word after a
        seller cue ("from X", "bei X") or named in the thread title."""
        out: dict[str, tuple[str, int, int]] = {}
        for rx in _VENDOR_PATTERNS:
            for m in rx.finditer(text):
                self._add_vendor(out, m["v"], m.start("v"))
        titled = {m["v"].casefold() for m in _HANDLE.finditer(title)}
        rest_of: list[re.Match[str]] = []  # handle-shaped words without a cue of their own
        for m in _HANDLE.finditer(text):
            before = text[max(0, m.start() - 25):m.start()].casefold().split()[-2:]
            rest = text[m.end():m.end() + 12].casefold()
            after = rest[:2] if rest[:2] in ("'s", "’s") else (rest.split() or [""])[0].strip(".,;:!")
            if (m["v"].casefold() in titled or any(w.strip(":,;—-") in _HANDLE_CUES for w in before)
                    or after in _HANDLE_AFTER):
                self._add_vendor(out, m["v"], m.start("v"))
            else:
                rest_of.append(m)
        # A handle listed with a vendor ("vendors like DutchChampagne and AcidAlchemist", "(SnowWhiteUS,
        # MiamiVice, RaincityCoke)") is one too: the list shares the cue its first member had.
        while rest_of:
            named = {(v[1], v[2]) for v in out.values()}
            listed = [m for m in rest_of if any(
                _LISTED.fullmatch(text[e:m.start("v")]) or _LISTED.fullmatch(text[m.end("v"):s]) for s, e in named)]
            if not listed:
                break
            for m in listed:
                self._add_vendor(out, m["v"], m.start("v"))
                rest_of.remove(m)
        return sorted(out.values(), key=lambda v: v[1])

    def _add_vendor(self, out: dict[str, tuple[str, int, int]], raw: str, start: int) -> None:
        name = raw.rstrip(".-")
        low = name.casefold()
        gz = self._gz
        if gz is not None and (low in gz.common_words or low in gz.known_forms):
            return
        if low in self.settings.not_vendors or name.isdigit():
            return
        out.setdefault(low, (name, start, start + len(name)))

    def _vendor_in_text(self, text: str) -> str:
        found_ = self._vendors_in_text(text)
        return found_[0][0] if found_ else ""
