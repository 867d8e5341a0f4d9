"""The image's build context holds what the image runs.

No Docker engine runs here, so the context is worked out as Docker would: the files of the
repository minus the names in ``.dockerignore``. The Dockerfile once copied a hand-kept list of
packages that missed four of them (the web UI and the scheduler among them).
"""

from __future__ import annotations

import fnmatch
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from setuptools import find_packages

ROOT = Path(__file__).resolve().parents[2]


def ignored() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def kept(path: str) -> bool:
    """Whether the build context keeps a file: its top-level name, or with ``**/``, its file name
    or any folder on its way, matches no pattern."""
    parts = path.split("/")
    for pattern in ignored():
        names = parts[:1] if not pattern.startswith("**/") else parts
        if any(fnmatch.fnmatchcase(name, pattern.removeprefix("**/")) for name in names):
            return False
    return True


def context() -> set[str]:
    """Top-level names of the repository's files that the build context keeps."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout: the repository's files are unknown")
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return {f.split("/", 1)[0] for f in files if kept(f)}


def test_dockerignore_patterns_are_ones_the_test_reads() -> None:
    # the context above is computed with that rule; other patterns would need Docker's own matcher
    assert all("/" not in pattern.removeprefix("**/") and not pattern.startswith("!") for pattern in ignored())
    assert not kept("nlp/_tokendata.cpython-311-x86_64-linux-gnu.so")  # a build of this machine's
    assert kept("nlp/_tokendata.c") and not kept("tests/nlp/conftest.py")


def test_the_context_holds_every_package_and_the_config() -> None:
    keep = context()
    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {p.split(".", 1)[0] for p in find_packages(where=str(ROOT), include=include)}
    assert packages >= {"narcoscope", "crawler", "nlp", "index", "web", "scheduler"}
    assert packages <= keep, f"left out of the image: {sorted(packages - keep)}"
    assert {"config", "pyproject.toml", "setup.py", "README.md"} <= keep
    assert not {"tests", ".venv", ".git", "bench"} & keep


def test_the_image_installs_the_whole_context_in_place() -> None:
    lines = (ROOT / "Dockerfile").read_text().replace("\\\n", " ").splitlines()  # continuation lines joined
    steps = [line.split(None, 1) for line in lines if line.strip() and not line.startswith("#")]
    assert ["COPY", ". ."] in [[op, arg.strip()] for op, arg in steps if op in ("COPY", "RUN")]
    runs = [arg for op, arg in steps if op == "RUN"]
    assert any(re.search(r"pip install -e \.(\s|$)", arg) for arg in runs), runs
