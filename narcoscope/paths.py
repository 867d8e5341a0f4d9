"""Where narcoscope keeps its data, from the environment with sensible defaults.

One place for these facts: every stage and the CLI ask here, so a deployment changes them with
environment variables only (``NARCOSCOPE_HOME``, ``NARCOSCOPE_INDEX``, ``NARCOSCOPE_CONFIG``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True, slots=True)
class Paths:
    home: Path
    config: Path
    index_url: str

    @property
    def db(self) -> Path:
        return self.home / "narcoscope.db"

    @property
    def pages(self) -> Path:
        return self.home / "pages"

    @property
    def warc(self) -> Path:
        return self.home / "warc"

    @property
    def spool(self) -> Path:
        return self.home / "spool"

    @property
    def reports(self) -> Path:
        return self.home / "reports"

    def extraction_memo(self, source: str) -> Path:
        """Where a source's crawl keeps its analysed texts for the next crawl (nlp ``save_memo``)."""
        return self.home / "cache" / "extraction" / f"{re.sub(r'[^A-Za-z0-9._-]', '_', source)}.pickle"

    @classmethod
    def from_env(cls, home: str | Path | None = None, index_url: str | None = None) -> Paths:
        root = Path(home or os.environ.get("NARCOSCOPE_HOME") or REPO_ROOT / "var").resolve()
        config = Path(os.environ.get("NARCOSCOPE_CONFIG") or REPO_ROOT / "config")
        index = index_url or os.environ.get("NARCOSCOPE_INDEX") or f"sqlite:///{root / 'index.db'}"
        return cls(home=root, config=config, index_url=index)
