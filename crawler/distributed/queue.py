"""One crawl's frontier in Redis, shared by every worker: queue, seen set, and leased in-flight list.

Each operation is a Lua script, so it is atomic on the Redis server:

* ``push``: a request whose fingerprint was never seen is added to the seen set, its payload
  stored, and it is queued, all at once (a worker dying halfway cannot leave a fingerprint
  "seen" but never queued);
* ``pop``: first every in-flight request whose lease ran out (its worker died) goes back to the
  queue, then the next requests move to the *processing* set with a lease (Redis's own clock, so
  the workers' clocks may disagree);
* ``renew``: a live worker pushes its leases forward;
* ``ack``: a request is done (its page stored and records committed) and leaves for good.

Keys, for crawl ``K``: ``narcoscope:frontier:K:{seen,queue,processing,owner,payload,score,stats}``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis

_PUSH = """
local fp = ARGV[1]
if ARGV[4] == '1' then fp = fp .. ':' .. redis.call('HINCRBY', KEYS[5], 'unfiltered', 1) end
if redis.call('SADD', KEYS[1], fp) == 0 then
  redis.call('HINCRBY', KEYS[5], 'duplicates', 1)
  return 0
end
local seq = redis.call('HINCRBY', KEYS[5], 'seq', 1)
local score = -tonumber(ARGV[3]) * 1000000000 + seq
redis.call('ZADD', KEYS[2], score, fp)
redis.call('HSET', KEYS[3], fp, ARGV[2])
redis.call('HSET', KEYS[4], fp, score)
return 1
"""

_POP = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, fp in ipairs(expired) do
  redis.call('ZREM', KEYS[2], fp)
  redis.call('HDEL', KEYS[3], fp)
  redis.call('ZADD', KEYS[1], tonumber(redis.call('HGET', KEYS[5], fp) or '0'), fp)
  redis.call('HINCRBY', KEYS[6], 'reclaimed', 1)
end
local out = {}
local popped = redis.call('ZPOPMIN', KEYS[1], tonumber(ARGV[1]))
for i = 1, #popped, 2 do
  local fp = popped[i]
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), fp)
  redis.call('HSET', KEYS[3], fp, ARGV[3])
  table.insert(out, fp)
  table.insert(out, redis.call('HGET', KEYS[4], fp))
end
return out
"""

_RENEW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = 0
for i = 3, #ARGV do
  if redis.call('HGET', KEYS[2], ARGV[i]) == ARGV[2] then
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
    n = n + 1
  end
end
return n
"""

_ACK = """
local n = 0
for i = 2, #ARGV do
  local fp = ARGV[i]
  if redis.call('HGET', KEYS[2], fp) == ARGV[1] then
    redis.call('ZREM', KEYS[1], fp)
    redis.call('HDEL', KEYS[2], fp)
    redis.call('HDEL', KEYS[3], fp)
    redis.call('HDEL', KEYS[4], fp)
    n = n + 1
  end
end
redis.call('HINCRBY', KEYS[5], 'done', n)
return n
"""


@dataclass(frozen=True, slots=True)
class FrontierKeys:
    seen: str
    queue: str
    processing: str
    owner: str
    payload: str
    score: str
    stats: str

    @classmethod
    def for_crawl(cls, crawl_key: str, prefix: str = "narcoscope:frontier") -> FrontierKeys:
        base = f"{prefix}:{crawl_key}"
        return cls(*(f"{base}:{part}" for part in ("seen", "queue", "processing", "owner", "payload", "score",
                                                   "stats")))


class RedisFrontier:
    """The shared frontier of one crawl, as seen by one worker."""

    def __init__(self, client: redis.Redis, crawl_key: str, worker: str, lease: float = 30.0) -> None:
        self.r, self.worker, self.lease_ms = client, worker, int(lease * 1000)
        self.keys = FrontierKeys.for_crawl(crawl_key)
        self._push = client.register_script(_PUSH)
        self._pop = client.register_script(_POP)
        self._renew = client.register_script(_RENEW)
        self._ack = client.register_script(_ACK)

    def push(self, fp: str, payload: str, priority: int = 0, dont_filter: bool = False) -> bool:
        k = self.keys
        return bool(self._push(keys=[k.seen, k.queue, k.payload, k.score, k.stats],
                               args=[fp, payload, priority, "1" if dont_filter else "0"]))

    def pop(self, n: int = 1) -> list[tuple[str, str]]:
        """Up to ``n`` (fingerprint, payload) pairs, now leased to this worker."""
        k = self.keys
        flat: list[Any] = self._pop(keys=[k.queue, k.processing, k.owner, k.payload, k.score, k.stats],
                                    args=[n, self.lease_ms, self.worker])
        return [(_text(flat[i]), _text(flat[i + 1])) for i in range(0, len(flat), 2)]

    def renew(self, fps: Sequence[str]) -> int:
        if not fps:
            return 0
        return int(self._renew(keys=[self.keys.processing, self.keys.owner], args=[self.lease_ms, self.worker, *fps]))

    def ack(self, fps: Sequence[str]) -> int:
        if not fps:
            return 0
        k = self.keys
        return int(self._ack(keys=[k.processing, k.owner, k.payload, k.score, k.stats], args=[self.worker, *fps]))

    def pending(self) -> int:
        """Requests queued or in flight anywhere: the crawl is over only when this is 0."""
        pipe = self.r.pipeline()
        pipe.zcard(self.keys.queue)
        pipe.zcard(self.keys.processing)
        queued, processing = pipe.execute()
        return int(queued) + int(processing)

    def stats(self) -> dict[str, int]:
        return {_text(k): int(v) for k, v in self.r.hgetall(self.keys.stats).items()}

    def seen(self, fp: str) -> bool:
        return bool(self.r.sismember(self.keys.seen, fp))

    def clear(self) -> None:
        self.r.delete(*(getattr(self.keys, f) for f in FrontierKeys.__slots__))


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
