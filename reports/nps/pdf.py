"""PDF through a real browser engine: Debian's headless Chromium printing the HTML report.

Why Chromium and not a Python PDF library: the HTML is the reviewed artefact, and printing it
with the engine analysts open it in keeps one layout (CSS ``@page``, page breaks) for both.
Network is switched off as far as flags allow (the page itself also has a CSP with no sources).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_CANDIDATES = ("chromium", "chromium-browser", "google-chrome")
APT_PACKAGE = "chromium"


class PdfRendererMissing(RuntimeError):
    """No headless Chromium on this machine (``apt-get install -y chromium``)."""


def find_chromium() -> str | None:
    """Path of the Chromium binary (``NARCOSCOPE_CHROMIUM`` overrides), or None."""
    override = os.environ.get("NARCOSCOPE_CHROMIUM")
    if override:
        return override if Path(override).exists() else None
    for name in CHROMIUM_CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html_path: Path, pdf_path: Path, *, timeout_s: float = 120.0) -> Path:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium; raises on failure."""
    binary = find_chromium()
    if binary is None:
        raise PdfRendererMissing(f"no Chromium found for PDF output: install Debian's `{APT_PACKAGE}` package "
                                 f"(apt-get install -y {APT_PACKAGE}) or set NARCOSCOPE_CHROMIUM")
    with tempfile.TemporaryDirectory(prefix="narcoscope-chromium-") as profile:
        cmd = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
               "--disable-extensions", "--no-pdf-header-footer", f"--user-data-dir={profile}",
               f"--print-to-pdf={pdf_path.resolve()}", html_path.resolve().as_uri()]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=False)
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        raise RuntimeError(f"Chromium failed to print {html_path} (exit {proc.returncode}): {proc.stderr[-800:]}")
    return pdf_path
