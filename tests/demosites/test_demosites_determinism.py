"""Same seed -> byte-identical pages and truth; another seed -> a different world."""

from __future__ import annotations

import json

from demosites.world import DemoWorld


def test_same_seed_same_bytes_and_truth() -> None:
    a, b = DemoWorld.build(7), DemoWorld.build(7)
    for week in (0, 12, 25):
        assert a.render(week) == b.render(week)
        assert json.dumps(a.truth(week), sort_keys=True) == json.dumps(b.truth(week),
                                                                        sort_keys=True)


def test_other_seed_differs() -> None:
    a, b = DemoWorld.build(7), DemoWorld.build(8)
    assert a.render(3)["tortuga"] != b.render(3)["tortuga"]
    assert {x["listing_id"] for x in a.truth(3)["listings"]} != {
        x["listing_id"] for x in b.truth(3)["listings"]}
