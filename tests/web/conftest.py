"""Fixtures for the workbench tests: one filled world per session, apps and signed-in clients."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from webworld import build_world, test_paths

from narcoscope.paths import Paths
from web import accounts
from web.app import create_app
from web.config import WebConfig
from web.webdb import WebDB

PASSWORD = "correct horse battery"


def make_world(root: Path) -> tuple[Paths, dict[str, str]]:
    paths = test_paths(root)
    ids = build_world(paths)
    cfg = WebConfig(paths=paths, secret_key="test-secret")
    db = WebDB(cfg.db)
    accounts.add_user(db, "admin", PASSWORD, "admin")
    accounts.add_user(db, "analyst", PASSWORD, "analyst")
    return paths, ids


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Paths, dict[str, str]]:
    return make_world(tmp_path_factory.mktemp("webworld"))


@pytest.fixture()
def fresh_world(tmp_path: Path) -> tuple[Paths, dict[str, str]]:
    """A world of its own, for tests that change data (alerts, novelty review)."""
    return make_world(tmp_path)


def login(client: TestClient, name: str = "analyst", password: str = PASSWORD) -> str:
    """Sign in through the form like a browser; returns the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    resp = client.post("/login", data={"username": name, "password": password, "csrf_token": token.group(1),
                                       "next": "/search"}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    search = client.get("/search")
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', search.text)
    assert csrf
    return csrf.group(1)


def client_for(paths: Paths, user: str | None = "analyst") -> Iterator[tuple[TestClient, str]]:
    app = create_app(WebConfig(paths=paths, secret_key="test-secret"))
    with TestClient(app, base_url="http://testserver") as client:
        csrf = login(client, user) if user else ""
        yield client, csrf


@pytest.fixture()
def client(world: tuple[Paths, dict[str, str]]) -> Iterator[tuple[TestClient, str]]:
    yield from client_for(world[0])


@pytest.fixture()
def admin_client(world: tuple[Paths, dict[str, str]]) -> Iterator[tuple[TestClient, str]]:
    yield from client_for(world[0], "admin")


@pytest.fixture()
def anon(world: tuple[Paths, dict[str, str]]) -> Iterator[TestClient]:
    for c, _ in client_for(world[0], None):
        yield c
