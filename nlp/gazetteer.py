"""The substance gazetteer, compiled for matching and cached on disk.

``config/gazetteer/substances.yaml`` holds canonical ids, classes and synonyms;
``not_substances.yaml`` holds look-alikes never to tag (a list of strings or of ``{text: ...}``).
Parsing a large YAML file and tokenising tens of thousands of synonyms costs seconds, and the CLI
and crawler start often, so the compiled form is pickled under a key made of the files' hashes and
the tokenizer version: any edit to the data or the code rebuilds it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from nlp.errors import ExtractionError, Warnings

log = logging.getLogger(__name__)
CACHE_FORMAT = "gazetteer-cache-6"
FUZZY_KINDS = frozenset({"name", "brand", "spelling", "inn"})
_LOCANT_HYPHEN = re.compile(r"(?<=\d)-(?=[a-z])|(?<=\d[a-z])-(?=[a-z])")
_LEXICONS = frozenset({"dope", "dea", "dea_controlled"})
_CYRILLIC = re.compile(r"[а-яё]+")
# Russian noun endings markets inflect slang with ("этизолама", "метадоном", "мефом", "шишек"):
# the gazetteer holds the base form, the matcher also gets the inflected forms.
_RU_HARD = ("а", "у", "ом", "е", "ы", "ов", "ам", "ами", "ах")
_RU_SOFT = {"ь": ("и", "ью", "ей", "я", "ю", "ем", "ям", "ями"), "а": ("ы", "и", "у", "ой", "е"),
            "я": ("и", "ю", "ей", "е"), "и": ("ей", "ек", "ам", "ами", "ах", "ок"),
            "ы": ("ам", "ами", "ах", "ов")}
#: pattern-key flags: ambiguous (needs context), qualifier (a strain name: yields to a named
# product of its group), lexicon-only (attested only by
# the imported street-name lexicons), capitals (an ambiguous acronym: DOC, DOB, NEP, P2P only
# count when written in capitals)
AMBIGUOUS, QUALIFIER, LEXICON, CAPITALS = "a", "q", "l", "c"


@dataclass(slots=True)
class Substance:
    id: str
    name: str
    cls: str
    nps: bool
    generic: bool = False  # an unspecified group ("benzos", "spice"): a class mention
    role: str = "drug"  # "context": named in drug talk but not a drug mention (levamisole, THC %)


@dataclass(slots=True)
class Gazetteer:
    """Compiled gazetteer: patterns as lower-case token lists, keyed by match key."""

    version: str
    digest: str
    substances: dict[str, Substance]
    classes: dict[str, dict[str, Any]]
    # (match key, lower-case tokens); key is "substance id|flags" (flags from AMBIGUOUS, QUALIFIER,
    # LEXICON)
    patterns: list[tuple[str, list[str]]] = field(default_factory=list)
    negatives: list[list[str]] = field(default_factory=list)
    negative_texts: frozenset[str] = frozenset()
    known_forms: frozenset[str] = frozenset()  # every synonym, lower-cased, hyphens kept
    fuzzy_targets: dict[str, str] = field(default_factory=dict)  # single-token synonym -> id
    common_words: frozenset[str] = frozenset()


def file_digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.name.encode())
        h.update(p.read_bytes() if p.exists() else b"<missing>")
    return h.hexdigest()[:16]


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except yaml.YAMLError as exc:
        raise ExtractionError("E002", path=path, detail=exc) from exc


def _negative_texts(data: Any, path: Path) -> list[str]:
    """Look-alike strings from any reasonable shape: a list of strings or ``{text: ...}``, or
    groups of such lists (``{groups: {name: {note, items: [...]}}}``); notes are skipped."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            if node.strip():
                out.append(node.strip())
        elif isinstance(node, (int, float)) and not isinstance(node, bool):
            out.append(str(node))
        elif isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if "text" in node:
                walk(node["text"])
                return
            for key, value in node.items():
                if key not in ("note", "notes", "version", "description"):
                    walk(value)

    if data is not None and not isinstance(data, (list, dict)):
        raise ExtractionError("E002", path=path, detail="expected a list of strings or {text: ...}")
    walk(data)
    return out


def _confirmed(path: Path) -> list[dict[str, Any]]:
    """Analyst-confirmed novel substances (``confirmed.yaml``): a list of {id, name, class, …}."""
    if not path.exists():
        return []
    data = _read_yaml(path)
    return [d for d in (data or []) if isinstance(d, dict) and d.get("id")] if isinstance(data, list) else []


def variants(text: str) -> set[str]:
    """Written variants of a chemical name: ``3-MMC`` also as ``3MMC`` and ``3 MMC``."""
    low = text.lower()
    out = {low}
    if _LOCANT_HYPHEN.search(low):
        out.add(_LOCANT_HYPHEN.sub("", low))
        out.add(_LOCANT_HYPHEN.sub(" ", low))
    return out


def russian_forms(form: str) -> set[str]:
    """Case forms of a one-word Cyrillic noun (a heuristic paradigm, not a morphology engine:
    matching only ever looks these up, so an odd extra form costs nothing)."""
    if " " in form or not _CYRILLIC.fullmatch(form) or len(form) < 3:
        return set()
    last = form[-1]
    if last in _RU_SOFT:
        return {form[:-1] + e for e in _RU_SOFT[last]}
    if last in "йо":
        return set()
    return {form + e for e in _RU_HARD}


def _flags(syn: dict[str, Any], amb_name: bool) -> str:
    flags = ""
    if syn.get("ambiguous") or amb_name:
        flags += AMBIGUOUS
        text = str(syn.get("text", ""))
        if 2 <= len(text) <= 5 and text.isupper():
            flags += CAPITALS
    if syn.get("kind") == "strain":
        flags += QUALIFIER
    sources = {syn.get("source"), *(syn.get("also") or [])}
    if syn.get("source") and sources <= _LEXICONS:
        flags += LEXICON
    return flags


def _compile(sub_path: Path, neg_path: Path, words_path: Path | None, digest: str,
             tokenize: Callable[[str], list[str]]) -> Gazetteer:
    data = _read_yaml(sub_path)
    if not isinstance(data, dict) or not isinstance(data.get("substances"), list):
        raise ExtractionError("E002", path=sub_path, detail="needs a 'substances' list")
    classes = data.get("classes") or {}
    gz = Gazetteer(version=str(data.get("version", "")), digest=digest, substances={}, classes=classes)
    known: set[str] = set()
    seen_patterns: set[tuple[str, tuple[str, ...]]] = set()
    confirmed = [{"id": d["id"], "name": d.get("name", d["id"]), "class": d.get("class", ""),
                  "nps": True, "synonyms": []} for d in _confirmed(sub_path.parent / "confirmed.yaml")]
    for entry in [*data["substances"], *confirmed]:
        sid, cls = str(entry["id"]), str(entry.get("class", ""))
        if classes and cls and cls not in classes:
            raise ExtractionError("E003", sid=sid, path=sub_path, cls=cls)
        gz.substances[sid] = Substance(sid, str(entry.get("name", sid)), cls,
                                       bool(entry.get("nps", classes.get(cls, {}).get("nps", False))),
                                       generic=bool(entry.get("generic")), role=str(entry.get("role", "drug")))
        amb_name = bool(entry.get("ambiguous_name"))
        synonyms = [{"text": sid, "name": amb_name}, {"text": entry.get("name", sid), "name": amb_name},
                    *(entry.get("synonyms") or [])]
        for syn in synonyms:
            text = str(syn.get("text", "")).strip()
            if not text:
                continue
            key = f"{sid}|{_flags(syn, bool(syn.get('name')))}"
            forms = variants(text)
            for form in forms | {f for v in forms for f in russian_forms(v)}:
                toks = tokenize(form)
                if toks and (key, tuple(toks)) not in seen_patterns:
                    seen_patterns.add((key, tuple(toks)))
                    gz.patterns.append((key, toks))
                known.add(form)
                # misspellings are of names and brands (alprazolan, oxycotin), not of street slang:
                # fuzzy-matching slang turns ordinary words into drugs (pusher -> "Punisher")
                if (not syn.get("ambiguous") and syn.get("kind", "name") in FUZZY_KINDS and len(toks) == 1
                        and len(form) >= 5 and form.isalpha()):
                    gz.fuzzy_targets.setdefault(form, sid)
    negatives = _negative_texts(_read_yaml(neg_path) if neg_path.exists() else None, neg_path)
    gz.negatives = [tokenize(t.lower()) for t in negatives]
    gz.negative_texts = frozenset(t.lower() for t in negatives)
    gz.known_forms = frozenset(known)
    if words_path is not None and words_path.exists():
        words = {w.strip() for w in words_path.read_text(encoding="utf-8").splitlines()
                 if w and not w.startswith("#")}
        gz.common_words = frozenset(words)
    return gz


def cache_dir() -> Path:
    """``$NARCOSCOPE_CACHE`` or ``$XDG_CACHE_HOME`` or ``~/.cache``, then ``narcoscope/nlp``."""
    base = os.environ.get("NARCOSCOPE_CACHE") or os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "narcoscope" / "nlp"


_MEMO: dict[tuple[str, str], Gazetteer] = {}


def load(gazetteer_dir: Path, tokenizer_key: str, tokenize: Callable[[str], list[str]],
         words_path: Path | None = None) -> Gazetteer:
    """Load the compiled gazetteer, from memory or the disk cache when its files are unchanged."""
    sub_path, neg_path = gazetteer_dir / "substances.yaml", gazetteer_dir / "not_substances.yaml"
    if not sub_path.exists():
        raise ExtractionError("E001", path=sub_path)
    extra = [words_path] if words_path is not None else []
    digest = file_digest(sub_path, neg_path, gazetteer_dir / "confirmed.yaml", *extra)
    key = hashlib.sha256(f"{CACHE_FORMAT}|{digest}|{tokenizer_key}".encode()).hexdigest()[:24]
    if (memo := _MEMO.get((str(gazetteer_dir), key))) is not None:
        return memo
    gz = _load_cached(key, sub_path, neg_path, words_path, digest, tokenize)
    _MEMO[(str(gazetteer_dir), key)] = gz
    return gz


def _load_cached(key: str, sub_path: Path, neg_path: Path, words_path: Path | None, digest: str,
                 tokenize: Callable[[str], list[str]]) -> Gazetteer:
    cache = cache_dir() / f"{key}.pickle"
    if cache.exists():
        try:
            with cache.open("rb") as fh:
                cached: Gazetteer = pickle.load(fh)
            return cached
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            log.info("gazetteer cache %s unreadable; rebuilding", cache)
    gz = _compile(sub_path, neg_path, words_path, digest, tokenize)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(gz, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(cache)
    except OSError as exc:
        log.warning(Warnings.W003.format(path=cache, detail=exc))
    return gz
