"""``narcoscope extract``: entities out for JSON lines and plain text in; clear errors, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from narcoscope.paths import REPO_ROOT

Extract = Callable[..., int]


def _out(capsys: pytest.CaptureFixture[str]) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def test_json_lines(extract: Extract, capsys: pytest.CaptureFixture[str]) -> None:
    rec = {"id": "a1", "title": "1g MDMB-3en-PXINACA + 5g 3-MMC", "description": "Ships from NL, tested.",
           "price": "0.0012 BTC", "ships_to": "Worldwide", "vendor": "GoldenHouse"}
    assert extract("--observed-at", "2026-07-27", stdin=json.dumps(rec) + "\n") == 0
    [out] = _out(capsys)
    assert out["id"] == "a1" and out["vendor"] == "GoldenHouse"
    fields = {"title": rec["title"], "description": rec["description"], "price": rec["price"],
              "ships_to": rec["ships_to"], "vendor": rec["vendor"]}
    for ent in out["entities"]:  # every span points at its text in its field
        assert fields[ent["field"]][ent["start"]:ent["end"]] == ent["text"]
    novel = [e for e in out["entities"] if e["novel"]]
    assert [e["text"] for e in novel] == ["MDMB-3en-PXINACA"] and novel[0]["class"] == "synthetic_cannabinoid"
    sub = next(e for e in out["entities"] if e["label"] == "SUBSTANCE")
    assert sub["id"] == "3-mmc" and sub["class"] == "synthetic_cathinone" and sub["nps"] is True
    assert out["candidates"] == ["mdmb-3en-pxinaca"] and "3-mmc" in out["substances"]
    assert out["ships_from"] == "NL" and out["ships_to"] == ["WW"]
    assert out["price_currency"] == "BTC" and out["price_usd"] is not None


def test_plain_text_lines_and_whole_text(extract: Extract, capsys: pytest.CaptureFixture[str]) -> None:
    text = "selling 5g 3-MMC crystal, ships from NL, 40 EUR\n\nbromazolam pellets 1mg x20\n"
    assert extract(stdin=text) == 0
    out = _out(capsys)
    assert [o["id"] for o in out] == ["1", "3"]  # blank line skipped, ids are line numbers
    assert out[0]["substances"] == ["3-mmc"] and out[1]["substances"] == ["bromazolam"]
    first = out[0]["entities"][0]
    assert first["field"] == "text" and text.splitlines()[0][first["start"]:first["end"]] == first["text"]
    assert extract("--text", stdin=text) == 0
    [whole] = _out(capsys)
    assert set(whole["substances"]) == {"3-mmc", "bromazolam"}
    for ent in whole["entities"]:
        assert text[ent["start"]:ent["end"]] == ent["text"]


def test_files_and_format_detection(extract: Extract, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "a.jsonl").write_text('\n{"text": "ketamine 10g"}\n', encoding="utf-8")
    (tmp_path / "b.txt").write_text("{not json but text} mephedrone\n", encoding="utf-8")
    assert extract(str(tmp_path / "a.jsonl"), "--format", "auto") == 0
    assert _out(capsys)[0]["substances"] == ["ketamine"]
    assert extract(str(tmp_path / "b.txt"), "--format", "text") == 0
    [out] = _out(capsys)
    assert out["id"].endswith("b.txt:1") and "mephedrone" in json.dumps(out).casefold()


@pytest.mark.parametrize(("line", "message"), [
    ('{"title": "x', "invalid JSON"),
    ("[1, 2]", "expected a JSON object"),
    ('{"id": 3}', 'no "title", "description" or "text"'),
    ('{"title": "3-MMC", "price": {"a": 1}}', "'price' must be a string"),
    ('{"title": "3-MMC", "observed_at": "yesterday"}', "observed_at"),
])
def test_bad_input_names_the_line(extract: Extract, capsys: pytest.CaptureFixture[str], line: str,
                                  message: str) -> None:
    good = '{"id": "ok", "title": "5g 3-MMC"}'
    assert extract(stdin=f"{good}\n{line}\n{good}\n") == 2
    captured = capsys.readouterr()
    assert "<stdin>:2" in captured.err and message in captured.err and "Traceback" not in captured.err
    assert len(captured.out.splitlines()) == 1  # records before the bad line are out


def test_keep_going(extract: Extract, capsys: pytest.CaptureFixture[str]) -> None:
    assert extract("--keep-going", stdin='{"title": "5g 3-MMC"}\n{oops\n{"title": "ketamine"}\n') == 1
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 2 and "<stdin>:2" in captured.err and "1 bad input line" in captured.err


def test_usage_errors(extract: Extract, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert extract(str(tmp_path / "missing.jsonl")) == 2
    assert "cannot read" in capsys.readouterr().err
    assert extract("--observed-at", "last week", stdin="x\n") == 2
    assert "--observed-at" in capsys.readouterr().err


def test_help_has_examples(extract: Extract, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        extract("--help")
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "examples:" in text and "narcoscope extract" in text and "--keep-going" in text


def test_subprocess_never_shows_a_traceback(tmp_path: Path) -> None:
    """The real process, as a user runs it: bad JSON gives a one-line error and status 2."""
    script = "import sys; from narcoscope.cli import main; sys.exit(main(['extract']))"
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.run([sys.executable, "-c", script], input='{"title": "ok 3-MMC"}\n{"broken\n', text=True,
                          capture_output=True, cwd=REPO_ROOT, env=env, timeout=300, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and "<stdin>:2: invalid JSON" in proc.stderr
    assert json.loads(proc.stdout.splitlines()[0])["substances"] == ["3-mmc"]
