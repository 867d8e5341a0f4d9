"""Alert notifications: webhook (POST JSON), e-mail (SMTP) or a log file under the data home.

Every delivery returns a short status string kept in the alert's history; a failed delivery is
logged and recorded, never raised, so one broken webhook cannot stop the other alerts.
"""

from __future__ import annotations

import json
import logging
import os
import re
import smtplib
import urllib.error
import urllib.request
from email.message import EmailMessage
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)
NOTIFY_KINDS = ("log", "webhook", "email")
_LOG_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class NotifyConfigError(ValueError):
    """A notification target that is not acceptable (bad URL scheme, bad address, bad name)."""


def validate_target(kind: str, target: str) -> str:
    target = target.strip()
    if kind == "webhook":
        if not target.startswith(("http://", "https://")) or len(target) > 2000:
            raise NotifyConfigError("webhook must be an http(s) URL")
    elif kind == "email":
        if not _EMAIL.match(target):
            raise NotifyConfigError("not an e-mail address")
    elif kind == "log":
        target = target or "alerts"
        if not _LOG_NAME.match(target):
            raise NotifyConfigError("log name: 1-64 letters, digits, _ or - (written under $NARCOSCOPE_HOME/alerts)")
    else:
        raise NotifyConfigError(f"notify kind must be one of {NOTIFY_KINDS}")
    return target


def deliver(kind: str, target: str, payload: dict[str, Any], log_dir: Path) -> str:
    try:
        if kind == "webhook":
            return _webhook(target, payload)
        if kind == "email":
            return _email(target, payload)
        return _logfile(log_dir, target, payload)
    except (OSError, smtplib.SMTPException, urllib.error.URLError, ValueError) as exc:
        log.warning("alert %s: %s delivery to %s failed: %s", payload.get("alert_id"), kind, target, exc)
        return f"{kind} failed: {exc}"


def _webhook(url: str, payload: dict[str, Any]) -> str:
    body = json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8")
    req = urllib.request.Request(url, data=body, method="POST",
                                 headers={"Content-Type": "application/json", "User-Agent": "narcoscope-alerts"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return f"webhook {resp.status}"


def _email(address: str, payload: dict[str, Any]) -> str:
    host = os.environ.get("NARCOSCOPE_SMTP_HOST", "127.0.0.1")
    port = int(os.environ.get("NARCOSCOPE_SMTP_PORT", "25"))
    msg = EmailMessage()
    msg["Subject"] = f"[narcoscope] {payload.get('alert_name')}: {payload.get('summary')}"[:200]
    msg["From"] = os.environ.get("NARCOSCOPE_SMTP_FROM", "narcoscope@localhost")
    msg["To"] = address
    msg.set_content(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
    with smtplib.SMTP(host, port, timeout=15) as smtp:
        if os.environ.get("NARCOSCOPE_SMTP_STARTTLS") in ("1", "true", "yes"):
            smtp.starttls()
        user = os.environ.get("NARCOSCOPE_SMTP_USER")
        if user:
            smtp.login(user, os.environ.get("NARCOSCOPE_SMTP_PASSWORD", ""))
        smtp.send_message(msg)
    return f"email sent to {address}"


def _logfile(log_dir: Path, name: str, payload: dict[str, Any]) -> str:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / f"{validate_target('log', name)}.log"
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(payload, ensure_ascii=False, default=str, sort_keys=True) + "\n")
    return f"logged to {path.name}"
