"""Substance facts for the Substance page, and the confirmed-substances file novelty review writes.

Reads the built gazetteer (``config/gazetteer/substances.yaml``) when present, else the curated
base (``curated.yaml``, grouped by class), so the page works before the gazetteer build has run.
Confirmed candidates are read from ``confirmed.yaml``, which ``entities.confirmed`` appends to
(the workbench and ``narcoscope candidates confirm`` alike).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from entities.confirmed import read as read_confirmed

# libyaml's safe loader: the built gazetteer is ~1 MB, which the pure-Python loader takes seconds to read.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(slots=True)
class SubstanceInfo:
    id: str
    name: str
    cls: str
    class_label: str = ""
    synonyms: list[dict[str, Any]] = field(default_factory=list)
    nps: bool = False
    confirmed: bool = False


@dataclass(slots=True, eq=False)
class Gazetteer:
    substances: dict[str, SubstanceInfo]
    classes: dict[str, str]  # class id -> label


def _mtime(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


def load(gazetteer_dir: Path) -> Gazetteer:
    """The gazetteer plus confirmed substances, each re-read only when its file changes."""
    base = _load_base(gazetteer_dir, tuple(_mtime(gazetteer_dir / n) for n in ("substances.yaml", "curated.yaml")))
    confirmed = gazetteer_dir / "confirmed.yaml"
    return _with_confirmed(base, confirmed, _mtime(confirmed))


@functools.lru_cache(maxsize=4)
def _with_confirmed(base: Gazetteer, confirmed: Path, _stamp: float) -> Gazetteer:
    subs = dict(base.substances)
    for entry in read_confirmed(confirmed):
        sid = str(entry.get("id", ""))
        if sid and sid not in subs:
            cls = str(entry.get("class", ""))
            subs[sid] = SubstanceInfo(sid, str(entry.get("name", sid)), cls, base.classes.get(cls, cls),
                                      nps=True, confirmed=True)
    return Gazetteer(subs, base.classes)


@functools.lru_cache(maxsize=4)
def _load_base(gazetteer_dir: Path, _stamp: tuple[float, ...]) -> Gazetteer:
    built, curated = gazetteer_dir / "substances.yaml", gazetteer_dir / "curated.yaml"
    data = _read(built) if built.exists() else _read(curated)
    classes_raw = data.get("classes") or {}
    classes = {str(k): str((v or {}).get("label", k)) for k, v in classes_raw.items()}
    subs: dict[str, SubstanceInfo] = {}
    raw = data.get("substances") or []
    if isinstance(raw, dict):  # curated.yaml: {class: [entries]}
        raw = [{**e, "class": cls} for cls, entries in raw.items() for e in (entries or [])]
    for entry in raw:
        info = _entry(entry, classes, classes_raw)
        subs[info.id] = info
    return Gazetteer(subs, classes)


def _entry(entry: dict[str, Any], classes: dict[str, str], classes_raw: dict[str, Any]) -> SubstanceInfo:
    sid, cls = str(entry["id"]), str(entry.get("class", ""))
    synonyms = [s if isinstance(s, dict) else {"text": str(s)} for s in entry.get("synonyms") or []]
    for key, kind in (("syn", "name"), ("brand", "brand"), ("slang", "slang"), ("spell", "spelling")):
        synonyms += [{"text": str(t), "kind": kind} for t in entry.get(key) or []]
    nps = bool(entry.get("nps", (classes_raw.get(cls) or {}).get("nps", False)))
    return SubstanceInfo(sid, str(entry.get("name", sid)), cls, classes.get(cls, cls), synonyms, nps)


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    return data if isinstance(data, dict) else {}
