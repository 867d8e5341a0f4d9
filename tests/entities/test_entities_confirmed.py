"""confirmed.yaml: the format the web workbench and the extractor read, safe under concurrent writers."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
import yaml

from entities import confirmed

ROOT = Path(__file__).resolve().parents[2]


def _append(path: str, i: int) -> None:
    confirmed.append(Path(path), {"id": f"sub-{i}", "name": f"Sub-{i}", "class": "other",
                                  "confirmed_by": "p", "confirmed_at": "2026-01-01T00:00:00+00:00"})


def test_concurrent_appends_all_survive(tmp_path: Path) -> None:
    path = tmp_path / "confirmed.yaml"
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_append, args=(str(path), i)) for i in range(12)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert sorted(e["id"] for e in entries) == sorted(f"sub-{i}" for i in range(12))
    assert path.read_text(encoding="utf-8").startswith("# Novel substances")


def test_readers_of_the_file_accept_it(tmp_path: Path) -> None:
    from nlp.gazetteer import _confirmed
    from web.gazetteer import read_confirmed

    path = tmp_path / "confirmed.yaml"
    gz = confirmed.Gazette.load(ROOT / "config" / "gazetteer")
    entry = confirmed.make_entry(gz, "MDMB-3en-PXINACA", "synthetic_cannabinoid", by="analyst")
    confirmed.append(path, entry)
    assert read_confirmed(path) == [entry]
    assert _confirmed(path)[0]["id"] == "mdmb-3en-pxinaca"


def test_entry_validation() -> None:
    gz = confirmed.Gazette.load(ROOT / "config" / "gazetteer")
    assert "synthetic_cathinone" in gz.classes and "3-mmc" in gz.ids
    with pytest.raises(confirmed.ConfirmError, match="already in the gazetteer"):
        confirmed.make_entry(gz, "3-MMC", "synthetic_cathinone", by="a")
    with pytest.raises(confirmed.ConfirmError, match="unknown class"):
        confirmed.make_entry(gz, "X-Foo", "bogus", by="a")
    with pytest.raises(confirmed.ConfirmError, match="id"):
        confirmed.make_entry(gz, "X Foo", "other", sid="Bad Id!", by="a")
    assert confirmed.make_entry(gz, "ZZB  9en PINACA", "synthetic_cannabinoid", by="a")["id"] == "zzb-9en-pinaca"


def test_duplicate_name_refused(tmp_path: Path) -> None:
    path = tmp_path / "confirmed.yaml"
    _append(str(path), 1)
    with pytest.raises(confirmed.ConfirmError, match="already confirmed"):
        confirmed.append(path, {"id": "other-id", "name": "SUB-1", "class": "other", "confirmed_by": "x",
                                "confirmed_at": "2026-01-02T00:00:00+00:00"})
    assert len(yaml.safe_load(path.read_text(encoding="utf-8"))) == 1
