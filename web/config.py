"""Where the workbench keeps its own state, and the secret that signs its cookies."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from narcoscope.paths import Paths

SECRET_ENV = "NARCOSCOPE_WEB_SECRET"


@dataclass(frozen=True, slots=True)
class WebConfig:
    """The data paths plus web-only settings; built once per process."""

    paths: Paths
    secret_key: str
    secure_cookies: bool = False  # set behind TLS so cookies never travel in clear
    session_hours: int = 12

    @property
    def db(self) -> Path:
        """Users, sessions, tokens, alerts and the audit log: apart from the crawl data."""
        return self.paths.home / "web.db"

    @property
    def confirmed_path(self) -> Path:
        """Confirmed novel substances, read by the extractor beside the gazetteer."""
        return self.paths.config / "gazetteer" / "confirmed.yaml"

    @property
    def alert_logs(self) -> Path:
        """Alerts that notify by log file write here, never to an analyst-chosen path."""
        return self.paths.home / "alerts"

    @classmethod
    def from_paths(cls, paths: Paths, *, secure_cookies: bool | None = None) -> WebConfig:
        if secure_cookies is None:
            secure_cookies = os.environ.get("NARCOSCOPE_WEB_SECURE_COOKIES", "") in ("1", "true", "yes")
        return cls(paths=paths, secret_key=load_secret(paths.home), secure_cookies=secure_cookies)


def load_secret(home: Path) -> str:
    """The signing key: from the environment, else a random key kept (mode 0600) in the home."""
    env = os.environ.get(SECRET_ENV)
    if env:
        return env
    path = home / "web.secret"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    home.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process won the race: use its key
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(key)
    return key
