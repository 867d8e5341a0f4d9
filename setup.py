"""What pyproject.toml does not say (its ``ext-modules`` table is still experimental): the compiled parts.

* The C loops of ``nlp/_tokendata.c``; ``nlp/components/_doc.py`` runs the same loops in Python without.
* The modules listed under ``[tool.narcoscope.compiled]``, compiled by mypyc from their typed Python.

Both are optional: without a C compiler or mypyc (or with ``NARCOSCOPE_PURE_PYTHON=1``) the install goes
on and the same code runs interpreted, slower; ``make test`` then fails the tests that check they were built.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from setuptools import Extension, setup

ROOT = Path(__file__).resolve().parent


def compiled_modules() -> list[Extension]:
    if os.environ.get("NARCOSCOPE_PURE_PYTHON"):
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("narcoscope: mypyc not found; the listed modules run interpreted")
        return []
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    modules = config["tool"]["narcoscope"]["compiled"]["modules"]
    try:
        extensions = mypycify(["--config-file", "pyproject.toml", *modules], opt_level="3", group_name="narcoscope")
    except (Exception, SystemExit) as exc:  # noqa: BLE001  # any mypyc failure (its bugs raise AssertionError)
        print(f"narcoscope: mypyc could not compile the listed modules ({exc!r}); they run interpreted")
        return []
    for extension in extensions:
        extension.optional = True  # a failed compile leaves the module interpreted, not the install broken
    return extensions


setup(ext_modules=[
    Extension("nlp._tokendata", ["nlp/_tokendata.c"], extra_compile_args=["-O2"], optional=True),
    *compiled_modules(),
])
