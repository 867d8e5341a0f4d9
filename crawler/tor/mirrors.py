"""Pick a live onion mirror for a source; back off dead ones exponentially.

Markets publish several mirrors and rotate them; some are down at any moment. A downloader
middleware asks ``pick()`` for the mirror to use, reports ``mark_dead()`` on a connection-level
failure (e.g. SOCKS reply 0xF0 "descriptor not found") and ``mark_alive()`` on any response.
The clock is injected so back-off is testable without sleeping.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

Clock = Callable[[], float]


@dataclass(slots=True)
class MirrorState:
    """What the pool knows about one mirror."""

    url: str
    failures: int = 0
    retry_at: float = 0.0
    last_error: str = ""


def origin(url: str) -> str:
    """``scheme://host[:port]`` of a URL, lower-cased: the identity of a mirror."""
    parts = urlsplit(url.strip())
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "", "", ""))


class MirrorPool:
    """Mirrors of one source, in preference order; sticks to a working mirror until it fails."""

    def __init__(
        self,
        mirrors: Sequence[str],
        *,
        base_delay: float = 30.0,
        max_delay: float = 3600.0,
        clock: Clock = time.monotonic,
    ) -> None:
        if not mirrors:
            raise ValueError("a MirrorPool needs at least one mirror")
        if base_delay <= 0 or max_delay < base_delay:
            raise ValueError("need 0 < base_delay <= max_delay")
        self._states = {origin(url): MirrorState(origin(url)) for url in mirrors}
        self._base = base_delay
        self._max = max_delay
        self._clock = clock
        self._current = next(iter(self._states))

    def pick(self) -> str | None:
        """The mirror to use now: the current one if usable, else the first usable; None if all wait."""
        now = self._clock()
        current = self._states[self._current]
        if current.retry_at <= now:
            return current.url
        for state in self._states.values():
            if state.retry_at <= now:
                self._current = state.url
                return state.url
        return None

    def retry_in(self) -> float:
        """Seconds until some mirror may be tried again (0 if one is usable now)."""
        now = self._clock()
        return max(0.0, min(state.retry_at for state in self._states.values()) - now)

    def mark_dead(self, mirror: str, reason: str = "") -> float:
        """Record a failure; return the back-off: base * 2**(failures-1), capped at max_delay."""
        state = self._state(mirror)
        state.failures += 1
        delay = min(self._max, self._base * 2 ** (state.failures - 1))
        state.retry_at = self._clock() + delay
        state.last_error = reason
        return delay

    def mark_alive(self, mirror: str) -> None:
        """A response came back: forget past failures and prefer this mirror."""
        state = self._state(mirror)
        state.failures, state.retry_at, state.last_error = 0, 0.0, ""
        self._current = state.url

    def rewrite(self, url: str, mirror: str) -> str:
        """``url`` moved onto ``mirror`` (path, query and fragment kept)."""
        target, parts = urlsplit(self._state(mirror).url), urlsplit(url)
        return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, parts.fragment))

    def owns(self, url: str) -> bool:
        """Is ``url`` on one of this source's mirrors?"""
        return origin(url) in self._states

    def states(self) -> list[MirrorState]:
        """A snapshot, for logs and stats."""
        return [MirrorState(s.url, s.failures, s.retry_at, s.last_error) for s in self._states.values()]

    def _state(self, mirror: str) -> MirrorState:
        try:
            return self._states[origin(mirror)]
        except KeyError:
            raise KeyError(f"{mirror!r} is not a mirror of this pool") from None
