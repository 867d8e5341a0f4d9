"""The shipped config/gazetteer/substances.yaml honours the gazetteer contract."""

from __future__ import annotations

from typing import Any

from tools.gazetteer.normalize import match_key, surface_key
from tools.gazetteer.validate import CLASS_KEYS, MIN_SUBSTANCES, REQUIRED_IDS, validate


def _synonym(sub: dict[str, Any], text: str) -> dict[str, Any] | None:
    return next((s for s in sub["synonyms"] if surface_key(s["text"]) == surface_key(text)), None)


def test_contract_has_no_violations(gazetteer: dict[str, Any], not_substances: list[str]) -> None:
    assert validate(gazetteer, not_substances) == []


def test_size_classes_and_required_ids(gazetteer: dict[str, Any], by_id: dict[str, Any]) -> None:
    assert len(gazetteer["substances"]) >= MIN_SUBSTANCES
    assert set(gazetteer["classes"]) == CLASS_KEYS
    assert set(by_id) >= REQUIRED_IDS
    assert {s["class"] for s in gazetteer["substances"]} <= CLASS_KEYS


def test_every_synonym_maps_to_one_id(gazetteer: dict[str, Any]) -> None:
    owner: dict[str, set[str]] = {}
    for sub in gazetteer["substances"]:
        for text in [sub["name"], *(s["text"] for s in sub["synonyms"])]:
            owner.setdefault(match_key(text), set()).add(sub["id"])
    shared = {k: v for k, v in owner.items() if len(v) > 1}
    assert shared == {}


def test_no_synonym_is_a_look_alike(gazetteer: dict[str, Any], not_substances: list[str]) -> None:
    blocked = {match_key(t) for t in not_substances}
    names = {match_key(s["text"]) for sub in gazetteer["substances"] for s in sub["synonyms"]}
    names |= {match_key(sub["name"]) for sub in gazetteer["substances"]}
    assert names & blocked == set()


def test_demo_novelty_probe_is_absent(config_dir: Any) -> None:
    for name in ("substances.yaml", "curated.yaml", "lexicon_map.yaml"):
        assert "pxinaca" not in (config_dir / name).read_text(encoding="utf-8").casefold()


def test_brands_map_to_their_inn(by_id: dict[str, Any]) -> None:
    for sid, brand in [
        ("alprazolam", "xanax"),
        ("oxycodone", "oxycontin"),
        ("diazepam", "valium"),
        ("clonazepam", "klonopin"),
        ("buprenorphine", "suboxone"),
        ("pregabalin", "lyrica"),
    ]:
        assert _synonym(by_id[sid], brand) is not None, (sid, brand)


def test_variants_are_generated(by_id: dict[str, Any]) -> None:
    for sid, variant in [
        ("3-mmc", "3mmc"),
        ("2c-b", "2cb"),
        ("1p-lsd", "1plsd"),
        ("a-pvp", "alpha-pvp"),
        ("a-pvp", "apvp"),
        ("mdmb-4en-pinaca", "mdmb4enpinaca"),
    ]:
        syn = _synonym(by_id[sid], variant)
        assert syn is not None, (sid, variant)


def test_everyday_slang_is_ambiguous(by_id: dict[str, Any]) -> None:
    for sid, word in [
        ("cocaine", "snow"),
        ("methamphetamine", "ice"),
        ("alprazolam", "bars"),
        ("heroin", "h"),
        ("ketamine", "k"),
        ("amphetamine", "speed"),
        ("lsd", "tabs"),
    ]:
        syn = _synonym(by_id[sid], word)
        assert syn is not None and syn.get("ambiguous") is True, (sid, word, syn)


def test_distinctive_names_are_not_ambiguous(by_id: dict[str, Any]) -> None:
    for sid, word in [
        ("alprazolam", "xanax"),
        ("3-mmc", "metaphedrone"),
        ("4-mmc", "mephedrone"),
        ("a-pvp", "flakka"),
        ("2c-b", "tusi"),
    ]:
        syn = _synonym(by_id[sid], word)
        assert syn is not None and not syn.get("ambiguous"), (sid, word, syn)


def test_every_synonym_says_where_it_came_from(gazetteer: dict[str, Any]) -> None:
    syns = [s for sub in gazetteer["substances"] for s in sub["synonyms"]]
    assert all(s["source"] for s in syns)
    credited = {s["source"] for s in syns} | {a for s in syns for a in s.get("also", [])}
    assert credited == {"curated", "variant", "dope", "dea", "dea_controlled"}


def test_lexicon_parentheticals_are_stripped(gazetteer: dict[str, Any]) -> None:
    texts = [s["text"] for sub in gazetteer["substances"] for s in sub["synonyms"] if s["source"] != "curated"]
    assert not [t for t in texts if "mixed with" in t.casefold() or "hydroponic" in t.casefold()]
