"""Vendor links and identities on a small hand-made record store (real SQLite, no mocks)."""

from __future__ import annotations

import random
from datetime import datetime, timezone
from pathlib import Path

import pytest

import entities
from demosites.pgp import make_key
from entities import identity, linking
from entities.db import connect
from entities.evidence import vendor_id
from narcoscope.paths import Paths
from narcoscope.records import Listing, Vendor
from store import RecordStore

T0 = datetime(2026, 7, 6, 12, tzinfo=timezone.utc)
T1 = datetime(2026, 7, 13, 12, tzinfo=timezone.utc)


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths.from_env(tmp_path, f"sqlite:///{tmp_path / 'index.db'}")


def _store(paths: Paths, vendors: list[Vendor], listings: list[Listing] = (), when: datetime = T0) -> None:  # type: ignore[assignment]
    rs = RecordStore(paths.db)
    for v in vendors:
        rs.upsert_vendor(v, when)
    for li in listings:
        rs.upsert_listing(li, when)
    rs.close()


def _links(paths: Paths) -> set[tuple[str, str, str, str]]:
    db = connect(paths.db)
    names = {r["vendor_id"]: f"{r['source']}/{r['name']}" for r in db.execute("SELECT * FROM entity_vendors")}
    out = {(r["kind"], r["tier"], *sorted((names[r["vendor_a"]], names[r["vendor_b"]])))
           for r in db.execute("SELECT * FROM vendor_links")}
    db.close()
    return out  # type: ignore[return-value]


def _same_identity(paths: Paths, a: tuple[str, str], b: tuple[str, str]) -> bool:
    db = connect(paths.db)
    ids = dict(db.execute("SELECT vendor_id, identity_id FROM vendor_identities").fetchall())
    db.close()
    return bool(ids[vendor_id(*a)] == ids[vendor_id(*b)])


def test_shared_key_links_strongly_across_markets(paths: Paths) -> None:
    rng = random.Random(5)
    k1, k2 = make_key(rng, "a", 1), make_key(rng, "b", 2)
    _store(paths, [Vendor("m1", "IronTrading", pgp_key=k1.armor, page_digest="d1"),
                   Vendor("m2", "irontrading_DE", pgp_key=k1.armor, page_digest="d2"),
                   Vendor("m3", "SomeoneElse", pgp_key=k2.armor, page_digest="d3")])
    entities.update(paths)
    links = _links(paths)
    assert ("pgp", "strong", "m1/IronTrading", "m2/irontrading_DE") in links
    assert ("name_similar", "weak", "m1/IronTrading", "m2/irontrading_DE") in links
    assert _same_identity(paths, ("m1", "IronTrading"), ("m2", "irontrading_DE"))
    assert not _same_identity(paths, ("m1", "IronTrading"), ("m3", "SomeoneElse"))
    db = connect(paths.db)
    row = db.execute("SELECT * FROM vendor_links WHERE kind='pgp'").fetchone()
    assert row["value"] == k1.fingerprint and {row["digest_a"], row["digest_b"]} == {"d1", "d2"}
    db.close()


def test_names_alone_never_merge_identities(paths: Paths) -> None:
    rng = random.Random(6)
    _store(paths, [Vendor("m1", "DutchShop", pgp_key=make_key(rng, "a", 1).armor),
                   Vendor("m2", "DutchShop", pgp_key=make_key(rng, "b", 2).armor),
                   Vendor("m3", "Dutch_Shop")])
    entities.update(paths)
    links = _links(paths)
    assert ("name", "weak", "m1/DutchShop", "m2/DutchShop") in links
    assert ("name_similar", "weak", "m1/DutchShop", "m3/Dutch_Shop") in links
    assert all(tier == "weak" for _, tier, _, _ in links)
    assert not _same_identity(paths, ("m1", "DutchShop"), ("m2", "DutchShop"))


def test_contacts_from_profiles_and_listing_descriptions(paths: Paths) -> None:
    _store(paths, [Vendor("m1", "KetKing", contacts=("Wickr: ketking_be",), page_digest="p1"),
                   Vendor("m2", "SpecialK", description="Reach us on wickr: KetKing_BE", page_digest="p2")],
           [Listing("m3", "1", "", "10g Ketamine", "Questions? wickr me: ketking_be", vendor="KShards",
                    page_digest="p3")])
    entities.update(paths)
    links = _links(paths)
    assert ("contact", "strong", "m1/KetKing", "m2/SpecialK") in links
    assert ("contact", "strong", "m1/KetKing", "m3/KShards") in links
    assert _same_identity(paths, ("m2", "SpecialK"), ("m3", "KShards"))


def test_a_contact_shared_by_many_accounts_is_weak(paths: Paths) -> None:
    n = linking.MAX_SHARED_CONTACT + 1
    _store(paths, [Vendor("m1", f"Seller{i:02d}", description="Disputes: escrow@jabber.market.example")
                   for i in range(n)])
    entities.update(paths)
    kinds = {(k, t) for k, t, _, _ in _links(paths)}
    assert ("contact_shared", "weak") in kinds and ("contact", "strong") not in kinds
    assert not _same_identity(paths, ("m1", "Seller00"), ("m1", "Seller01"))


def test_update_is_incremental_and_keeps_first_evidence(paths: Paths) -> None:
    key = make_key(random.Random(7), "k", 1)
    _store(paths, [Vendor("m1", "Alpha", pgp_key=key.armor)])
    first = entities.update(paths)
    assert first["links/new"] == 0
    _store(paths, [Vendor("m2", "Alpha2", pgp_key=key.armor)], when=T1)
    second = entities.update(paths)
    assert second["links/new"] >= 1
    again = entities.update(paths)
    assert again["links/new"] == 0 and again["vendors/listings"] == 0
    rebuilt = entities.update(paths, rebuild=True)
    assert rebuilt["links/new"] == second["links/new"]


def test_bad_key_is_recorded_not_fatal(paths: Paths) -> None:
    _store(paths, [Vendor("m1", "Broken", pgp_key="-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nAAAA\n"
                                                   "-----END PGP PUBLIC KEY BLOCK-----")])
    stats = entities.update(paths)
    assert stats["vendors/bad_keys"] == 1
    db = connect(paths.db)
    row = db.execute("SELECT fingerprint, key_error FROM entity_vendors").fetchone()
    assert row["fingerprint"] is None and row["key_error"]
    db.close()


def test_identity_lookup_is_case_insensitive_and_suggests(paths: Paths) -> None:
    key = make_key(random.Random(8), "k", 1)
    _store(paths, [Vendor("m1", "MagicFactory52", pgp_key=key.armor),
                   Vendor("m2", "magicfactory52", pgp_key=key.armor)])
    entities.update(paths)
    db = connect(paths.db)
    found = identity.find(db, "MAGICFACTORY52")
    assert len(found) == 1 and found[0].markets == ["m1", "m2"]
    assert {ln["kind"] for ln in found[0].strong} == {"pgp"}
    assert identity.find(db, "MagicFactory52", "m2")[0].identity_id == found[0].identity_id
    assert identity.find(db, "nobody") == []
    assert any("MagicFactory52" in s for s in identity.suggestions(db, "MagicFactory"))
    db.close()
