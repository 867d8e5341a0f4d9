"""OpenPGP v4 fingerprints computed from armor, checked against the demo's ground truth."""

from __future__ import annotations

import base64
import random
import re
from pathlib import Path

import pytest

from demosites import DemoWorld
from demosites.pgp import make_key
from entities.pgp import PgpError, crc24, dearmor, fingerprint, key_info, packets

PAGES = Path(__file__).resolve().parents[1] / "pages"


@pytest.fixture(scope="module")
def truth_fingerprints() -> dict[tuple[str, str], str]:
    truth = DemoWorld.build(seed=7).truth(12)
    return {(v["source"], v["name"]): v["pgp_fingerprint"] for v in truth["vendors"]}


@pytest.mark.parametrize("market", ["tortuga", "nightjar", "velvet-alley"])
def test_saved_vendor_pages_match_truth(market: str, truth_fingerprints: dict[tuple[str, str], str]) -> None:
    """Each market's saved vendor page (its own markup): the key's fingerprint is the truth's for
    the vendor the page is about."""
    html = (PAGES / market / "vendor.html").read_text(encoding="utf-8")
    info = key_info(html)
    owners = [name for (src, name), fpr in truth_fingerprints.items() if src == market and fpr == info.fingerprint]
    assert owners, f"{market}: fingerprint {info.fingerprint} is no vendor's in the truth"
    assert any(re.search(rf">\s*{re.escape(n)}\s*<", html) for n in owners)
    assert info.crc_ok is True
    assert info.key_id == info.fingerprint[-16:]


def test_generated_keys_match_their_fingerprints() -> None:
    rng = random.Random(3)
    for i in range(50):
        key = make_key(rng, f"vendor{i} <v{i}@example.invalid>", 1_600_000_000 + i)
        assert fingerprint(key.armor) == key.fingerprint


def _old_format(armor: str) -> str:
    """The same key re-armored with old-format packet headers (two-octet lengths), CRC dropped."""
    data, _ = dearmor(armor)
    out = b""
    for tag, body in packets(data):
        out += bytes([0x80 | (tag << 2) | 1]) + len(body).to_bytes(2, "big") + body
    b64 = base64.b64encode(out).decode()
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return "\n".join(["-----BEGIN PGP PUBLIC KEY BLOCK-----", "Version: GnuPG v1", "", *lines,
                      "-----END PGP PUBLIC KEY BLOCK-----"])


def test_old_format_headers_give_the_same_fingerprint() -> None:
    key = make_key(random.Random(1), "old <old@example.invalid>", 1_400_000_000)
    old = _old_format(key.armor)
    info = key_info(old)
    assert info.fingerprint == key.fingerprint
    assert info.crc_ok is None  # no checksum line


def test_armor_pasted_inside_text_with_crlf() -> None:
    key = make_key(random.Random(2), "x <x@example.invalid>", 1_500_000_000)
    page = "My key, verify before ordering:\r\n" + key.armor.replace("\n", "\r\n") + "\r\nThanks!"
    assert fingerprint(page) == key.fingerprint


def test_crc_mismatch_is_reported_not_fatal() -> None:
    key = make_key(random.Random(4), "y <y@example.invalid>", 1_500_000_000)
    bad_crc = re.sub(r"\n=....\n", "\n=AAAA\n", key.armor)
    info = key_info(bad_crc)
    assert info.fingerprint == key.fingerprint and info.crc_ok is False


@pytest.mark.parametrize("text", [
    "",
    "no key here",
    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n!!!not base64!!!\n-----END PGP PUBLIC KEY BLOCK-----",
    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxsBN\n-----END PGP PUBLIC KEY BLOCK-----",  # truncated packet
    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n-----END PGP PUBLIC KEY BLOCK-----",  # not a packet
])
def test_garbage_raises_pgp_error(text: str) -> None:
    with pytest.raises(PgpError):
        key_info(text)
    assert fingerprint(text) is None


def test_v3_key_is_refused() -> None:
    body = bytes([3]) + b"\x00" * 10
    data = bytes([0xC6, len(body)]) + body
    b64 = base64.b64encode(data).decode()
    crc = base64.b64encode(crc24(data).to_bytes(3, "big")).decode()
    armor = f"-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n{b64}\n={crc}\n-----END PGP PUBLIC KEY BLOCK-----"
    with pytest.raises(PgpError, match="v4"):
        key_info(armor)
