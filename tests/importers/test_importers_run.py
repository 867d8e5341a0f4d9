"""Importing the sample through the real ingest path: store, extraction, index, evidence, idempotency."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest

import importers
from importers.run import run_import
from narcoscope.paths import Paths
from store import PageStore, RecordStore

WHEN = datetime(2015, 7, 7, tzinfo=timezone.utc)
Cli = Callable[[list[str]], int]


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Paths, object, object]:
    home = tmp_path_factory.mktemp("agora-home")
    paths = Paths.from_env(home, f"sqlite:///{home / 'index.db'}")
    sample = Path(__file__).parent / "agora_sample.csv"
    first = run_import(importers.get("agora", observed_at=WHEN), sample, paths)
    second = run_import(importers.get("agora", observed_at=WHEN), sample, paths)
    return paths, first, second


def test_report_accounts_for_every_row(imported: tuple[Paths, object, object]) -> None:
    _, first, _ = imported
    r = first  # type: ignore[assignment]
    assert (r.rows, r.imported, r.rejected) == (17, 14, 3)  # type: ignore[attr-defined]
    assert r.new_observations == 13 and r.known_observations == 1  # type: ignore[attr-defined]
    rejects = [json.loads(x) for x in Path(r.rejects_file).read_text(encoding="utf-8").splitlines()]  # type: ignore[attr-defined]
    assert [x["line"] for x in rejects] == [16, 17, 18]
    print(f"\nimport: {r.rows} rows in {r.rows_seconds:.2f}s = {r.rows_per_second:.0f} rows/s "  # type: ignore[attr-defined]
          f"(+{r.startup_seconds:.1f}s start-up)")  # type: ignore[attr-defined]


def test_store_extraction_and_index(imported: tuple[Paths, object, object]) -> None:
    paths, first, _ = imported
    rs = RecordStore(paths.db)
    try:
        assert rs.query("SELECT count(*) FROM listings WHERE source='agora'")[0][0] == 13
        assert rs.query("SELECT count(*) FROM observations")[0][0] == 13
        assert rs.query("SELECT min(observed_at) FROM observations")[0][0].startswith("2015-07-07")
        row = rs.query("SELECT l.extra, e.data FROM listings l JOIN extractions e USING(doc_id)"
                       " WHERE l.title LIKE '1g Cocaine%'")[0]
        assert json.loads(row["extra"])["Rating"] == "4.98/5"
        ext = json.loads(row["data"])
        assert "cocaine" in ext["substances"] and ext["ships_from"] == "NL"
        assert ext["price_currency"] == "BTC" and ext["price_amount"] == pytest.approx(0.2412)
        assert rs.query("SELECT count(*) FROM vendors WHERE source='agora'")[0][0] == 10
        page = rs.query("SELECT * FROM pages WHERE digest = ?", (first.digest,))  # type: ignore[attr-defined]
        assert page and page[0]["kind"] == "other"
    finally:
        rs.close()
    assert PageStore(paths.pages).get(first.digest, verify=True) == (  # type: ignore[attr-defined]
        Path(__file__).parent / "agora_sample.csv").read_bytes()
    from index import open_index
    from index.base import SearchRequest

    idx = open_index(paths.index_url)
    try:
        hits = idx.search(SearchRequest(query="substance:cocaine", size=10))
        assert hits.total == 1 and hits.hits[0].doc.source == "agora"
        assert idx.search(SearchRequest(query="market:agora", size=50)).total == 13
    finally:
        idx.close()


def test_reimport_is_idempotent(imported: tuple[Paths, object, object]) -> None:
    paths, first, second = imported
    assert second.new_observations == 0 and second.known_observations == 14  # type: ignore[attr-defined]
    assert second.digest == first.digest  # type: ignore[attr-defined]
    rs = RecordStore(paths.db)
    try:
        assert rs.query("SELECT count(*) FROM observations")[0][0] == 13
        assert rs.query("SELECT count(*) FROM listings")[0][0] == 13
    finally:
        rs.close()


def test_contacts_in_descriptions_link_vendors(imported: tuple[Paths, object, object]) -> None:
    from entities.db import connect

    paths, _, _ = imported
    db = connect(paths.db)
    links = {(r["kind"], r["value"]) for r in db.execute("SELECT * FROM vendor_links WHERE tier='strong'")}
    db.close()
    assert ("contact", "xmpp:dutchmasters@jabber.ccc.de") in links


def test_cli(tmp_path: Path, cli: Cli, sample: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "home")
    assert cli(["import", "--format", "agora", str(sample), "--home", home]) == 2
    assert "--observed-at" in capsys.readouterr().err
    assert cli(["import", "--format", "nope", str(sample), "--home", home, "--observed-at", "2015-07-07"]) == 2
    assert "unknown format" in capsys.readouterr().err
    assert cli(["import", "--format", "agora", str(tmp_path / "missing.csv"), "--home", home,
                "--observed-at", "2015-07-07"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert cli(["import", "--format", "agora", str(sample), "--home", home, "--observed-at", "2015-07-07",
                "--json", "--no-entities"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["imported"] == 14 and report["rejected"] == 3 and report["reasons"]
