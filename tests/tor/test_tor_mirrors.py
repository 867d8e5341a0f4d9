"""MirrorPool: exponential back-off with an injected clock."""

from __future__ import annotations

import pytest

from crawler.tor.mirrors import MirrorPool

A, B, C = "http://aaaa.onion", "http://bbbb.onion", "http://cccc.onion"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_sticks_to_first_mirror_until_it_fails() -> None:
    pool = MirrorPool([A, B, C], clock=FakeClock())
    assert pool.pick() == A
    assert pool.pick() == A


def test_dead_mirror_is_backed_off_exponentially_and_capped() -> None:
    clock = FakeClock()
    pool = MirrorPool([A, B], base_delay=10, max_delay=50, clock=clock)
    delays = [pool.mark_dead(A, "0xF0") for _ in range(5)]
    assert delays == [10, 20, 40, 50, 50]
    assert pool.pick() == B
    clock.now += 49
    assert pool.pick() == B  # A still waiting; B keeps being used
    pool.mark_dead(B)
    clock.now += 0.5
    assert pool.pick() is None
    assert pool.retry_in() == pytest.approx(0.5)
    clock.now += 0.5
    assert pool.pick() == A  # A's back-off ran out first


def test_alive_resets_failures_and_becomes_preferred() -> None:
    clock = FakeClock()
    pool = MirrorPool([A, B], base_delay=10, clock=clock)
    pool.mark_dead(A)
    pool.mark_dead(A)
    pool.mark_alive(B)
    clock.now += 100
    assert pool.pick() == B  # sticky: A recovered, but B works
    pool.mark_alive(A)
    assert pool.mark_dead(A) == 10  # failures were reset
    assert [s.failures for s in pool.states()] == [1, 0]


def test_rewrite_and_owns() -> None:
    pool = MirrorPool([A, "http://BBBB.onion/"])
    assert pool.owns("http://aaaa.onion/listing/1?x=2")
    assert not pool.owns("http://zzzz.onion/")
    assert pool.rewrite("http://aaaa.onion/listing/1?x=2", "http://bbbb.onion") == "http://bbbb.onion/listing/1?x=2"
    with pytest.raises(KeyError):
        pool.mark_dead("http://zzzz.onion")


def test_rejects_bad_configuration() -> None:
    with pytest.raises(ValueError):
        MirrorPool([])
    with pytest.raises(ValueError):
        MirrorPool([A], base_delay=10, max_delay=5)
