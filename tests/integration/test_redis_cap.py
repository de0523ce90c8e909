"""RedisConcurrency: one cap on requests in flight shared by several clients, in Redis.

Runs against a real `redis-server` started here on 127.0.0.1 (a free port, no
persistence, killed at the end and in any case after `_SERVER_LIFETIME` seconds). Skipped
when redis-server is not installed, except in CI (`CI` set), where .ci/run installs it and
its absence fails.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest
import trio

import twilio_wireless as tw
from twilio_wireless import _redis_limit as redis_limit
from twilio_wireless._redis_limit import _RETURN_EVERY
from twilio_wireless.simulator import WirelessSimulator

BASE = "http://wireless.simulator"
_SERVER_LIFETIME = 600  # seconds: the server ends even if this process is killed
_START_TIMEOUT = 10.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = shutil.which("redis-server")
    if server is None:
        message = "redis-server is not installed (apt-get install redis-server; CI installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    directory: Path = tmp_path_factory.mktemp("redis")
    port = _free_port()
    command = [
        *(["timeout", str(_SERVER_LIFETIME)] if shutil.which("timeout") else []),
        server,
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--save", "",
        "--appendonly", "no",
        "--dir", str(directory),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + _START_TIMEOUT
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    stderr = process.stderr.read().decode() if process.stderr else ""
                    pytest.fail(f"redis-server did not start on port {port}: {stderr[-500:]}")
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


@pytest.fixture
def key() -> str:
    return f"test:twilio-wireless:{uuid.uuid4().hex}"


@pytest.fixture
async def simulator() -> AsyncIterator[WirelessSimulator]:
    # The real clock: requests take 5 ms each, so the clients' requests overlap.
    simulator = WirelessSimulator(max_in_flight=None, latency=0.005)
    try:
        yield simulator
    finally:
        await simulator.aclose()


async def _members(url: str, key: str) -> int:
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(url)
    try:
        count: int = await client.zcard(key)
        return count
    finally:
        await client.aclose()


@asynccontextmanager
async def _client(
    simulator: WirelessSimulator, policy: tw.AdaptiveConcurrency
) -> AsyncIterator[tw.WirelessClient]:
    """A client of the simulator, capped by `policy`."""
    async with (
        simulator.http_client(BASE) as http,
        tw.WirelessClient(
            simulator.account_sid,
            simulator.auth_token,
            base_url=BASE,
            http_client=http,
            max_concurrency=policy,
        ) as client,
    ):
        yield client


async def _run_two_clients(
    simulator: WirelessSimulator, policies: tuple[tw.AdaptiveConcurrency, ...]
) -> list[tw.BatchResult[tw.Sim]]:
    """Two clients (two processes, in effect) updating 30 SIMs each at once."""
    sids = simulator.sim_sids()[:30]
    outcomes: list[tw.BatchResult[tw.Sim]] = []

    async def one(policy: tw.AdaptiveConcurrency) -> None:
        async with _client(simulator, policy) as client:
            async for result in client.sims.update_many(sids, friendly_name="shared"):
                outcomes.append(result)

    with anyio.fail_after(60):
        async with anyio.create_task_group() as group:
            for policy in policies:
                group.start_soon(one, policy)
    return outcomes


async def test_two_clients_sharing_a_redis_cap_never_exceed_it_together(
    redis_url: str, key: str, simulator: WirelessSimulator
) -> None:
    # Without the shared cap, the two clients' own caps (8 each) add up past 5 ...
    alone = await _run_two_clients(
        simulator, (tw.AdaptiveConcurrency(ceiling=8), tw.AdaptiveConcurrency(ceiling=8))
    )
    assert all(r.ok for r in alone)
    assert simulator.stats.in_flight_peak > 5
    simulator.reset_stats()

    # ... with it, their sum stays within its limit.
    policies = tuple(
        tw.AdaptiveConcurrency(
            ceiling=8, shared=tw.RedisConcurrency(redis_url, key=key, limit=5, lease=5.0)
        )
        for _ in range(2)
    )
    shared = await _run_two_clients(simulator, policies)
    assert len(shared) == 60
    assert all(r.ok for r in shared), [r.error for r in shared if not r.ok]
    assert simulator.stats.requests == 60
    assert 1 < simulator.stats.in_flight_peak <= 5
    # Every lease was given back when the clients closed.
    assert await _members(redis_url, key) == 0
    for policy in policies:
        assert policy.shared is not None
        assert policy.shared.held == 0  # type: ignore[attr-defined]


async def test_a_dead_processs_slots_come_back_after_the_lease(redis_url: str, key: str) -> None:
    dead = tw.RedisConcurrency(redis_url, key=key, limit=2, lease=0.5)
    await dead.acquire()
    await dead.acquire()
    await dead.aclose()  # stops renewing, as a crash would; its two leases stay behind
    assert await _members(redis_url, key) == 2

    alive = tw.RedisConcurrency(redis_url, key=key, limit=2, lease=5.0)
    try:
        with anyio.move_on_after(0.1) as waited:
            await alive.acquire()
        assert waited.cancelled_caught  # full while the dead leases last
        with anyio.fail_after(10):
            await alive.acquire()  # then they expire
        assert alive.held == 1
    finally:
        alive.release()
        await alive.aclose()
    assert await _members(redis_url, key) == 0


async def test_a_held_slot_is_renewed_past_its_lease(redis_url: str, key: str) -> None:
    holder = tw.RedisConcurrency(redis_url, key=key, limit=1, lease=0.3)
    other = tw.RedisConcurrency(redis_url, key=key, limit=1, lease=0.3)
    try:
        await holder.acquire()
        await anyio.sleep(1.0)  # three lease times: renewed every 0.1 s meanwhile
        with anyio.move_on_after(0.2) as waited:
            await other.acquire()
        assert waited.cancelled_caught
        holder.release()
        with anyio.fail_after(10):
            await other.acquire()
        other.release()
    finally:
        await holder.aclose()
        await other.aclose()
    assert await _members(redis_url, key) == 0


async def _queued(shared: tw.RedisConcurrency) -> asyncio.Future[None]:
    """An acquire() waiting for a slot its process gives back (the cap is full)."""
    waiter = asyncio.ensure_future(shared.acquire())
    with anyio.fail_after(5):
        while not any(not future.done() for future in shared._waiting):  # noqa: ASYNC110
            await asyncio.sleep(0.001)
    return waiter


async def test_a_slot_given_back_goes_to_a_waiting_request_of_the_same_process(
    redis_url: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No Redis call on either side, except every _RETURN_EVERY-th slot: that goes back to
    # Redis, where another process waiting for one gets its turn, and a waiting request of
    # this one asks for it at once (not after its wait for a handover runs out).
    monkeypatch.setattr(redis_limit, "_LONGEST_WAIT", 60.0)
    shared = tw.RedisConcurrency(redis_url, key=key, limit=1, lease=5.0)
    held_after: list[int] = []
    try:
        await shared.acquire()
        lease = list(shared._held)
        for _ in range(_RETURN_EVERY):
            waiter = await _queued(shared)
            shared.release()
            held_after.append(shared.held)
            await asyncio.wait_for(waiter, 5)
            if len(held_after) < _RETURN_EVERY:
                assert shared._held == lease  # the same lease, now the waiter's
    finally:
        shared.release()
        await shared.aclose()
    assert held_after == [1] * (_RETURN_EVERY - 1) + [0]
    assert await _members(redis_url, key) == 0


async def test_a_slot_handed_to_a_request_cancelled_meanwhile_is_passed_on(
    redis_url: str, key: str
) -> None:
    shared = tw.RedisConcurrency(redis_url, key=key, limit=1, lease=5.0)
    try:
        await shared.acquire()
        waiter = await _queued(shared)
        shared.release()  # handed over to the waiter...
        waiter.cancel()  # ...which is cancelled before it runs again
        with pytest.raises(asyncio.CancelledError):
            await waiter
        assert shared.held == 0  # given back to Redis, not kept by nobody
    finally:
        await shared.aclose()
    assert await _members(redis_url, key) == 0


async def test_an_unreachable_redis_fails_open_and_shows_no_password(
    simulator: WirelessSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"redis://:s3cret-pass@127.0.0.1:{_free_port()}/0"  # nothing listens there
    shared = tw.RedisConcurrency(url, key="k", limit=1)
    assert "s3cret-pass" not in repr(shared)
    assert "***@127.0.0.1" in repr(shared)
    with caplog.at_level(logging.DEBUG, logger="twilio_wireless"):
        async with _client(simulator, tw.AdaptiveConcurrency(shared=shared)) as client:
            sids = simulator.sim_sids()[:3]
            sims = [await client.sims.fetch(sid) for sid in sids]
    assert [sim.sid for sim in sims] == sids
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once per outage, not per request
    assert "unreachable" in warnings[0]
    assert all("s3cret-pass" not in r.getMessage() for r in caplog.records)


def test_a_bad_redis_cap_is_refused_naming_the_argument() -> None:
    with pytest.raises(ValueError, match=r"^url: 'http://\*\*\*@x' is not valid"):
        tw.RedisConcurrency("http://:pw@x", key="k")
    with pytest.raises(ValueError, match=r"^key:"):
        tw.RedisConcurrency("redis://localhost", key="")
    with pytest.raises(ValueError, match=r"^limit:"):
        tw.RedisConcurrency("redis://localhost", key="k", limit=0)
    with pytest.raises(ValueError, match=r"^lease:"):
        tw.RedisConcurrency("redis://localhost", key="k", lease=0)


def test_on_trio_a_redis_cap_says_it_needs_asyncio() -> None:
    shared = tw.RedisConcurrency("redis://127.0.0.1:1/0", key="k")

    async def main() -> None:
        await shared.acquire()

    with pytest.raises(RuntimeError, match="asyncio only"):
        trio.run(main)
