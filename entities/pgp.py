"""OpenPGP v4 fingerprints from ASCII-armored public keys, with no crypto library.

Vendors paste their public key on every market they sell on; the key's fingerprint is the
strongest cross-market identity signal there is. Only what a fingerprint needs is parsed
(RFC 4880 §4.2 packet headers, §11.1 armor, §12.2 fingerprint): the first public-key packet.
Keys are untrusted page text, so every failure is a :class:`PgpError`, never an IndexError.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

_BLOCK = re.compile(
    r"-----BEGIN PGP PUBLIC KEY BLOCK-----(?P<body>.*?)-----END PGP PUBLIC KEY BLOCK-----", re.S)
_HEADER_LINE = re.compile(r"^[A-Za-z][A-Za-z0-9\-]*: ")
PUBLIC_KEY_TAG = 6
_CRC24_INIT = 0xB704CE
_CRC24_POLY = 0x1864CFB


class PgpError(ValueError):
    """The text is not a parseable armored OpenPGP public key."""


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """The facts about a key that identify it."""

    fingerprint: str  # 40 upper-case hex digits (v4)
    key_id: str  # the low 64 bits, 16 hex digits
    created: int  # seconds since the epoch
    algorithm: int
    crc_ok: bool | None  # None when the armor carries no checksum line


def crc24(data: bytes) -> int:
    """RFC 4880 §6.1 checksum of the armored data."""
    crc = _CRC24_INIT
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= _CRC24_POLY
    return crc & 0xFFFFFF


def dearmor(text: str) -> tuple[bytes, bool | None]:
    """The binary key data of the first armored public-key block in ``text``, and whether its CRC
    line matched (None when absent). Armor headers (``Version: …``) and blank lines are skipped."""
    m = _BLOCK.search(text.replace("\r\n", "\n"))
    if m is None:
        raise PgpError("no PGP PUBLIC KEY BLOCK in the text")
    b64_lines, crc_text = [], None
    for raw in m["body"].split("\n"):
        line = raw.strip()
        if not line or _HEADER_LINE.match(line):
            continue
        if line.startswith("=") and len(line) == 5:
            crc_text = line[1:]
            continue
        b64_lines.append(line)
    try:
        data = base64.b64decode("".join(b64_lines), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PgpError(f"armor body is not base64: {exc}") from None
    if not data:
        raise PgpError("empty armor body")
    crc_ok = None
    if crc_text is not None:
        try:
            crc_ok = int.from_bytes(base64.b64decode(crc_text, validate=True), "big") == crc24(data)
        except (binascii.Error, ValueError):
            crc_ok = False
    return data, crc_ok


def _new_length(data: bytes, pos: int) -> tuple[int, int]:
    """New-format body length at ``pos``: (length, header bytes used). Partial lengths are not
    allowed for key packets (RFC 4880 §4.2.2.4), so they are rejected."""
    first = data[pos]
    if first < 192:
        return first, 1
    if first < 224:
        return ((first - 192) << 8) + data[pos + 1] + 192, 2
    if first == 255:
        return int.from_bytes(data[pos + 1:pos + 5], "big"), 5
    raise PgpError("partial body length in a key packet")


def packets(data: bytes) -> list[tuple[int, bytes]]:
    """(tag, body) of every packet, old or new header format."""
    out, pos = [], 0
    try:
        while pos < len(data):
            ctb = data[pos]
            if not ctb & 0x80:
                raise PgpError(f"byte {pos} is not a packet header")
            if ctb & 0x40:  # new format
                tag = ctb & 0x3F
                length, used = _new_length(data, pos + 1)
                start = pos + 1 + used
            else:  # old format: tag in bits 5-2, length type in bits 1-0
                tag, ltype = (ctb >> 2) & 0x0F, ctb & 0x03
                if ltype == 3:  # indeterminate: the rest of the data
                    start, length = pos + 1, len(data) - pos - 1
                else:
                    size = 1 << ltype
                    length = int.from_bytes(data[pos + 1:pos + 1 + size], "big")
                    start = pos + 1 + size
            if start + length > len(data):
                raise PgpError("packet runs past the end of the data")
            out.append((tag, data[start:start + length]))
            pos = start + length
    except IndexError:
        raise PgpError("truncated packet header") from None
    return out


def fingerprint_of_body(body: bytes) -> str:
    """v4 fingerprint: SHA-1 over 0x99, the two-byte body length and the public-key packet body."""
    if len(body) < 6 or body[0] != 4:
        raise PgpError(f"not a v4 public key (version {body[0] if body else '?'})")
    if len(body) > 0xFFFF:
        raise PgpError("public-key packet too long")
    return hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body).hexdigest().upper()


def key_info(armor: str) -> KeyInfo:
    """Fingerprint and key facts of the first public key in ``armor``."""
    data, crc_ok = dearmor(armor)
    for tag, body in packets(data):
        if tag == PUBLIC_KEY_TAG:
            fpr = fingerprint_of_body(body)
            return KeyInfo(fpr, fpr[-16:], int.from_bytes(body[1:5], "big"), body[5], crc_ok)
    raise PgpError("no public-key packet")


def fingerprint(armor: str) -> str | None:
    """The key's fingerprint, or None when ``armor`` holds no parseable key."""
    try:
        return key_info(armor).fingerprint
    except PgpError:
        return None
