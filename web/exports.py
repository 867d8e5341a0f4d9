"""Exports of a search: CSV, JSON lines, a STIX 2.1 bundle and a MISP event, with TLP marking.

* CSV cells that a spreadsheet would run as a formula (starting with = + - @ tab or CR) get a
  leading ``'`` — scraped titles are attacker-controlled.
* STIX: each listing is an ``observed-data`` (first/last seen) over the listing's ``url``
  observable, described by a ``note`` carrying the listing's facts; vendors are ``threat-actor``
  objects (criminal); substances are a custom SDO ``x-narcoscope-substance`` declared by an
  ``extension-definition`` (STIX 2.1's way to add object types); ``related-to`` relationships join
  them. Every object carries the chosen TLP marking and is created by the narcoscope identity.
* MISP: one event tagged ``tlp:<level>``, one ``narcoscope-listing`` object per listing (url,
  title, vendor as threat-actor, substances, price) with ``to_ids`` off: these are observations,
  not detection indicators.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

import stix2
from pymisp import MISPEvent, MISPObject

from index.documents import IndexDoc, to_json

TLP_LEVELS = ("clear", "green", "amber", "red")
STIX_TLP = {"clear": stix2.TLP_WHITE, "green": stix2.TLP_GREEN, "amber": stix2.TLP_AMBER, "red": stix2.TLP_RED}
CSV_COLUMNS = ("doc_id", "kind", "source", "title", "vendor", "substances", "classes", "candidates",
               "ships_from", "ships_to", "price_display", "price_usd", "price_amount", "currency", "quantity_g",
               "first_seen", "last_seen", "url", "page_digest")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

IDENTITY = stix2.Identity(id="identity--6f2f5a0e-0b8e-5d0a-9e53-6e6172636f73", name="narcoscope",
                          identity_class="system", created="2026-01-01T00:00:00.000Z",
                          modified="2026-01-01T00:00:00.000Z",
                          description="narcoscope darknet drug-market monitor")
SUBSTANCE_EXTENSION_ID = "extension-definition--3f1c7a2e-9b0d-4c55-8a61-6e6172636f01"
SUBSTANCE_EXTENSION = stix2.ExtensionDefinition(
    id=SUBSTANCE_EXTENSION_ID, created_by_ref=IDENTITY.id, name="narcoscope substance",
    description="A psychoactive substance as identified by narcoscope's gazetteer (canonical id and class).",
    # STIX 2.1 allows the normative definition as plain text instead of a URL.
    schema=("x-narcoscope-substance: an SDO with name (string, required: display name), substance_id "
            "(string, required: narcoscope gazetteer id) and substance_class (string: gazetteer class id)."),
    version="1.0.0", extension_types=["new-sdo"],
    created="2026-01-01T00:00:00.000Z", modified="2026-01-01T00:00:00.000Z")


@stix2.CustomObject("x-narcoscope-substance", [
    ("name", stix2.properties.StringProperty(required=True)),
    ("substance_id", stix2.properties.StringProperty(required=True)),
    ("substance_class", stix2.properties.StringProperty()),
], extension_name=SUBSTANCE_EXTENSION_ID)
class NarcoscopeSubstance:
    """Custom STIX SDO for a substance (declared by SUBSTANCE_EXTENSION)."""


def neutralise(value: Any) -> str:
    """A CSV cell a spreadsheet will show as text, never evaluate."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(docs: Iterable[IndexDoc]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for doc in docs:
        data = to_json(doc)
        writer.writerow([neutralise(";".join(data[c]) if isinstance(data[c], list) else data[c])
                         for c in CSV_COLUMNS])
    return buf.getvalue()


def to_jsonl(docs: Iterable[IndexDoc]) -> str:
    return "".join(json.dumps(to_json(d), ensure_ascii=False, sort_keys=True) + "\n" for d in docs)


def _stix_time(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def to_stix(docs: list[IndexDoc], tlp: str, names: dict[str, tuple[str, str]] | None = None) -> str:
    """A STIX 2.1 bundle; ``names`` maps substance id -> (display name, class) from the gazetteer."""
    marking = STIX_TLP[tlp]
    common = {"created_by_ref": IDENTITY.id, "object_marking_refs": [marking.id]}
    objects: list[Any] = [IDENTITY, marking, SUBSTANCE_EXTENSION]
    actors: dict[str, Any] = {}
    substances: dict[str, Any] = {}
    for doc in docs:
        url = stix2.URL(value=doc.url or f"urn:narcoscope:{doc.doc_id}", object_marking_refs=[marking.id])
        observed = stix2.ObservedData(first_observed=_stix_time(doc.first_seen),
                                      last_observed=_stix_time(doc.last_seen),
                                      number_observed=1, object_refs=[url.id], **common)
        note = stix2.Note(abstract=doc.title[:250] or doc.doc_id, content=_note_content(doc),
                          object_refs=[observed.id], authors=["narcoscope"], **common)
        objects += [url, observed, note]
        if doc.vendor:
            key = doc.vendor.casefold()
            if key not in actors:
                actors[key] = stix2.ThreatActor(name=doc.vendor, threat_actor_types=["criminal"],
                                                description=f"Vendor seen on {doc.source}", **common)
            objects.append(stix2.Relationship(actors[key], "related-to", observed, **common))
        for sid in doc.substances:
            if sid not in substances:
                name, cls = (names or {}).get(sid, (sid, ""))
                substances[sid] = NarcoscopeSubstance(  # type: ignore[call-arg]  # properties set by the decorator
                    name=name, substance_id=sid, substance_class=cls, **common)
            # A reference to a custom type is custom content: allowed explicitly, here only.
            objects.append(stix2.Relationship(observed, "related-to", substances[sid], allow_custom=True, **common))
    objects += list(actors.values()) + list(substances.values())
    return str(stix2.Bundle(objects=objects, allow_custom=True).serialize(pretty=False))


def _note_content(doc: IndexDoc) -> str:
    facts = {
        "narcoscope_doc_id": doc.doc_id, "kind": doc.kind, "source": doc.source, "vendor": doc.vendor,
        "substances": doc.substances, "classes": doc.classes, "ships_from": doc.ships_from,
        "ships_to": doc.ships_to, "price_display": doc.price_display, "price_usd": doc.price_usd,
        "quantity_g": doc.quantity_g, "page_digest": doc.page_digest,
    }
    return json.dumps(facts, ensure_ascii=False, sort_keys=True)


def to_misp(docs: list[IndexDoc], tlp: str, info: str) -> str:
    event = MISPEvent()
    event.info = info[:250]
    event.distribution = 0  # this organisation only; the analyst widens it in MISP
    event.threat_level_id = 4
    event.analysis = 2
    event.add_tag(f"tlp:{tlp}")
    event.add_tag("narcoscope:export")
    for doc in docs:
        obj = MISPObject("narcoscope-listing", strict=False, standalone=False)
        obj.comment = doc.title[:250]
        obj.first_seen = _stix_time(doc.first_seen)
        obj.last_seen = _stix_time(doc.last_seen)
        if doc.url:
            obj.add_attribute("url", value=doc.url, type="url", to_ids=False)
        obj.add_attribute("title", value=doc.title or doc.doc_id, type="text", to_ids=False)
        obj.add_attribute("market", value=doc.source, type="text", to_ids=False)
        if doc.vendor:
            obj.add_attribute("vendor", value=doc.vendor, type="threat-actor", to_ids=False)
        for sid in doc.substances:
            obj.add_attribute("substance", value=sid, type="text", to_ids=False)
        if doc.price_usd is not None:
            obj.add_attribute("price-usd", value=f"{doc.price_usd:.2f}", type="float", to_ids=False)
        if doc.ships_from:
            obj.add_attribute("ships-from", value=doc.ships_from, type="text", to_ids=False)
        if doc.page_digest:
            obj.add_attribute("evidence-sha256", value=doc.page_digest, type="sha256", to_ids=False)
        event.add_object(obj)
    return str(event.to_json())
