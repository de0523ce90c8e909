"""RedisConcurrency: a cap on requests in flight shared by processes through Redis.

A distributed counting semaphore with leases that expire: the Redis key is a sorted set of
lease ids scored by their expiry (milliseconds on the Redis server's clock, so the
processes' clocks need not agree). A Lua script takes a lease when fewer than `limit`
unexpired ones are held, dropping expired ones first; each process renews the leases it
holds while it holds them, and removes each as its request ends, unless a request of its
own waits for a slot: then the lease goes to that request, with no Redis call on either
side (every `_RETURN_EVERY`-th still goes back to Redis, so other processes get their
turn). A process that crashes leaks its slots for at most `lease` seconds.

Needs the `redis` extra (redis-py's asyncio client), and so runs on asyncio only.
"""

from __future__ import annotations

import collections
import importlib.util
import itertools
import logging
import random
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from . import _runtime
from ._checks import check_count

if TYPE_CHECKING:
    import asyncio

__all__ = ["RedisConcurrency"]

logger = logging.getLogger("twilio_wireless")

# KEYS[1]: the sorted set; ARGV: limit, lease (ms), lease id. 1 if taken, else 0.
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
  return 1
end
return 0
"""
# KEYS[1]: the sorted set; ARGV: lease (ms), then the lease ids to extend. How many were
# still held (an expired lease is not brought back: its slot may be someone else's now).
_RENEW = """
local t = redis.call('TIME')
local expiry = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
local renewed = 0
for i = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[1], 'XX', 'CH', expiry, ARGV[i])
end
return renewed
"""
# Waits between two tries while the shared cap is full (seconds, before jitter).
_FIRST_WAIT = 0.005
_LONGEST_WAIT = 0.1
# A Redis command that takes longer than this fails (and the cap fails open).
_REDIS_TIMEOUT = 5.0
# While Redis is unreachable, it is tried again at most this often (seconds).
_RETRY_UNREACHABLE = 5.0
# Of the slots a process gives back while requests of its own wait for one, every this
# many goes back to Redis rather than to them: the other processes get their turn.
_RETURN_EVERY = 8


class RedisConcurrency:
    """A cap on requests in flight that several processes (or clients) share, in Redis.

    Pass it as `AdaptiveConcurrency(shared=...)`; every request then holds one of its
    `limit` slots as well as one of its own client's, so the processes sharing an account
    stay under its limit together:

        shared = tw.RedisConcurrency("redis://cache:6379/0", key="twilio:AC123", limit=100)
        client = tw.WirelessClient(max_concurrency=tw.AdaptiveConcurrency(shared=shared))

    Args:
        url: the Redis server, as redis-py takes it (`redis://[:password@]host:port/db`,
            `rediss://` for TLS, `unix://`). Its password never appears in a repr,
            a log line or an error of this SDK.
        key: the Redis key of the cap (a sorted set); every process sharing the cap uses
            the same one, e.g. one per Twilio account.
        limit: the most requests in flight across all of them.
        lease: seconds a slot is held without renewal; held slots are renewed every
            `lease / 3` seconds, so only a process that died (or stalled that long) loses
            them, and a dead process's slots come back after at most this long.

    While the cap is full, a slot a process gives back goes to a request of the same
    process waiting for one (no Redis call), except every eighth, which goes back to Redis
    for the other processes; a process holding none polls Redis for a free one.

    If Redis cannot be reached, requests go ahead without a shared slot (each client's
    own cap still applies, and still halves on 429s) and a WARNING is logged once per
    outage. Runs on asyncio (redis-py's asyncio client); needs the `redis` extra:
    `pip install "twilio-wireless[redis]"`. Each client closes it in `aclose()`; it
    reconnects if used again.
    """

    def __init__(self, url: str, *, key: str, limit: int = 100, lease: float = 30.0) -> None:
        if not isinstance(url, str) or urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
            shown = _redacted(url) if isinstance(url, str) else type(url).__name__
            raise ValueError(f"url: {shown!r} is not valid; expected a redis:// URL")
        if not isinstance(key, str) or not key:
            raise ValueError(f"key: {key!r} is not valid; expected a non-empty str")
        check_count("limit", limit)
        if isinstance(lease, bool) or not isinstance(lease, int | float) or not lease >= 0.03:
            raise ValueError(f"lease: {lease!r} is not valid; expected seconds >= 0.03")
        if importlib.util.find_spec("redis") is None:
            raise ValueError(
                "RedisConcurrency needs redis-py: pip install 'twilio-wireless[redis]'"
            )
        self._url = url
        self._password = urlsplit(url).password
        self.key = key
        self.limit = limit
        self.lease = float(lease)
        self._prefix = uuid.uuid4().hex
        self._ids = itertools.count()
        self._held: list[str] = []
        # Requests let through without a slot while Redis was unreachable.
        self._unleased = 0
        self._failing = False
        self._retry_at = 0.0
        self._redis: Any = None
        self._scripts: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._renewer: _runtime.Spawned | None = None
        # Leases given back, not yet removed from Redis (by `_releaser`, in the background).
        self._releasing: list[str] = []
        self._releaser: _runtime.Spawned | None = None
        # Requests of this process waiting for a slot another of its requests gives back
        # (True: handed over), and how many were handed over since one went back to Redis.
        self._waiting: collections.deque[asyncio.Future[bool]] = collections.deque()
        self._handed = 0

    def __repr__(self) -> str:
        return (
            f"<RedisConcurrency {_redacted(self._url)} key={self.key!r} limit={self.limit} "
            f"held={len(self._held)}>"
        )

    @property
    def held(self) -> int:
        """Slots this process holds now."""
        return len(self._held)

    async def acquire(self) -> None:
        """Wait for a shared slot (Redis unreachable: go ahead without one)."""
        import anyio

        _, (take, _) = self._client()
        if self._failing and time.monotonic() < self._retry_at:
            self._unleased += 1
            return
        # Requests of this process already waiting for a slot it gives back: the cap is
        # full, so this one queues behind them rather than asking Redis first.
        queued = self._held and self._next_waiting(pop=False) is not None
        if queued and await self._handed_over(_LONGEST_WAIT):
            return
        lease_id = f"{self._prefix}:{next(self._ids)}"
        lease_ms = int(self.lease * 1000)
        wait = _FIRST_WAIT
        while True:
            try:
                # Shielded: a lease taken must be recorded, or it would be held until it
                # expires; the cancellation lands at the next await.
                with anyio.CancelScope(shield=True):
                    taken = await take(keys=[self.key], args=[self.limit, lease_ms, lease_id])
            except Exception as exc:  # redis errors, OSError, timeouts: fail open
                self._fail_open(exc)
                self._retry_at = time.monotonic() + _RETRY_UNREACHABLE
                self._unleased += 1
                return
            if self._failing:
                self._failing = False
                logger.warning("Redis concurrency cap %r reachable again", self.key)
            if taken:
                self._held.append(lease_id)
                if self._renewer is None:
                    self._renewer = _runtime.spawn(self._renew)
                return
            if self._held:
                # Full, and this process holds slots: one of them given back is the quickest
                # way in, with no Redis call on either side (polling, its requests took
                # ~2.7 calls each). Tried again after a while: another process may free one.
                if await self._handed_over(_LONGEST_WAIT):
                    return
                continue
            await anyio.sleep(wait * random.uniform(0.5, 1.5))
            wait = min(wait * 2, _LONGEST_WAIT)

    async def _handed_over(self, seconds: float) -> bool:
        """Wait at most `seconds` for a slot this process gives back; True once handed one."""
        import asyncio

        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        self._waiting.append(future)
        timer = loop.call_later(seconds, _give_up, future)
        try:
            return await future
        except BaseException:
            if future.done() and not future.cancelled() and future.result():
                self.release()  # handed one just as this request was cancelled: pass it on
            raise
        finally:
            timer.cancel()

    def release(self) -> None:
        """Give a slot back (any one this process holds: they are interchangeable).

        Without waiting, even as the request is cancelled: the lease is removed from
        Redis in the background (a lease that cannot be removed expires by itself)."""
        if self._unleased:
            self._unleased -= 1
            return
        if not self._held:
            return
        if self._waiting and self._hand_over():
            return  # the lease stays this process's (and renewed), for another request
        self._releasing.append(self._held.pop())
        if not self._held and self._renewer is not None:
            self._renewer.cancel()
            self._renewer = None
        if self._releaser is None and self._redis is not None:
            self._releaser = _runtime.spawn(self._remove_released)

    def _hand_over(self) -> bool:
        """Give the slot being released to a request of this process waiting for one
        (except every `_RETURN_EVERY`-th: that goes back to Redis, for the others)."""
        self._handed += 1
        if self._handed >= _RETURN_EVERY:
            self._handed = 0
            return False
        future = self._next_waiting()
        if future is None:
            return False
        future.set_result(True)
        return True

    def _nudge(self, count: int) -> None:
        """Let `count` requests of this process waiting for a handover ask Redis at once:
        that many slots went back there (for which the other processes compete too)."""
        for _ in range(count):
            future = self._next_waiting()
            if future is None:
                return
            future.set_result(False)

    def _next_waiting(self, *, pop: bool = True) -> asyncio.Future[bool] | None:
        """The request of this process waiting longest for a handover (taken off the
        queue unless `pop` is False); those that gave up or were cancelled are dropped."""
        waiting = self._waiting
        while waiting and waiting[0].done():
            waiting.popleft()
        if not waiting:
            return None
        return waiting.popleft() if pop else waiting[0]

    async def _remove_released(self) -> None:
        try:
            while self._releasing and self._redis is not None:
                lease_ids, self._releasing = self._releasing, []
                try:
                    await self._redis.zrem(self.key, *lease_ids)
                except Exception as exc:
                    logger.debug(
                        "could not release %d Redis lease(s) (%s); they expire by themselves",
                        len(lease_ids),
                        self._scrub(str(exc)),
                    )
                self._nudge(len(lease_ids))
        finally:
            self._releaser = None

    async def aclose(self) -> None:
        """Remove the leases given back, stop renewing, and close the connection (leases
        still held expire by themselves)."""
        if self._releaser is not None:
            await self._releaser.wait()
        if self._renewer is not None:
            self._renewer.cancel()
            await self._renewer.wait()
            self._renewer = None
        client, self._redis, self._scripts, self._loop = self._redis, None, None, None
        if client is not None:
            await client.aclose()

    def _client(self) -> tuple[Any, Any]:
        if not _runtime.on_asyncio():
            raise RuntimeError("RedisConcurrency runs on asyncio only (redis-py's asyncio client)")
        import asyncio

        loop = asyncio.get_running_loop()
        if self._redis is None or self._loop is not loop:
            import redis.asyncio

            self._redis = redis.asyncio.Redis.from_url(
                self._url,
                socket_timeout=_REDIS_TIMEOUT,
                socket_connect_timeout=_REDIS_TIMEOUT,
            )
            self._scripts = (
                self._redis.register_script(_ACQUIRE),
                self._redis.register_script(_RENEW),
            )
            self._loop = loop
            # The tasks of another loop are gone with it.
            self._renewer = self._releaser = None
        return self._redis, self._scripts

    async def _renew(self) -> None:
        import anyio

        while self._held:
            await anyio.sleep(self.lease / 3)
            held = list(self._held)
            if not held or self._scripts is None:
                break
            try:
                renewed = await self._scripts[1](
                    keys=[self.key], args=[int(self.lease * 1000), *held]
                )
            except Exception as exc:
                self._fail_open(exc)
                continue
            if renewed < len(held):
                logger.debug(
                    "%d of %d Redis leases had expired before renewal (a stall longer than "
                    "%.1f s?)",
                    len(held) - renewed,
                    len(held),
                    self.lease,
                )
        self._renewer = None

    def _fail_open(self, exc: Exception) -> None:
        if not self._failing:
            self._failing = True
            logger.warning(
                "Redis concurrency cap %r unreachable (%s: %s); sending without it until "
                "it is back",
                self.key,
                type(exc).__name__,
                self._scrub(str(exc)),
            )

    def _scrub(self, message: str) -> str:
        password = self._password
        return message.replace(password, "***") if password else message


def _give_up(future: asyncio.Future[bool]) -> None:
    if not future.done():
        future.set_result(False)


def _redacted(url: str) -> str:
    """`url` (or a message holding it) without a password."""
    parts = urlsplit(url) if "://" in url else None
    if parts is None or "@" not in parts.netloc:
        return url
    user, _, host = parts.netloc.rpartition("@")
    name = user.partition(":")[0]
    netloc = f"{name}:***@{host}" if name else f"***@{host}"
    return urlunsplit(parts._replace(netloc=netloc))
