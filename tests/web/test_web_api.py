"""The workbench JSON API over a real SQLite index and record store (no mocks)."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import stix2
import yaml
from fastapi.testclient import TestClient
from pymisp import MISPEvent
from webworld import CANDIDATE, add_new_activity

from web.app import CSP

Client = tuple[TestClient, str]


# access control -------------------------------------------------------------------------------
def test_nothing_but_login_and_static_is_anonymous(anon: TestClient) -> None:
    for route in anon.app.routes:  # type: ignore[attr-defined]
        path = getattr(route, "path", "")
        methods = getattr(route, "methods", None) or {"GET"}
        if path in ("/login",) or path.startswith("/static"):
            continue
        url = re.sub(r"\{[^}]+\}", "x", path)
        for method in methods - {"HEAD"}:
            resp = anon.request(method, url, follow_redirects=False)
            if path.startswith("/api"):
                assert resp.status_code == 401, (method, path, resp.status_code)
            else:
                assert resp.status_code in (303, 401, 403), (method, path, resp.status_code)
                if resp.status_code == 303:
                    assert resp.headers["location"].startswith("/login")
    assert anon.get("/login").status_code == 200
    assert anon.get("/static/app.css").status_code == 200


def test_login_needs_password_and_form_token(anon: TestClient) -> None:
    page = anon.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    bad = anon.post("/login", data={"username": "analyst", "password": "wrong password!", "csrf_token": token})
    assert bad.status_code == 401 and "wrong password" in bad.text
    no_token = anon.post("/login", data={"username": "analyst", "password": "x" * 12, "csrf_token": "forged"})
    assert no_token.status_code == 403


def test_session_cookie_flags(world: tuple) -> None:
    from conftest import PASSWORD, client_for

    for client, _csrf in client_for(world[0], None):
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        resp = client.post("/login", data={"username": "analyst", "password": PASSWORD, "csrf_token": token},
                           follow_redirects=False)
        cookie = next(v for k, v in resp.headers.multi_items() if k == "set-cookie" and "narcoscope_session" in v)
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie.replace("Strict", "strict")


def test_csrf_required_for_cookie_writes(client: Client) -> None:
    c, csrf = client
    body = {"candidate": "nothing-here"}
    assert c.post("/api/candidates/reject", json=body).status_code == 403
    assert c.post("/api/candidates/reject", json=body, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert c.post("/api/candidates/reject", json=body,
                  headers={"X-CSRF-Token": csrf, "Origin": "http://evil.example"}).status_code == 403
    assert c.post("/api/tokens", json={"name": "t"}, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_api_tokens_are_hashed_and_revocable(client: Client, world: tuple) -> None:
    c, csrf = client
    made = c.post("/api/tokens", json={"name": "script"}, headers={"X-CSRF-Token": csrf}).json()
    token = made["token"]
    stored = (world[0].home / "web.db").read_bytes()
    assert token.encode() not in stored
    bare = TestClient(c.app)
    auth = {"Authorization": f"Bearer {token}"}
    assert bare.get("/api/search", params={"q": "bromazolam"}, headers=auth).status_code == 200
    # a token caller needs no CSRF token (no ambient credentials)
    assert bare.post("/api/tokens", json={"name": "t2"}, headers=auth).status_code == 201
    assert c.delete(f"/api/tokens/{made['id']}", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert bare.get("/api/search", headers=auth).status_code == 401


def test_admin_only_endpoints(client: Client, admin_client: Client) -> None:
    assert client[0].get("/api/audit").status_code == 403
    assert client[0].get("/api/users").status_code == 403
    assert admin_client[0].get("/api/users").status_code == 200


def test_security_headers_and_no_inline_script(client: Client, world: tuple) -> None:
    c, _ = client
    ids = world[1]
    for path in ("/search", f"/listing/{ids['h0']}", "/vendor/ChemKing", "/substance/bromazolam", "/market/alpha",
                 "/candidates", "/alerts", "/sources", "/account"):
        resp = c.get(path)
        assert resp.status_code == 200, path
        assert resp.headers["content-security-policy"] == CSP
        assert "frame-ancestors 'none'" in CSP and "script-src 'self'" in CSP
        assert not re.search(r"<script(?![^>]*\bsrc=)", resp.text), path
        assert " on" not in re.sub(r"\s+", " ", resp.text).lower().replace(" one", "")[:0]  # shells carry no data
        assert resp.headers["x-content-type-options"] == "nosniff"


def test_openapi_document(client: Client, anon: TestClient) -> None:
    assert anon.get("/api/openapi.json").status_code == 401
    doc = client[0].get("/api/openapi.json").json()
    for path in ("/api/search", "/api/listings/{doc_id}", "/api/vendors/{name}", "/api/substances/{sid}",
                 "/api/markets/{name}", "/api/trends", "/api/alerts", "/api/export", "/api/candidates"):
        assert path in doc["paths"], path


# search ---------------------------------------------------------------------------------------
def test_search_with_facets_and_highlights(client: Client) -> None:
    res = client[0].get("/api/search", params={"q": "bromazolam", "size": 5}).json()
    assert res["total"] >= 3
    assert len(res["hits"]) == 5
    assert set(res["facets"]) >= {"substance", "class", "source", "vendor", "ships_from", "price_band"}
    assert any("<mark>" in h["highlights"].get("title", "") for h in res["hits"])
    for h in res["hits"]:
        for text in h["highlights"].values():
            assert "<script" not in text and "<img" not in text  # escaped by the index


def test_filters_are_anded_and_values_ored(client: Client) -> None:
    c, _ = client
    nl = c.get("/api/search", params={"substance": "bromazolam", "ships_from": "NL", "size": 100}).json()
    assert nl["total"] > 0 and all(h["ships_from"] == "NL" and "bromazolam" in h["substances"] for h in nl["hits"])
    both = c.get("/api/search", params=[("market", "bravo"), ("market", "charlie"), ("size", "100")]).json()
    assert {h["source"] for h in both["hits"]} == {"bravo", "charlie"}
    # the filtered field's own facet still lists the other markets (so they can be added)...
    assert {f["value"] for f in both["facets"]["source"]} >= {"alpha", "bravo", "charlie"}
    # ...while the other facets count only the filtered results
    assert sum(f["count"] for f in both["facets"]["substance"]) <= both["total"] + 5
    band = c.get("/api/search", params={"price_band": "100-500", "size": 100}).json()
    assert band["total"] > 0 and all(100 <= h["price_usd"] < 500 for h in band["hits"])
    late = c.get("/api/search", params={"first_seen_from": "2026-07-01", "size": 100}).json()
    assert late["total"] > 0 and all(h["first_seen"] >= "2026-07-01" for h in late["hits"])
    cheap = c.get("/api/search", params={"sort": "price_asc", "size": 3}).json()
    prices = [h["price_usd"] for h in cheap["hits"]]
    assert prices == sorted(prices)


def test_pagination(client: Client) -> None:
    c, _ = client
    first = c.get("/api/search", params={"sort": "newest", "size": 4, "page": 1}).json()
    second = c.get("/api/search", params={"sort": "newest", "size": 4, "page": 2}).json()
    assert second["offset"] == 4
    assert not {h["doc_id"] for h in first["hits"]} & {h["doc_id"] for h in second["hits"]}


def test_syntax_error_points_into_the_analysts_query(client: Client) -> None:
    c, _ = client
    resp = c.get("/api/search", params={"q": "bromazolam AND (from:NL", "substance": "x"})
    assert resp.status_code == 400
    detail = resp.json()["detail"]
    assert detail["error"] == "query_syntax"
    assert detail["query"] == "bromazolam AND (from:NL"
    assert 0 <= detail["position"] <= len(detail["query"])
    assert c.get("/api/query/validate", params={"q": "price:[1 TO"}).json()["ok"] is False
    assert c.get("/api/search", params={"price_band": "cheap"}).status_code == 400
    assert c.get("/api/search", params={"first_seen_from": "yesterday"}).status_code == 400


# detail views ---------------------------------------------------------------------------------
def test_listing_with_history_extraction_and_evidence(client: Client, world: tuple) -> None:
    c, _ = client
    d = c.get(f"/api/listings/{world[1]['a1']}").json()
    assert len(d["observations"]) == 8
    assert [o["amount"] for o in d["observations"]][:3] == [100.0, 100.0, 95.0]
    ents = d["extraction"]["entities"]
    assert any(e["label"] == "SUBSTANCE" and e["field"] == "title" for e in ents)
    title = d["record"]["title"]
    e = next(e for e in ents if e["field"] == "title")
    assert title[e["start"]:e["end"]].lower() == "bromazolam"
    assert len(d["evidence"]) == 8 and all(p["stored"] for p in d["evidence"])
    digest = d["evidence"][0]["digest"]
    ev = c.get(f"/api/listings/{world[1]['a1']}/evidence/{digest}").json()
    assert ev["verified"] and "Bromazolam 1mg pellets" in ev["text"]
    assert "<" not in ev["text"] and "__pwned" not in ev["text"]  # scripts dropped, no markup
    assert c.get(f"/api/listings/{world[1]['a1']}/evidence/{'0' * 64}").status_code == 404
    assert c.get("/api/listings/nope").status_code == 404


def test_vendor_aliases_by_shared_pgp_key(client: Client) -> None:
    c, _ = client
    baron = c.get("/api/vendors/BenzoBaron").json()
    assert [(a["name"], a["evidence"]) for a in baron["aliases"]] == [("BaronRx", "shared PGP key")]
    king = c.get("/api/vendors/ChemKing").json()
    assert {"alpha", "bravo"} <= set(king["markets"])
    assert king["activity"]["rows"] and king["facets"]["substance"]


def test_substance_page_data(client: Client) -> None:
    d = client[0].get("/api/substances/bromazolam").json()
    assert d["known"] and d["class"] == "designer_benzodiazepine"
    assert any(s["text"] for s in d["synonyms"])
    assert d["first_seen_week"] == "2026-W23"
    assert {f["value"] for f in d["facets"]["source"]} >= {"alpha", "bravo", "charlie"}
    assert d["price_per_gram"] and all(p["median_usd_per_g"] > 0 for p in d["price_per_gram"])
    assert d["listings_over_time"]["rows"]


def test_hostile_vendor_name_round_trips(client: Client) -> None:
    from urllib.parse import quote

    from webworld import HOSTILE_VENDOR

    d = client[0].get("/api/vendors/" + quote(HOSTILE_VENDOR, safe="")).json()
    assert d["name"] == HOSTILE_VENDOR and d["total"] == 1
    page = client[0].get("/vendor/" + quote(HOSTILE_VENDOR, safe=""))
    assert page.status_code == 200
    assert "<img src=x" not in page.text and "&lt;img src=x" in page.text  # only as an escaped data-attribute


def test_market_trends_and_sources(client: Client) -> None:
    c, _ = client
    m = c.get("/api/markets/charlie").json()
    assert m["total"] == 2 and m["health"]["health"] == "degraded"
    t = c.get("/api/trends", params={"by": "substance", "q": "market:alpha"}).json()
    assert {r["key"] for r in t["rows"]} >= {"bromazolam", "3-mmc"}
    assert c.get("/api/trends", params={"by": "colour"}).status_code == 400
    src = {s["source"]: s for s in c.get("/api/sources").json()}
    assert src["alpha"]["health"] == "ok" and src["charlie"]["last_crawl"]["blocked"] == 3
    assert src["alpha"]["crawls"] == 8 and src["alpha"]["last_crawl"]["pages"] == 40


# novelty --------------------------------------------------------------------------------------
def test_novelty_queue_confirm_and_reject(fresh_world: tuple) -> None:
    from conftest import client_for

    paths, _ids = fresh_world
    for c, csrf in client_for(paths):
        queue = c.get("/api/candidates").json()
        cand = next(q for q in queue if q["candidate"] == CANDIDATE)
        assert cand["documents"] == 2 and set(cand["markets"]) == {"alpha", "bravo"}
        assert cand["evidence"][0]["match"].lower() == CANDIDATE
        h = {"X-CSRF-Token": csrf}
        bad = c.post("/api/candidates/confirm", json={"candidate": CANDIDATE, "class": "no_such_class"}, headers=h)
        assert bad.status_code == 400
        ok = c.post("/api/candidates/confirm", json={"candidate": CANDIDATE, "class": "phenethylamine"}, headers=h)
        assert ok.status_code == 200, ok.text
        saved = yaml.safe_load((paths.config / "gazetteer" / "confirmed.yaml").read_text())
        assert saved == [{"id": CANDIDATE, "name": CANDIDATE, "class": "phenethylamine", "confirmed_by": "analyst",
                          "confirmed_at": saved[0]["confirmed_at"]}]
        assert c.post("/api/candidates/confirm", json={"candidate": CANDIDATE, "class": "phenethylamine"},
                      headers=h).status_code == 400
        assert not c.get("/api/candidates").json()
        assert c.get("/api/candidates", params={"status": "confirmed"}).json()[0]["status"] == "confirmed"
        sub = c.get(f"/api/substances/{CANDIDATE}").json()
        assert sub["known"] and sub["confirmed"]
    from entities import candidates
    from entities.db import connect

    db = connect(paths.db)
    stored = candidates.decision(db, CANDIDATE)
    db.close()
    assert stored is not None and (stored["decision"], stored["class"], stored["decided_by"]) == (
        "confirmed", "phenethylamine", "analyst")  # what `narcoscope candidates` reads


def test_workbench_and_cli_share_one_decision_record(fresh_world: tuple) -> None:
    """A rejection made with ``narcoscope candidates reject`` (entities.candidates.decide) is what
    the workbench shows, and the workbench cannot decide the same name again; the reverse holds too."""
    from conftest import client_for

    from entities import candidates
    from entities.db import connect

    paths, _ids = fresh_world
    db = connect(paths.db)
    candidates.decide(db, CANDIDATE.upper(), "rejected", by="cli-analyst", at="2026-06-01T00:00:00+00:00")
    db.close()
    for c, csrf in client_for(paths):
        rejected = c.get("/api/candidates", params={"status": "rejected"}).json()
        assert [(r["candidate"], r["decision"]["decided_by"]) for r in rejected] == [(CANDIDATE, "cli-analyst")]
        assert not c.get("/api/candidates").json()
        again = c.post("/api/candidates/confirm", json={"candidate": CANDIDATE, "class": "phenethylamine"},
                       headers={"X-CSRF-Token": csrf})
        assert again.status_code == 400 and "already reviewed" in again.text
    assert not (paths.config / "gazetteer" / "confirmed.yaml").exists() or CANDIDATE not in (
        paths.config / "gazetteer" / "confirmed.yaml").read_text()


# exports --------------------------------------------------------------------------------------
def test_csv_export_neutralises_formulas(client: Client, admin_client: Client) -> None:
    c, _ = client
    resp = c.get("/api/export", params={"format": "csv", "q": "cocaine"})
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    probe = next(r for r in rows if "HYPERLINK" in r["title"])
    assert probe["title"].startswith("'=") and probe["vendor"] == "'@SUM(1+1)"
    for r in rows:
        for value in r.values():
            assert not value or value[0] not in "=+-@\t\r"
    audit = admin_client[0].get("/api/audit", params={"action": "export"}).json()
    assert any(json.loads(a["detail"])["format"] == "csv" and a["user"] == "analyst" for a in audit)


def test_jsonl_stix_and_misp_exports(client: Client) -> None:
    c, _ = client
    lines = c.get("/api/export", params={"format": "jsonl", "substance": "bromazolam"}).text.splitlines()
    assert lines and all("bromazolam" in json.loads(x)["substances"] for x in lines)
    stix = c.get("/api/export", params={"format": "stix", "tlp": "red", "q": "bromazolam", "limit": 5})
    bundle = stix2.parse(stix.text, allow_custom=True)
    types = {o["type"] for o in bundle.objects}
    assert {"observed-data", "note", "threat-actor", "x-narcoscope-substance", "extension-definition",
            "relationship", "url", "identity", "marking-definition"} <= types
    red = stix2.TLP_RED.id
    assert all(red in o.get("object_marking_refs", [red]) for o in bundle.objects
               if o["type"] not in ("marking-definition", "identity", "extension-definition", "url"))
    sub = next(o for o in bundle.objects if o["type"] == "x-narcoscope-substance")
    assert sub["substance_class"] == "designer_benzodiazepine"
    misp = c.get("/api/export", params={"format": "misp", "tlp": "green", "q": "bromazolam", "limit": 5})
    event = MISPEvent()
    event.load(misp.text)
    assert "tlp:green" in [t.name for t in event.tags] and len(event.objects) == 5


# alerts ---------------------------------------------------------------------------------------
def test_alerts_fire_after_new_data(fresh_world: tuple) -> None:
    from conftest import client_for

    from web import check_alerts

    paths, _ids = fresh_world
    for c, csrf in client_for(paths):
        h = {"X-CSRF-Token": csrf}
        specs = [
            {"name": "any bromazolam", "rule": "new_match", "query": "bromazolam", "notify": "log", "target": "t"},
            {"name": "new benz vendor", "rule": "new_vendor", "substance": "bromazolam"},
            {"name": "3mmc cheaper", "rule": "price_drop", "query": "substance:3-mmc", "percent": 30},
            {"name": "broma spread", "rule": "spread", "substance": "bromazolam", "markets": 4, "days": 21},
        ]
        made = [c.post("/api/alerts", json=s, headers=h) for s in specs]
        assert all(r.status_code == 201 for r in made), [r.text for r in made]
        assert c.post("/api/alerts", json={"name": "x", "rule": "new_match", "query": "a AND ("},
                      headers=h).status_code == 400
        assert c.post("/api/alerts", json={"name": "x", "rule": "new_match", "notify": "log",
                                           "target": "../../etc/x"}, headers=h).status_code == 400
        assert check_alerts(paths) == []  # nothing new yet
        add_new_activity(paths)
        fired = {f.alert_name: f for f in check_alerts(paths)}
        assert set(fired) == {"any bromazolam", "new benz vendor", "3mmc cheaper", "broma spread"}
        assert "FreshBenz" in fired["new benz vendor"].summary
        assert fired["3mmc cheaper"].details["drops"][0]["drop_percent"] >= 30
        assert "delta" in fired["broma spread"].details["markets"]
        assert check_alerts(paths) == []  # state moved on: no repeat
        log_lines = (paths.home / "alerts" / "t.log").read_text().splitlines()
        assert json.loads(log_lines[0])["alert_name"] == "any bromazolam"
        aid = made[0].json()["id"]
        hist = c.get(f"/api/alerts/{aid}").json()["history"]
        assert len(hist) == 1 and hist[0]["delivery"].startswith("logged")


def test_webhook_notification(fresh_world: tuple) -> None:
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from conftest import client_for

    from web import check_alerts

    got: list[dict] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            got.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        paths, _ = fresh_world
        for c, csrf in client_for(paths):
            url = f"http://127.0.0.1:{server.server_port}/hook"
            assert c.post("/api/alerts", json={"name": "hook", "rule": "new_vendor", "substance": "bromazolam",
                                               "notify": "webhook", "target": url},
                          headers={"X-CSRF-Token": csrf}).status_code == 201
        add_new_activity(paths)
        fired = check_alerts(paths)
        assert [f.delivery for f in fired] == ["webhook 204"]
        assert got and got[0]["alert_name"] == "hook" and got[0]["rule"] == "new_vendor"
    finally:
        server.shutdown()


# CLI ------------------------------------------------------------------------------------------
def test_user_cli_reads_password_from_stdin(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from narcoscope.commands import user as user_cmd
    from web import accounts
    from web.webdb import WebDB

    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command")
    user_cmd.add_parser(sub)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
    args = parser.parse_args(["user", "--home", str(tmp_path), "add", "carol", "--role", "admin", "--password-stdin"])
    assert args.func(args) == 0
    db = WebDB(tmp_path / "web.db")
    user = accounts.authenticate(db, "carol", "a long enough secret")
    assert user is not None and user.role == "admin"
    assert "a long enough secret" not in (tmp_path / "web.db").read_text(errors="ignore")
    row = db.one("SELECT password_hash FROM users WHERE name = 'carol'") or {}
    assert row["password_hash"].startswith("$argon2id$")
