"""Fake but well-formed OpenPGP public keys for vendors.

The key is a structurally valid v4 RSA public-key packet (random modulus, so useless for
crypto) plus a User ID packet, ASCII-armored with a correct CRC-24. The fingerprint is the
genuine v4 fingerprint of that packet, so a parser that computes fingerprints from the armor
gets the same value the truth records — and vendors who reuse a key across markets link up.
"""

from __future__ import annotations

import base64
import hashlib
import random
from dataclasses import dataclass

from entities.pgp import crc24  # the parser's own RFC 4880 checksum: one implementation


def _mpi(value: int) -> bytes:
    bits = value.bit_length()
    return bits.to_bytes(2, "big") + value.to_bytes((bits + 7) // 8, "big")


def _packet(tag: int, body: bytes) -> bytes:
    # new-format packet header, two-octet length when needed
    if len(body) < 192:
        return bytes([0xC0 | tag, len(body)]) + body
    n = len(body) - 192
    return bytes([0xC0 | tag, (n >> 8) + 192, n & 0xFF]) + body


@dataclass(frozen=True, slots=True)
class FakeKey:
    """An armored public key and its fingerprint (40 upper-case hex digits)."""

    armor: str
    fingerprint: str


def make_key(rng: random.Random, user_id: str, created: int) -> FakeKey:
    """Build a 2048-bit "RSA" public key for ``user_id`` from ``rng`` (deterministic)."""
    modulus = rng.getrandbits(2048) | (1 << 2047) | 1
    body = bytes([4]) + created.to_bytes(4, "big") + bytes([1]) + _mpi(modulus) + _mpi(65537)
    fingerprint = hashlib.sha1(b"\x99" + len(body).to_bytes(2, "big") + body).hexdigest().upper()
    data = _packet(6, body) + _packet(13, user_id.encode("utf-8"))
    b64 = base64.b64encode(data).decode("ascii")
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    checksum = base64.b64encode(crc24(data).to_bytes(3, "big")).decode("ascii")
    armor = "\n".join(
        ["-----BEGIN PGP PUBLIC KEY BLOCK-----", "", *lines, f"={checksum}",
         "-----END PGP PUBLIC KEY BLOCK-----"]
    )
    return FakeKey(armor=armor, fingerprint=fingerprint)
