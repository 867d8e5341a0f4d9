"""WARC evidence: records read back from their offset, and `narcoscope evidence` catches tampering."""

from __future__ import annotations

import gzip
from datetime import datetime, timezone
from pathlib import Path

import pytest

from narcoscope.cli import main
from narcoscope.records import RawPage
from store import PageStore, RecordStore
from store.warc import WarcLog, read_record

T = datetime(2026, 5, 4, 12, tzinfo=timezone.utc)


def test_records_read_back_from_their_offsets(tmp_path: Path) -> None:
    log = WarcLog(tmp_path / "c.warc.gz")
    a = log.write_response("http://127.0.0.1/a", 200, "OK", [("Content-Type", "text/html")], b"<p>a</p>", T)
    b = log.write_response("http://127.0.0.1/b", 404, "", [], b"gone", T)
    log.close()
    ra, rb = read_record(a.path, a.offset), read_record(b.path, b.offset)
    assert (ra.uri, ra.body, ra.date) == ("http://127.0.0.1/a", b"<p>a</p>", "2026-05-04T12:00:00Z")
    assert rb.body == b"gone" and ra.verified and rb.verified
    assert ra.payload_digest.startswith("sha1:")  # warcio's standard payload digest is kept too


def _capture(home: Path, body: bytes) -> str:
    digest = PageStore(home / "pages").put(body)
    ref = WarcLog(home / "warc" / "c.warc.gz").write_response("http://127.0.0.1/x", 200, "OK", [], body, T)
    store = RecordStore(home / "narcoscope.db")
    store.add_page(RawPage(url="http://127.0.0.1/x", source="m", fetched_at=T, observed_at=T, status=200,
                           headers={}, digest=digest, crawl_id="c", warc_path=ref.path, warc_offset=ref.offset))
    store.close()
    return digest


def test_evidence_command_verifies_and_detects_tampering(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digest = _capture(tmp_path, b"<h1>listing</h1>")
    assert main(["evidence", digest, "--home", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "store:     verified" in out and "verified" in out.split("warc:")[1]
    PageStore(tmp_path / "pages").path_for(digest).write_bytes(gzip.compress(b"<h1>edited</h1>"))
    assert main(["evidence", "http://127.0.0.1/x", "--home", str(tmp_path)]) == 1
    assert "FAILED" in capsys.readouterr().out


def test_evidence_for_unknown_target_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidence", "http://127.0.0.1/never", "--home", str(tmp_path)]) == 2
    assert "no capture of" in capsys.readouterr().err
