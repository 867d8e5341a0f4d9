"""The demo sites' start-up probe waits out a reply that is not HTTP.

A probe of a port in the ephemeral range that nobody listens on yet can connect to itself (TCP
simultaneous open) and read its own request back; CI once failed on BadStatusLine("GET /sites HTTP/1.1").
"""

from __future__ import annotations

import http.client

import pytest

from narcoscope.demo import DemoSites
from tests.support import free_port_block


def test_start_retries_a_probe_that_read_no_http_reply(monkeypatch: pytest.MonkeyPatch) -> None:
    real = DemoSites.sites
    probes: list[int] = []

    def first_reads_itself(self: DemoSites) -> dict[str, str]:
        probes.append(1)
        if len(probes) == 1:
            raise http.client.BadStatusLine("GET /sites HTTP/1.1")
        return real(self)

    monkeypatch.setattr(DemoSites, "sites", first_reads_itself)
    sites = DemoSites(control_port=free_port_block(start=35500)).start()
    try:
        assert len(probes) >= 2
        assert real(sites)  # the sites are up and list themselves
    finally:
        sites.stop()
