"""Check a built ``substances.yaml`` against the gazetteer contract.

Why: the NLP extractor, the demo sites and the gold set rely on fixed ids, fixed class keys and
one id per synonym; this module states those rules once, for the tests and for CI
(``python -m tools.gazetteer.validate``; exit status 1 on any error).
"""

from __future__ import annotations

import argparse
import logging
import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from tools.gazetteer.curated import load_not_substances
from tools.gazetteer.normalize import match_key, surface_key

LOG = logging.getLogger(__name__)

CLASS_KEYS: frozenset[str] = frozenset(
    [
        "cannabis",
        "synthetic_cannabinoid",
        "semi_synthetic_cannabinoid",
        "cocaine",
        "amphetamine_type",
        "mdma_type",
        "synthetic_cathinone",
        "opioid",
        "fentanyl_analogue",
        "nitazene",
        "other_synthetic_opioid",
        "benzodiazepine",
        "designer_benzodiazepine",
        "z_drug_and_sedative",
        "gabapentinoid",
        "arylcyclohexylamine",
        "other_dissociative",
        "tryptamine",
        "phenethylamine",
        "lysergamide",
        "ghb_type",
        "plant_based",
        "stimulant_other",
        "other",
    ]
)
REQUIRED_IDS: frozenset[str] = frozenset(
    [
        "cannabis",
        "cannabis-resin",
        "cannabis-concentrate",
        "cannabis-edible",
        "cocaine",
        "crack-cocaine",
        "amphetamine",
        "methamphetamine",
        "mdma",
        "ketamine",
        "heroin",
        "oxycodone",
        "fentanyl",
        "tramadol",
        "codeine",
        "morphine",
        "methadone",
        "buprenorphine",
        "alprazolam",
        "diazepam",
        "clonazepam",
        "lorazepam",
        "lsd",
        "psilocybin-mushrooms",
        "psilocybin",
        "dmt",
        "mescaline",
        "2c-b",
        "2c-i",
        "25i-nbome",
        "ghb",
        "gbl",
        "3-mmc",
        "4-mmc",
        "3-cmc",
        "4-cmc",
        "a-pvp",
        "eutylone",
        "2-fdck",
        "3-meo-pcp",
        "1p-lsd",
        "4-ho-met",
        "mdmb-4en-pinaca",
        "adb-butinaca",
        "hhc",
        "hhc-p",
        "thcp",
        "protonitazene",
        "metonitazene",
        "isotonitazene",
        "n-pyrrolidino-protonitazene",
        "etizolam",
        "flualprazolam",
        "clonazolam",
        "bromazolam",
        "pregabalin",
        "zopiclone",
    ]
)
MIN_SUBSTANCES = 800
SOURCES = frozenset({"curated", "variant", "dope", "dea", "dea_controlled"})
KINDS = frozenset({"name", "brand", "slang", "spelling", "strain"})
FORBIDDEN_TAIL = "pxinaca"  # fictional substance planted by the demo to test novelty detection
_ID = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$")
_SUB_KEYS = {"id", "name", "class", "nps", "synonyms"}
_SUB_OPTIONAL = {"generic", "controlled", "ambiguous_name", "role"}


def _check_substance(sub: dict[str, Any], classes: dict[str, Any]) -> list[str]:
    where = f"substance {sub.get('id')!r}"
    errors = []
    keys = set(sub)
    if not keys >= _SUB_KEYS or keys - _SUB_KEYS - _SUB_OPTIONAL:
        errors.append(f"{where}: keys {sorted(keys)}")
    if not isinstance(sub.get("id"), str) or not _ID.match(sub["id"]):
        errors.append(f"{where}: id does not follow the convention")
    if sub.get("class") not in classes:
        errors.append(f"{where}: class {sub.get('class')!r} not declared")
    if not isinstance(sub.get("nps"), bool) or not isinstance(sub.get("name"), str):
        errors.append(f"{where}: nps must be bool and name a string")
    for syn in sub.get("synonyms", []):
        if not isinstance(syn.get("text"), str) or syn.get("source") not in SOURCES:
            errors.append(f"{where}: bad synonym {syn!r}")
        elif syn.get("kind") not in (None, *KINDS) or set(syn) - {"text", "source", "kind", "ambiguous", "also"}:
            errors.append(f"{where}: bad synonym keys/kind {syn!r}")
    return errors


def _all_names(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """(text, id) for every name and synonym."""
    out = []
    for sub in doc["substances"]:
        out.append((sub["name"], sub["id"]))
        out += [(syn["text"], sub["id"]) for syn in sub["synonyms"]]
    return out


def _check_uniqueness(doc: dict[str, Any], not_substances: list[str]) -> list[str]:
    errors = []
    ids = Counter(s["id"] for s in doc["substances"])
    errors += [f"duplicate id {i!r}" for i, n in ids.items() if n > 1]
    owner: dict[str, str] = {}
    surfaces: Counter[tuple[str, str]] = Counter()
    blocked = {match_key(t) for t in not_substances}
    for text, sid in _all_names(doc):
        key = match_key(text)
        surfaces[(sid, surface_key(text))] += 1
        if owner.setdefault(key, sid) != sid:
            errors.append(f"synonym {text!r} maps to {owner[key]!r} and {sid!r}")
        if key in blocked:
            errors.append(f"{text!r} ({sid}) is listed in not_substances")
        if FORBIDDEN_TAIL in key:
            errors.append(f"{text!r} ({sid}) contains the forbidden demo name")
    errors += [f"duplicate synonym {k!r}" for k, n in surfaces.items() if n > 1]
    return errors


def validate(doc: dict[str, Any], not_substances: list[str]) -> list[str]:
    """Return every contract violation found in ``doc`` (empty list: valid)."""
    errors = []
    classes = doc.get("classes", {})
    if set(classes) != CLASS_KEYS:
        errors.append(f"class keys differ: {sorted(set(classes) ^ CLASS_KEYS)}")
    if not isinstance(doc.get("version"), str):
        errors.append("version must be a string")
    subs = doc.get("substances", [])
    if len(subs) < MIN_SUBSTANCES:
        errors.append(f"only {len(subs)} substances (< {MIN_SUBSTANCES})")
    for sub in subs:
        errors += _check_substance(sub, classes)
    missing = REQUIRED_IDS - {s.get("id") for s in subs}
    if missing:
        errors.append(f"required ids missing: {sorted(missing)}")
    if [s.get("id") for s in subs] != sorted(s.get("id") for s in subs):
        errors.append("substances are not sorted by id")
    return errors + _check_uniqueness(doc, not_substances)


def main(argv: list[str] | None = None) -> int:
    """CLI: validate the shipped gazetteer; logs each error."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=Path("config/gazetteer"))
    args = parser.parse_args(argv)
    doc = yaml.safe_load((args.config / "substances.yaml").read_text(encoding="utf-8"))
    errors = validate(doc, load_not_substances(args.config / "not_substances.yaml"))
    for err in errors:
        LOG.error("%s", err)
    LOG.info("%d substances checked, %d errors", len(doc["substances"]), len(errors))
    return 1 if errors else 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    raise SystemExit(main())
