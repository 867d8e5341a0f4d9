"""Joining a confirmed candidate to the gazetteer: ``config/gazetteer/confirmed.yaml``.

The web workbench writes the same file: a YAML list of ``{id, name, class, confirmed_by,
confirmed_at}``, appended under an exclusive ``flock`` on the file itself. This module follows the
same protocol so the two writers never interleave: lock, read and check (no duplicate id or name,
class known), append, fsync, unlock — the read-modify-write is atomic with respect to every writer
that takes the lock. (Replacing the file by rename would not be: a writer waiting on the old
file's lock would then append to an unlinked file and its entry would be lost.)
"""

from __future__ import annotations

import fcntl
import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

HEADER = """\
# Novel substances confirmed by analysts in the narcoscope workbench (New substances page).
# Written by the web workbench: one entry per confirmation, appended; the extractor loads it
# beside substances.yaml. Format: a list of {id, name, class, confirmed_by, confirmed_at}.
"""
ID_OK = re.compile(r"^[a-z0-9][a-z0-9,\-]{0,79}$")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ID_LINE = re.compile(r"^- id: (.+)$", re.M)


class ConfirmError(ValueError):
    """A confirmation refused: bad id, unknown class, or the substance is already known."""


@dataclass(frozen=True, slots=True)
class Gazette:
    """What a confirmation is checked against: the gazetteer's classes and ids."""

    classes: frozenset[str]
    ids: frozenset[str]

    @classmethod
    def load(cls, gazetteer_dir: Path) -> Gazette:
        """Classes and ids of ``substances.yaml``. The file is generated (one ``- id:`` line per
        substance after a top-level ``substances:``), so only its head is parsed as YAML and ids
        are read line by line: a full parse of the ~1 MB file costs seconds on every CLI call."""
        path = gazetteer_dir / "substances.yaml"
        if not path.exists():
            return cls(frozenset(), frozenset())
        text = path.read_text(encoding="utf-8")
        head, sep, body = text.partition("\nsubstances:\n")
        if not sep:
            data = yaml.load(text, Loader=_LOADER) or {}
            ids = frozenset(str(s.get("id")) for s in data.get("substances") or [] if isinstance(s, dict))
            return cls(frozenset((data.get("classes") or {}).keys()), ids)
        data = yaml.load(head, Loader=_LOADER) or {}
        ids = frozenset(str(yaml.load(m[1], Loader=_LOADER)) for m in _ID_LINE.finditer(body))
        return cls(frozenset((data.get("classes") or {}).keys()), ids)


def substance_id(name: str) -> str:
    """The default id of a confirmed name, as the workbench derives it: lower case, spaces to hyphens."""
    return re.sub(r"\s+", "-", " ".join(name.split()).casefold()).strip().lower()


def read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    return [e for e in data if isinstance(e, dict)] if isinstance(data, list) else []


def make_entry(gazette: Gazette, name: str, cls: str, *, sid: str = "", by: str,
               at: datetime | None = None) -> dict[str, str]:
    """A validated entry; raises :class:`ConfirmError` with the reason."""
    sid = (sid or substance_id(name)).strip().lower()
    if not ID_OK.match(sid):
        raise ConfirmError(f"id {sid!r} must be lower-case letters, digits, hyphens or commas (max 80); use --id")
    if gazette.classes and cls not in gazette.classes:
        raise ConfirmError(f"unknown class {cls!r}; known: {', '.join(sorted(gazette.classes))}")
    if sid in gazette.ids:
        raise ConfirmError(f"{sid!r} is already in the gazetteer (substances.yaml)")
    stamp = (at or datetime.now(timezone.utc)).replace(microsecond=0).isoformat()
    return {"id": sid, "name": " ".join(name.split())[:120], "class": cls, "confirmed_by": by,
            "confirmed_at": stamp}


def append(path: Path, entry: dict[str, str]) -> None:
    """Check and append ``entry`` under the file lock; refuses a duplicate id or name."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump([entry], default_flow_style=False, sort_keys=False, allow_unicode=True)
    with path.open("a+", encoding="utf-8") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            fh.seek(0)
            existing = yaml.load(fh.read(), Loader=_LOADER)
            for e in existing if isinstance(existing, list) else []:
                if not isinstance(e, dict):
                    continue
                if str(e.get("id")) == entry["id"] or str(e.get("name", "")).casefold() == entry["name"].casefold():
                    raise ConfirmError(f"{entry['name']!r} is already confirmed (id {e.get('id')!r}, "
                                       f"by {e.get('confirmed_by', '?')} at {e.get('confirmed_at', '?')})")
            fh.seek(0, os.SEEK_END)
            if fh.tell() == 0:
                fh.write(HEADER)
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
