"""Contact handles in vendor text: XMPP/Jabber ids, Wickr, Session ids, Telegram, e-mail.

A vendor who moves market keeps the contact buyers already have, so a shared handle links two
accounts almost as firmly as a shared PGP key. Handles are normalised (case-folded, trailing
punctuation stripped) so ``Jabber: Foo@Jabber.CALYX.net.`` and ``foo@jabber.calyx.net`` agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KINDS = ("xmpp", "email", "wickr", "session", "telegram")
_ADDR = r"[A-Za-z0-9][A-Za-z0-9._%+\-]{0,63}@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}"
_EMAIL = re.compile(rf"(?<![\w.+\-])(?P<v>{_ADDR})(?![\w@])")
# "jabber:", "xmpp -", "jid", "OMEMO" within a few words before an address make it XMPP
_XMPP_CUE = re.compile(r"(?i)\b(?:jabber|xmpp|jid|omemo|otr)\b[^@\n]{0,24}$")
# well-known public XMPP servers: an address there is XMPP even without a cue word
_XMPP_HOSTS = re.compile(r"(?i)@(?:[\w\-]+\.)*(?:jabber|xmpp|exploit\.im|dismail\.de|xmpp\.jp|404\.city"
                         r"|jabb\.im|yax\.im|conversations\.im|creep\.im|thesecure\.biz|darkness\.su)")
_WICKR = re.compile(r"(?i)\bwickr(?:\s*me)?\b\s*(?:id|name)?\s*[:=\-]?\s*@?(?P<v>[A-Za-z0-9][\w.\-]{2,31})")
_SESSION = re.compile(r"(?<![0-9A-Fa-f])(?P<v>05[0-9A-Fa-f]{64})(?![0-9A-Fa-f])")
_TELEGRAM = re.compile(r"(?i)\b(?:telegram|tg)\b\s*[:=\-]?\s*@(?P<v>[A-Za-z][\w]{4,31})")
_PLACEHOLDER_DOMAINS = frozenset({"example.com", "example.org", "example.net", "domain.com", "email.com"})
_WORDS_NOT_HANDLES = frozenset({"only", "contact", "available", "user", "username", "me", "and", "or", "for"})


@dataclass(frozen=True, slots=True)
class Handle:
    """One contact handle found in a text, normalised, with where it stood."""

    kind: str  # one of KINDS
    value: str  # normalised
    text: str  # as written
    start: int
    end: int


def _norm(value: str) -> str:
    return value.strip().rstrip(".,;:!)]}>").casefold()


def find_handles(text: str) -> list[Handle]:
    """Every contact handle in ``text``, in order of appearance, each (kind, value) once."""
    found: dict[tuple[str, str], Handle] = {}

    def add(kind: str, m: re.Match[str]) -> None:
        value = _norm(m["v"])
        if kind == "wickr" and value in _WORDS_NOT_HANDLES:
            return
        found.setdefault((kind, value), Handle(kind, value, m["v"], m.start("v"), m.end("v")))

    for m in _EMAIL.finditer(text):
        domain = m["v"].rpartition("@")[2].casefold().rstrip(".")
        if domain in _PLACEHOLDER_DOMAINS:
            continue
        cue = _XMPP_CUE.search(text[max(0, m.start() - 40):m.start()])
        add("xmpp" if cue or _XMPP_HOSTS.search(m["v"]) else "email", m)
    for kind, rx in (("wickr", _WICKR), ("session", _SESSION), ("telegram", _TELEGRAM)):
        for m in rx.finditer(text):
            if kind == "wickr" and "@" in text[m.end("v"):m.end("v") + 1]:
                continue  # "wickr/jabber: name@host" is an address, found above
            add(kind, m)
    return sorted(found.values(), key=lambda h: h.start)


def parse_contact(contact: str) -> list[Handle]:
    """Handles in one entry of ``Vendor.contacts``; an entry with no recognisable handle is kept
    whole as kind ``contact`` (a profile's contact field is a handle even when its shape is odd)."""
    handles = find_handles(contact)
    if handles:
        return handles
    label, sep, rest = contact.partition(":")
    kind = label.strip().casefold() if sep else ""
    value = _norm(rest if sep else contact)
    if not value or len(value) < 3:
        return []
    kind = {"jabber": "xmpp", "xmpp": "xmpp", "wickr": "wickr", "wickr me": "wickr", "session": "session",
            "telegram": "telegram", "email": "email", "e-mail": "email"}.get(kind, "contact")
    return [Handle(kind, value.lstrip("@"), contact, 0, len(contact))]
