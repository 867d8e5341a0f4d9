"""The modules mypyc compiles (pyproject.toml ``[tool.narcoscope.compiled]``): built, current, and
extracting exactly what the same code extracts interpreted."""

from __future__ import annotations

import importlib
import importlib.machinery
import logging
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

from narcoscope import compiled

ROOT = Path(__file__).resolve().parents[2]
# the top-level packages pyproject.toml installs (as tests/deploy/test_dockerfile.py reads them)
PACKAGES = sorted({p.split(".", 1)[0] for p in find_packages(
    where=str(ROOT), include=tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    ["find"]["include"])})


def _module_name(source: Path) -> str:
    return ".".join(source.relative_to(ROOT).with_suffix("").parts)


def test_the_listed_modules_run_compiled_and_current() -> None:
    """``make`` compiles them (mypyc comes with the build, gcc is on every machine that runs the
    tests): the benches and the tests must measure and check the compiled code, not fall back on
    the interpreter without a word, nor run a build older than the source."""
    modules = compiled.listed()
    assert len(modules) >= 10
    for module in modules:
        assert module.extension is not None, f"{module.source} was not compiled (run make)"
        assert not module.stale, f"{module.source} changed after it was compiled (run make)"
        loaded = importlib.import_module(_module_name(module.source))
        assert Path(str(loaded.__file__)) == module.extension


def test_a_compiled_module_older_than_its_source_is_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.narcoscope.compiled]\nmodules = ["pkg/a.py", "pkg/b.py"]\n',
                                             encoding="utf-8")
    (tmp_path / "pkg").mkdir()
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    for name in ("a", "b"):
        (tmp_path / "pkg" / f"{name}.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "pkg" / f"a{suffix}").write_bytes(b"")
    os.utime(tmp_path / "pkg" / f"a{suffix}", (1_000_000, 1_000_000))  # built long before the .py
    with caplog.at_level(logging.WARNING):
        assert compiled.warn_if_stale(tmp_path) == [tmp_path / "pkg" / "a.py"]
    assert "pkg/a.py" in caplog.text
    assert [m.extension is None for m in compiled.listed(tmp_path)] == [False, True]
    os.utime(tmp_path / "pkg" / f"a{suffix}")  # rebuilt now
    assert compiled.warn_if_stale(tmp_path) == []


@pytest.mark.slow
def test_compiled_and_interpreted_extract_the_same(tmp_path: Path) -> None:
    """mypyc checks annotations at run time and binds calls early: the 305 gold listings through
    ``narcoscope extract``, once compiled and once from a copy of the tree without the compiled
    modules (what an install without mypyc runs), give the same lines."""
    pure = tmp_path / "pure"
    skip = {m.extension.name for m in compiled.listed() if m.extension is not None}
    for name in [*PACKAGES, "config"]:
        shutil.copytree(ROOT / name, pure / name, ignore=lambda _dir, names: [n for n in names if n in skip
                                                                             or n == "__pycache__"])
    shutil.copy(ROOT / "pyproject.toml", pure / "pyproject.toml")
    gold = ROOT / "tests" / "gold" / "listings.jsonl"

    def extract(tree: Path) -> list[str]:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        run = subprocess.run([sys.executable, "-m", "narcoscope", "extract", "--observed-at", "2026-05-04", str(gold)],
                             cwd=tree, env=env, capture_output=True, text=True, timeout=300, check=True)
        return run.stdout.splitlines()

    check = subprocess.run([sys.executable, "-c", "import nlp.components.measures as m; print(m.__file__)"],
                           cwd=pure, env={**os.environ, "PYTHONPATH": str(pure)}, capture_output=True, text=True,
                           check=True)
    assert check.stdout.strip().endswith("measures.py")  # the copy really runs interpreted
    compiled_lines, pure_lines = extract(ROOT), extract(pure)
    assert len(compiled_lines) == 305
    assert compiled_lines == pure_lines
