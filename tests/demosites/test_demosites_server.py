"""The server over real HTTP on 127.0.0.1: pages, 404s, week switching, the control API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from demosites.bench import measure
from demosites.server import DemoServer, check_host
from demosites.world import DemoWorld


def _get(url: str, method: str = "GET") -> tuple[int, bytes]:
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _json(url: str, method: str = "GET") -> Any:
    return json.loads(_get(url, method)[1])


@pytest.fixture(scope="module")
def server(world: DemoWorld) -> Iterator[DemoServer]:
    srv = DemoServer(world, host="127.0.0.1", port_base=0, week=3).start()
    yield srv
    srv.stop()


def test_serves_pages_and_404(server: DemoServer, world: DemoWorld) -> None:
    assert set(server.urls) == {"tortuga", "nightjar", "velvet-alley", "the-hive", "dreadnought"}
    assert all(u.startswith("http://127.0.0.1:") for u in server.urls.values())
    server.set_week(3)
    rec = world.truth(3)["listings"][0]
    status, body = _get(server.urls[rec["source"]] + rec["path"])
    assert status == 200 and body == world.render(3)[rec["source"]][rec["path"]][2]
    assert _get(server.urls["tortuga"] + "/no/such/page")[0] == 404
    assert _get(server.urls["the-hive"] + "/viewtopic.php?t=999999")[0] == 404


def test_switch_weeks_via_control_api(server: DemoServer) -> None:
    ctl = server.control_url
    assert _json(ctl + "/week/18", "POST")["week"] == 18
    assert _json(ctl + "/week")["week"] == 18
    status, body = _get(server.urls["velvet-alley"] + "/viewProduct?offer=anything")
    assert status == 200 and b"This hidden site has been seized" in body
    truth = _json(ctl + "/truth?week=18")
    assert truth["sites"]["velvet-alley"]["status"] == "seized"
    assert _json(ctl + "/sites") == server.urls
    assert _get(ctl + "/week/99", "POST")[0] == 400
    server.set_week(2)
    status, body = _get(server.urls["velvet-alley"] + "/")
    assert status == 200 and b"seized" not in body


def test_refuses_non_loopback_hosts(world: DemoWorld) -> None:
    for host in ("0.0.0.0", "192.168.1.5", "localhost", "::1"):
        with pytest.raises(ValueError):
            DemoServer(world, host=host)
    assert check_host("127.0.0.2") == "127.0.0.2"


def test_throughput_is_measured(world: DemoWorld) -> None:
    result = measure(world, week=12, requests=400, workers=16)
    assert result["ok"] == 400
    # it does ~1500/s idle; 50/s leaves room for a loaded CI box and still catches stalls
    assert result["pages_per_s"] > 50
