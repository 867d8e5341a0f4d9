"""The real deployment: docker-compose.yml is valid and safe by construction.

No Docker engine runs here, so the file is validated by Debian's docker-compose 1.29
(`docker-compose config`, exit 1 on an error) and its structure is checked directly.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="Debian's docker-compose is not installed")
def test_docker_compose_validates_the_file() -> None:
    proc = subprocess.run(["docker-compose", "--env-file", str(ROOT / ".env.example"), "-f", str(COMPOSE), "config"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr


def test_ports_are_bound_to_loopback_only(compose: dict[str, Any]) -> None:
    for name, svc in compose["services"].items():
        for port in svc.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"


def test_long_running_services_have_health_checks_and_named_volumes(compose: dict[str, Any]) -> None:
    for name in ("es01", "scheduler", "web", "kibana"):
        assert "healthcheck" in compose["services"][name], name
    assert {"esdata01", "narcoscope-data", "certs"} <= set(compose["volumes"])
    assert compose["services"]["kibana"]["profiles"] == ["kibana"]


def test_elasticsearch_security_and_tls_are_on(compose: dict[str, Any]) -> None:
    env = compose["services"]["es01"]["environment"]
    assert env["xpack.security.enabled"] == "true"
    assert env["xpack.security.http.ssl.enabled"] == "true"
    assert "${ELASTIC_PASSWORD" in env["ELASTIC_PASSWORD"]


def test_no_secret_in_the_repository() -> None:
    example = (ROOT / ".env.example").read_text()
    assert "change-me" in example
    assert not (ROOT / ".env").exists() or ".env" in (ROOT / ".gitignore").read_text()
