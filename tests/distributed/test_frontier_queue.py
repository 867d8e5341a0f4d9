"""The shared frontier's Lua operations against a real Redis: dedup, leases, reclaim, ack."""

from __future__ import annotations

import time

import redis

from crawler.distributed.queue import RedisFrontier


def test_push_dedups_and_pop_respects_priority(redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    a = RedisFrontier(r, "tortuga@1", "a", lease=30)
    assert a.push("f1", "one", 0)
    assert not a.push("f1", "one again", 0)  # seen
    assert a.push("f1", "forced", 0, dont_filter=True)  # dont_filter gets a fingerprint of its own
    assert a.push("f2", "two", 5)
    assert [p for _, p in a.pop(10)] == ["two", "one", "forced"]
    assert a.stats()["duplicates"] == 1 and a.pending() == 3


def test_a_dead_workers_lease_returns_to_the_queue(redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    dead = RedisFrontier(r, "tortuga@1", "dead", lease=0.3)
    live = RedisFrontier(r, "tortuga@1", "live", lease=30)
    for i in range(3):
        dead.push(f"f{i}", f"p{i}")
    taken = dead.pop(2)
    assert live.pop(5) == [("f2", "p2")]  # the leased ones are not handed out twice
    time.sleep(0.4)  # the dead worker never renews
    again = live.pop(5)
    assert sorted(again) == sorted(taken)
    assert dead.ack([fp for fp, _ in taken]) == 0  # too late: they belong to "live" now
    assert live.ack(["f0", "f1", "f2"]) == 3
    assert live.pending() == 0 and live.stats()["reclaimed"] == 2


def test_renew_keeps_a_lease(redis_url: str) -> None:
    r = redis.Redis.from_url(redis_url)
    w = RedisFrontier(r, "k", "w", lease=0.5)
    other = RedisFrontier(r, "k", "other", lease=0.5)
    w.push("f", "p")
    w.pop(1)
    for _ in range(4):
        time.sleep(0.2)
        assert w.renew(["f"]) == 1
        assert other.pop(1) == []
    w.clear()
    assert r.keys("narcoscope:frontier:k:*") == []
