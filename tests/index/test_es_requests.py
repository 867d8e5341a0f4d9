"""What the ES backend sends, without an ES server: golden request bodies, mapping/config checks,
and the 8-compatible headers observed on a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from elasticsearch import Elasticsearch

from index._es_requests import listings_index_body, observations_template_body, search_body, weekly_body
from index.base import SearchRequest
from index.documents import IndexDoc, ObservationDoc
from index.es_backend import ElasticsearchIndex, Es8CompatibleTransport
from index.query import parse_query

GOLDEN_DIR = Path(__file__).with_name("golden")
REQUESTS: dict[str, Any] = {
    "search_default": lambda: search_body(SearchRequest(query="cocaine from:NL"), parse_query("cocaine from:NL")),
    "search_full": lambda: search_body(
        SearchRequest(query='"crystal meth" -sample', kind="listing", sort="price_asc", size=10, offset=20,
                      facets=["substance", "vendor", "price_band"], highlight=True),
        parse_query('"crystal meth" -sample')),
    "search_newest_all": lambda: search_body(SearchRequest(sort="newest", facets=["ships_to", "lang"]),
                                             parse_query("")),
    "weekly_substance": lambda: weekly_body("substance", date(2026, 1, 7), date(2026, 3, 31), None),
    "weekly_source_ids": lambda: weekly_body("source", None, None, ["a1", "b2"]),
}


@pytest.mark.parametrize("name", sorted(REQUESTS))
def test_request_bodies_match_golden(name: str) -> None:
    got = REQUESTS[name]()
    path = GOLDEN_DIR / f"es_{name}.json"
    if os.environ.get("NARCOSCOPE_REGEN_GOLDEN"):
        path.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    assert got == json.loads(path.read_text(encoding="utf-8"))


def _mapped_fields(properties: dict[str, Any]) -> set[str]:
    return set(properties)


def test_listing_mapping_is_strict_and_covers_every_doc_field() -> None:
    body = listings_index_body("x-listings")
    mappings = body["mappings"]
    assert mappings["dynamic"] == "strict"
    assert _mapped_fields(mappings["properties"]) == {f.name for f in dataclasses.fields(IndexDoc)}
    assert mappings["properties"]["title"]["analyzer"] == "narcoscope_english"
    assert "keyword" in mappings["properties"]["vendor"]["fields"]
    assert body["aliases"] == {"x-listings": {"is_write_index": True}}
    assert "porter_stem" in body["settings"]["analysis"]["analyzer"]["narcoscope_english"]["filter"]


def test_observation_template_is_strict_and_covers_every_field() -> None:
    body = observations_template_body("ns")
    assert body["index_patterns"] == ["ns-obs-*"] and body["template"]["aliases"] == {"ns-obs": {}}
    mappings = body["template"]["mappings"]
    assert mappings["dynamic"] == "strict"
    assert _mapped_fields(mappings["properties"]) == {f.name for f in dataclasses.fields(ObservationDoc)}


def test_monthly_observation_index_names() -> None:
    from datetime import datetime, timezone

    ix = ElasticsearchIndex(Elasticsearch("http://127.0.0.1:1"), prefix="ns")
    assert ix.obs_index(datetime(2026, 5, 31, 23, 59, tzinfo=timezone.utc)) == "ns-obs-2026.05"
    ix.close()


class _Recorder(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, str]]] = []

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def _answer(self) -> None:
        _Recorder.seen.append({k.lower(): v for k, v in self.headers.items()})
        length = int(self.headers.get("content-length") or 0)
        self.rfile.read(length)
        body = json.dumps({"count": 7, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/vnd.elasticsearch+json;compatible-with=8")
        self.send_header("x-elastic-product", "Elasticsearch")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Recorder.seen.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_client_asks_for_es8_compatibility(recorder: str) -> None:
    """ES 8 rejects ``compatible-with=9`` (the 9.x client's default); ES 9 accepts 8."""
    client = Elasticsearch(recorder, transport_class=Es8CompatibleTransport)
    assert client.count(index="x", query={"match_all": {}})["count"] == 7
    headers = _Recorder.seen[-1]
    assert "compatible-with=8" in headers["accept"] and "compatible-with=8" in headers["content-type"]
    assert "compatible-with=9" not in json.dumps(headers)


def test_credentials_come_from_env_and_never_from_url(monkeypatch: pytest.MonkeyPatch, recorder: str) -> None:
    monkeypatch.setenv("NARCOSCOPE_ES_USER", "analyst")
    monkeypatch.setenv("NARCOSCOPE_ES_PASSWORD", "s3cret")
    ix = ElasticsearchIndex.from_url(f"{recorder}?prefix=ns&refresh=true")
    assert ix.prefix == "ns" and ix.refresh
    ix.client.count(index="x")
    assert _Recorder.seen[-1]["authorization"].startswith("Basic ")
    assert "s3cret" not in repr(ix.client) and "s3cret" not in str(ix.__dict__)
    ix.close()
