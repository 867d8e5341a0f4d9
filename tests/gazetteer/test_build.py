"""The build is deterministic, reproduces the shipped file and resolves conflicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.gazetteer.build import build, main
from tools.gazetteer.curated import GazetteerInputError, LexiconMap, load_curated
from tools.gazetteer.merge import Candidate, resolve
from tools.gazetteer.normalize import is_junk, match_key, split_parenthetical, variants


def test_build_is_deterministic_and_matches_shipped(tmp_path: Path, config_dir: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert main(["--config", str(config_dir), "--out", str(first)]) == 0
    assert main(["--config", str(config_dir), "--out", str(second)]) == 0
    for name in ("substances.yaml", "conflicts.txt"):
        built = (first / name).read_bytes()
        assert built == (second / name).read_bytes()
        assert built == (config_dir / name).read_bytes(), f"{name} is stale: re-run the build"


def test_curated_collision_fails_the_build(tmp_path: Path, config_dir: Path) -> None:
    cur = load_curated(config_dir / "curated.yaml")
    assert cur.substances
    lmap = LexiconMap(categories={}, overrides={})
    cands = [Candidate("snowball", "cocaine", "curated", "slang"), Candidate("Snow-Ball", "mdma", "curated", "slang")]
    with pytest.raises(GazetteerInputError):
        resolve(cands, lmap, blocked=set())


def test_lexicon_tie_is_dropped_and_reported() -> None:
    lmap = LexiconMap(categories={}, overrides={})
    cands = [
        Candidate("blue", "heroin", "dea", "slang", "Heroin"),
        Candidate("blue", "oxycodone", "dea", "slang", "Oxycodone"),
    ]
    res = resolve(cands, lmap, blocked=set())
    assert res.synonyms == {}
    assert len(res.conflicts) == 2 and all(c.startswith("lexicon tie") for c in res.conflicts)


def test_curated_beats_lexicon_and_override_beats_vote() -> None:
    lmap = LexiconMap(categories={}, overrides={"china white": "fentanyl"})
    cands = [
        Candidate("ice", "methamphetamine", "curated", "slang"),
        Candidate("Ice", "crack-cocaine", "dea", "slang", "Crack Cocaine"),
        Candidate("China White", "heroin", "dea", "slang", "Heroin"),
        Candidate("china white", "heroin", "dope", "slang", "heroin"),
        Candidate("China White", "fentanyl", "dea", "slang", "Fentanyl"),
    ]
    res = resolve(cands, lmap, blocked=set())
    assert {c.id for c in res.synonyms["methamphetamine"]} == {"methamphetamine"}
    assert "crack-cocaine" not in res.synonyms and "heroin" not in res.synonyms
    assert res.synonyms["fentanyl"][0].text == "China White"


def test_not_substances_are_blocked() -> None:
    lmap = LexiconMap(categories={}, overrides={})
    res = resolve([Candidate("T-Shirts", "cocaine", "dea", "slang", "Cocaine")], lmap, blocked={match_key("t-shirts")})
    assert res.synonyms == {} and res.conflicts[0].startswith("not_substance")


def test_normalisation_helpers() -> None:
    assert match_key("α-PVP") == match_key("alpha PVP") == "alphapvp"
    assert split_parenthetical("Belushi (mixed with heroin)") == ("Belushi", ["mixed with heroin"])
    assert split_parenthetical("2-(methylamino)-1-phenylpentan-1-one")[1] == []
    assert is_junk('Constituent of "Khat" plant') and not is_junk("Georgia Home Boy")
    assert {"3mmc", "3 mmc"} <= variants("3-MMC")
    assert {"a-pvp", "alpha-pvp", "apvp"} <= variants("α-PVP")
    assert variants("k-pin", slang=True) == {"k pin"}


def test_build_returns_all_curated_substances(config_dir: Path) -> None:
    doc, res = build(config_dir)
    assert len(doc["substances"]) == len(load_curated(config_dir / "curated.yaml").substances)
    assert res.unmapped == sorted(res.unmapped)
