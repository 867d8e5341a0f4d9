"""Repairing the text of old dumps: mixed encodings, mojibake, NUL bytes.

Scraped dumps from 2014–2015 mix UTF-8 with Windows-1252 (a row pasted from a Windows editor),
and some UTF-8 was decoded as Windows-1252 once and saved again ("Ã©" for "é", "â€™" for "’").
Each repair is reported so the import can count the rows it touched.
"""

from __future__ import annotations

import re

# UTF-8 lead byte read as cp1252/latin-1, followed by a continuation byte read the same way
_MOJIBAKE = re.compile(r"[\u00c2-\u00f4][\u0080-\u00bf\u2013-\u203a\u0152-\u0178\u02c6\u02dc\u2122\u20ac\u0160\u0161"
                       r"\u017d\u017e\u0192]")


def decode(raw: bytes) -> tuple[str, bool]:
    """Text of ``raw``: UTF-8 where it is valid, Windows-1252 for the bytes that are not.
    Returns the text and whether any byte needed the fallback."""
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    text = raw.decode("utf-8", errors="surrogateescape")
    return re.sub(r"[\udc80-\udcff]+", _cp1252, text), True


def _cp1252(m: re.Match[str]) -> str:
    raw = bytes(ord(c) - 0xDC00 for c in m.group())
    return raw.decode("cp1252", errors="replace")


def fix_mojibake(text: str) -> tuple[str, bool]:
    """Undo one round of UTF-8-read-as-cp1252, when that gives valid UTF-8; else leave the text."""
    if not _MOJIBAKE.search(text):
        return text, False
    try:
        fixed = text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text, False
    return fixed, fixed != text


def clean(text: str) -> tuple[str, set[str]]:
    """One field: NUL and control characters removed, mojibake undone; returns the fixes made."""
    fixes: set[str] = set()
    if "\x00" in text:
        text = text.replace("\x00", "")
        fixes.add("nul")
    text, moji = fix_mojibake(text)
    if moji:
        fixes.add("mojibake")
    return text.strip(), fixes
