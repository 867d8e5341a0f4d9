"""What the report needs from the gazetteer: display names, classes, and "is this known?".

A candidate (``IndexDoc.candidates``) is reported as a candidate only while the gazetteer does not
know it; once analysts confirm it (``confirmed.yaml``) or the gazetteer gains it, it is a
confirmed substance. Matching is on a normalised key (case, spaces and punctuation folded), the
same way a human reads "MDMB 3en PXINACA" and "mdmb-3en-pxinaca" as one name.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FOLD = re.compile(r"[\W_]+", re.UNICODE)


def name_key(text: str) -> str:
    """Case- and punctuation-folded key used to compare names."""
    return _FOLD.sub("", text.casefold())


@dataclass(frozen=True, slots=True)
class Gazetteer:
    """Substance id -> (name, class), class id -> label, and every known name key."""

    names: dict[str, str] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)
    class_labels: dict[str, str] = field(default_factory=dict)
    known: frozenset[str] = frozenset()

    def name(self, substance: str) -> str:
        return self.names.get(substance, substance)

    def class_of(self, substance: str) -> str:
        return self.classes.get(substance, "")

    def class_label(self, cls: str) -> str:
        return self.class_labels.get(cls, cls.replace("_", " "))

    def knows(self, name: str) -> bool:
        return name_key(name) in self.known


def _mtime(path: Path) -> float:
    return path.stat().st_mtime if path.exists() else 0.0


def load_gazetteer(directory: Path | None) -> Gazetteer:
    """The built gazetteer plus analyst-confirmed substances (empty when the directory is absent)."""
    if directory is None:
        return Gazetteer()
    files = ("substances.yaml", "confirmed.yaml")
    return _load(directory, tuple(_mtime(directory / f) for f in files))


def _read(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER) if path.exists() else None


_SCALAR = re.compile(r"^  (id|name|class): (.*)$|^- id: (.*)$")
_SYNONYM = re.compile(r"""^  - \{text: ('(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^,]*),""")


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == "'":
        return value[1:-1].replace("''", "'")
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return str(yaml.load(value, Loader=_LOADER))
    return value


def _scan_generated(text: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Read the generated gazetteer line by line: its layout is fixed by tools/gazetteer/build.py,
    and a full YAML parse of its ~0.7 MB takes seconds (even with libyaml) on every report run."""
    head, _, body = text.partition("\nsubstances:\n")
    classes = (yaml.load(head, Loader=_LOADER) or {}).get("classes") or {}
    entries: list[dict[str, Any]] = []
    for line in body.splitlines():
        if m := _SCALAR.match(line):
            if m.group(3) is not None:
                entries.append({"id": _unquote(m.group(3)), "synonyms": []})
            elif entries:
                entries[-1][m.group(1)] = _unquote(m.group(2))
        elif (s := _SYNONYM.match(line)) and entries:
            entries[-1]["synonyms"].append({"text": _unquote(s.group(1))})
    return classes, entries


def _substances(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if not path.exists():
        return {}, []
    text = path.read_text(encoding="utf-8")
    if text.startswith("# GENERATED") and "\nsubstances:\n" in text:
        return _scan_generated(text)
    data = yaml.load(text, Loader=_LOADER) or {}
    return data.get("classes") or {}, list(data.get("substances") or [])


@functools.lru_cache(maxsize=4)
def _load(directory: Path, _stamp: tuple[float, ...]) -> Gazetteer:
    raw_classes, entries = _substances(directory / "substances.yaml")
    labels = {str(k): str((v or {}).get("label", k)) for k, v in raw_classes.items()}
    names: dict[str, str] = {}
    classes: dict[str, str] = {}
    known: set[str] = set()
    entries += list(_read(directory / "confirmed.yaml") or [])
    for entry in entries:
        if not isinstance(entry, dict) or not entry.get("id"):
            continue
        sid = str(entry["id"])
        names.setdefault(sid, str(entry.get("name") or sid))
        classes.setdefault(sid, str(entry.get("class") or ""))
        known.update({name_key(sid), name_key(names[sid])})
        known.update(name_key(str(s.get("text", ""))) for s in entry.get("synonyms") or [] if isinstance(s, dict))
    known.discard("")
    return Gazetteer(names, classes, labels, frozenset(known))
