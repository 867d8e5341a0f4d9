"""Which of the modules listed for mypyc (``[tool.narcoscope.compiled]`` in pyproject.toml) run compiled.

An install in place (``pip install -e .``, what ``make`` does) puts each compiled module's extension
beside its ``.py``, and Python imports the extension first: after an edit to the ``.py`` and before the
next build, the old compiled code would run. The extractor warns when it starts (``warn_if_stale``),
and the tests fail, until ``make`` builds again.
"""

from __future__ import annotations

import importlib.machinery
import logging
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CompiledModule:
    source: Path  # the .py file
    extension: Path | None  # the compiled extension beside it, if built

    @property
    def stale(self) -> bool:
        """Built from an older version of its source (which Python would not run)."""
        return self.extension is not None and self.source.stat().st_mtime > self.extension.stat().st_mtime


def listed(root: Path = ROOT) -> list[CompiledModule]:
    """The modules pyproject.toml lists for mypyc, with their extensions; [] outside a source tree."""
    try:
        config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except OSError:
        return []  # installed without the source tree: nothing sits beside a .py to go stale
    out = []
    for name in config["tool"]["narcoscope"]["compiled"]["modules"]:
        source = root / name
        built = [source.with_name(source.stem + suffix) for suffix in importlib.machinery.EXTENSION_SUFFIXES]
        out.append(CompiledModule(source, next((p for p in built if p.exists()), None)))
    return out


def warn_if_stale(root: Path = ROOT) -> list[Path]:
    """Log (once per call) the compiled modules older than their source; returns their sources."""
    stale = [m.source for m in listed(root) if m.stale]
    if stale:
        log.warning("compiled modules older than their source, so the old code runs: %s; "
                    "rebuild with `make` (pip install -e .)", ", ".join(str(p.relative_to(root)) for p in stale))
    return stale
