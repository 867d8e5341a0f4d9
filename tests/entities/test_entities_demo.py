"""Vendor identities and the candidate registry on a real demo crawl (weeks 9-13), against the truth."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import entities
from entities.candidates import registry
from entities.db import connect

Demo = Any
Cli = Callable[[list[str]], int]

NOVEL = "MDMB-3en-PXINACA"


@pytest.fixture(scope="module")
def updated(demo: Demo) -> dict[str, int | float]:
    return entities.update(demo.paths)


def _accounts(demo: Demo, personas: dict[tuple[str, str], str]) -> dict[str, str]:
    db = connect(demo.paths.db)
    rows = db.execute("SELECT vendor_id, source, name FROM entity_vendors").fetchall()
    db.close()
    missing = [(r["source"], r["name"]) for r in rows if (r["source"], r["name"].casefold()) not in personas]
    assert not missing, f"accounts with no persona in the truth: {missing}"
    return {r["vendor_id"]: personas[(r["source"], r["name"].casefold())] for r in rows}


def test_every_same_persona_pair_is_linked_by_pgp(demo: Demo, updated: dict[str, int | float],
                                                    personas: dict[tuple[str, str], str]) -> None:
    acc = _accounts(demo, personas)
    db = connect(demo.paths.db)
    pgp = {(r[0], r[1]) for r in db.execute("SELECT vendor_a, vendor_b FROM vendor_links WHERE kind = 'pgp'")}
    ident = dict(db.execute("SELECT vendor_id, identity_id FROM vendor_identities").fetchall())
    db.close()
    same = [(a, b) for a, b in itertools.combinations(sorted(acc), 2) if acc[a] == acc[b]]
    assert len(same) >= 5, "the demo weeks should hold cross-market personas"
    for a, b in same:
        assert (a, b) in pgp, f"{a} and {b} share persona {acc[a]} but have no PGP link"
        assert ident[a] == ident[b]


def test_no_strong_link_between_different_personas(demo: Demo, updated: dict[str, int | float],
                                                   personas: dict[tuple[str, str], str]) -> None:
    acc = _accounts(demo, personas)
    db = connect(demo.paths.db)
    strong = db.execute("SELECT vendor_a, vendor_b, kind, value FROM vendor_links WHERE tier = 'strong'").fetchall()
    ident = dict(db.execute("SELECT vendor_id, identity_id FROM vendor_identities").fetchall())
    db.close()
    wrong = [tuple(r) for r in strong if acc[r[0]] != acc[r[1]]]
    assert not wrong
    merged = [(a, b) for a, b in itertools.combinations(sorted(acc), 2) if ident[a] == ident[b] and acc[a] != acc[b]]
    assert not merged
    # the figure for the report: pairwise precision / recall of identities vs personas
    pairs = list(itertools.combinations(sorted(acc), 2))
    tp = sum(1 for a, b in pairs if ident[a] == ident[b] and acc[a] == acc[b])
    linked = sum(1 for a, b in pairs if ident[a] == ident[b])
    same = sum(1 for a, b in pairs if acc[a] == acc[b])
    print(f"\nvendor linking: {len(acc)} accounts, {same} same-persona pairs, precision {tp / max(1, linked):.3f}, "
          f"recall {tp / max(1, same):.3f}")


def test_novel_substance_is_a_signal(demo: Demo, updated: dict[str, int | float]) -> None:
    db = connect(demo.paths.db)
    found = registry(db, status="all", name=NOVEL)
    assert found, "the planted novel substance is not in the registry"
    cand = found[0]
    assert cand.name == NOVEL
    assert cand.signal and (cand.vendors >= 2 or cand.markets >= 2)
    assert cand.first_seen.startswith("2026-07-13")  # week index 10
    digest_known = db.execute("SELECT 1 FROM pages WHERE digest = ?", (cand.first_page_digest,)).fetchone()
    assert cand.first_page_digest and digest_known, "first sighting must point at a stored page"
    assert cand.first_vendor and cand.first_source and cand.first_doc_id
    db.close()


def test_vendors_show_cli(demo: Demo, updated: dict[str, int | float], personas: dict[tuple[str, str], str],
                          capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    db = connect(demo.paths.db)
    row = db.execute("SELECT v.name FROM vendor_links l JOIN entity_vendors v ON v.vendor_id = l.vendor_a"
                     " WHERE l.kind = 'pgp' ORDER BY v.name LIMIT 1").fetchone()
    db.close()
    assert cli(["vendors", "--home", str(demo.home), "show", row["name"].upper(), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert len(shown) == 1 and len(shown[0]["markets"]) >= 2
    assert any(e["kind"] == "pgp" for e in shown[0]["strong_evidence"])
    assert cli(["vendors", "--home", str(demo.home), "show", row["name"]]) == 0
    text = capsys.readouterr().out
    assert "strong evidence" in text and "pgp" in text
    assert cli(["vendors", "--home", str(demo.home), "show", "NoSuchVendorAtAll"]) == 2
    assert "no vendor called" in capsys.readouterr().err


def test_candidates_cli_confirm_and_reject(demo: Demo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str], cli: Cli) -> None:
    paths = demo.copy(tmp_path / "home")
    config = tmp_path / "config"
    (config / "gazetteer").mkdir(parents=True)
    real = Path(__file__).resolve().parents[2] / "config" / "gazetteer" / "substances.yaml"
    (config / "gazetteer" / "substances.yaml").symlink_to(real)
    monkeypatch.setenv("NARCOSCOPE_CONFIG", str(config))
    home = str(paths.home)

    assert cli(["candidates", "--home", home, "list", "--signals", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [c["name"] for c in listed] == [NOVEL] and listed[0]["signal"]

    assert cli(["candidates", "--home", home, "confirm", NOVEL, "--class", "no_such_class"]) == 2
    assert "unknown class" in capsys.readouterr().err
    assert not (config / "gazetteer" / "confirmed.yaml").exists()

    assert cli(["candidates", "--home", home, "confirm", NOVEL.lower(), "--class", "synthetic_cannabinoid",
                    "--by", "tester"]) == 0
    entries = yaml.safe_load((config / "gazetteer" / "confirmed.yaml").read_text(encoding="utf-8"))
    assert entries == [{"id": "mdmb-3en-pxinaca", "name": NOVEL, "class": "synthetic_cannabinoid",
                        "confirmed_by": "tester", "confirmed_at": entries[0]["confirmed_at"]}]
    capsys.readouterr()
    assert cli(["candidates", "--home", home, "confirm", NOVEL, "--class", "synthetic_cannabinoid"]) == 2
    assert "already confirmed" in capsys.readouterr().err
    assert cli(["candidates", "--home", home, "list", "--json"]) == 0
    assert capsys.readouterr().out == ""  # confirmed: no longer pending

    # a rejected name is stored and not listed again
    db = connect(paths.db)
    db.execute("INSERT INTO candidate_sightings VALUES ('4f-nonsense','d1','4F-Nonsense','listing','tortuga',"
               "'X','vx','2026-07-20T12:00:00+00:00','')")
    db.commit()
    db.close()
    assert cli(["candidates", "--home", home, "list", "--json"]) == 0
    assert "4F-Nonsense" in capsys.readouterr().out
    assert cli(["candidates", "--home", home, "reject", "4F-NONSENSE"]) == 0
    assert cli(["candidates", "--home", home, "list", "--json"]) == 0
    assert "4F-Nonsense" not in capsys.readouterr().out.split("\n", 1)[-1]
    assert cli(["candidates", "--home", home, "list", "--status", "rejected", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "rejected"
