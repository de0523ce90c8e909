"""Fleet operations: update_many and create_many, bounded and failure-tolerant."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import anyio
import httpx
import pytest
from pytest_httpx import HTTPXMock

import twilio_wireless as tw

from .. import bodies
from ..bodies import sid
from .conftest import BASE


async def test_update_many_yields_mixed_outcomes_and_never_aborts(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/v1/Sims/{sid(1)}", method="POST", json=bodies.sim(sid(1), status="active")
    )
    httpx_mock.add_response(url=f"{BASE}/v1/Sims/{sid(2)}", method="POST", status_code=404)
    httpx_mock.add_response(
        url=f"{BASE}/v1/Sims/{sid(3)}",
        method="POST",
        status_code=202,
        json=bodies.sim(sid(3), status="updating"),
    )
    httpx_mock.add_response(
        url=f"{BASE}/v1/Sims/{sid(3)}", method="GET", json=bodies.sim(sid(3), status="active")
    )
    results = {
        r.sid: r
        async for r in fast_client.sims.update_many([sid(1), sid(2), sid(3)], status="active")
    }
    assert set(results) == {sid(1), sid(2), sid(3)}
    assert results[sid(1)].ok
    assert results[sid(1)].value is not None
    assert isinstance(results[sid(2)].error, tw.NotFoundError)
    assert results[sid(2)].value is None
    assert results[sid(3)].value is not None
    assert results[sid(3)].value.status == "active"


async def test_update_many_sends_each_sim_the_same_form_as_update(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    # The fields are checked and encoded once for the whole batch: each SIM's request is
    # still what update() sends it, to its own URL.
    fields = {"friendly_name": "é tracker&co", "status": "active", "callback_method": "GET"}
    targets = [sid(1), sid(2), "unique-name"]
    for target, answered in zip(targets, [sid(1), sid(2), sid(3)], strict=True):
        httpx_mock.add_response(
            url=f"{BASE}/v1/Sims/{target}",
            method="POST",
            json=bodies.sim(answered, status="active"),
            is_reusable=target == sid(1),  # update() then update_many()
        )
    await fast_client.sims.update(sid(1), **fields)  # type: ignore[arg-type]
    single = httpx_mock.get_requests()[0]
    results = [r async for r in fast_client.sims.update_many(targets, **fields)]  # type: ignore[arg-type]
    assert all(r.ok for r in results), [r.error for r in results]
    sent = {str(request.url): request for request in httpx_mock.get_requests()[1:]}
    assert sorted(sent) == sorted(f"{BASE}/v1/Sims/{target}" for target in targets)
    for request in sent.values():
        assert request.content == single.content
        assert request.headers["content-type"] == single.headers["content-type"]


async def test_update_many_keeps_at_most_concurrency_in_flight(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    in_flight = peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(5):
            await anyio.lowlevel.checkpoint()
        in_flight -= 1
        return httpx.Response(200, json=bodies.sim(request.url.path.rsplit("/", 1)[1]))

    httpx_mock.add_callback(slow, url=re.compile(rf"{BASE}/v1/Sims/.*"), is_reusable=True)

    async def sids() -> AsyncIterator[str]:
        for n in range(25):
            yield sid(n)

    results = [
        r async for r in fast_client.sims.update_many(sids(), concurrency=4, friendly_name="x")
    ]
    assert len(results) == 25
    assert all(r.ok for r in results)
    assert peak == 4


async def test_stopping_early_cancels_the_rest(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(
        url=re.compile(rf"{BASE}/v1/Sims/.*"), json=bodies.sim(sid(0)), is_reusable=True
    )
    async with fast_client.sims.update_many(
        [sid(n) for n in range(100)], concurrency=2, friendly_name="x"
    ) as results:
        async for _ in results:
            break
    assert len(httpx_mock.get_requests()) <= 4


async def test_bad_fields_are_refused_before_anything_is_sent(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    with pytest.raises(ValueError, match="status"):
        fast_client.sims.update_many([sid(1)], status="actve")
    with pytest.raises(ValueError, match="concurrency"):
        fast_client.sims.update_many([sid(1)], concurrency=0, status="active")
    with pytest.raises(ValueError, match="sids"):
        fast_client.sims.update_many(sid(1), status="active")
    assert httpx_mock.get_requests() == []


async def test_create_many_sends_one_command_per_sim(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        form = dict(httpx.QueryParams(request.content.decode()))
        if form["Sim"] == sid(2):
            return httpx.Response(400, json={"code": 21609, "message": "SIM not active"})
        return httpx.Response(201, json=bodies.command("DC" + form["Sim"][2:], sim_sid=form["Sim"]))

    httpx_mock.add_callback(answer, url=f"{BASE}/v1/Commands", is_reusable=True)
    results = {
        r.sid: r
        async for r in fast_client.commands.create_many([sid(1), sid(2), sid(3)], command=b"\x01")
    }
    assert results[sid(1)].value is not None
    assert results[sid(1)].value.sim_sid == sid(1)
    assert isinstance(results[sid(2)].error, tw.BadRequestError)
    assert len(httpx_mock.get_requests()) == 3


async def test_create_many_refuses_a_bad_command_before_sending(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    with pytest.raises(ValueError, match="command"):
        fast_client.commands.create_many([sid(1)], command=42)  # type: ignore[typeddict-item]
    with pytest.raises(ValueError, match="command_mode"):
        fast_client.commands.create_many([sid(1)], command=b"\x01", command_mode="text")
    with pytest.raises(ValueError, match=r"^command: required by CreateCommand"):
        fast_client.commands.create_many([sid(1)])
    assert httpx_mock.get_requests() == []


async def test_leaving_the_loop_without_async_with_cancels_calls_in_flight() -> None:
    import gc

    started: list[str] = []
    cancelled: list[str] = []

    async def call(sid: str) -> str:
        started.append(sid)
        if sid == "a":
            return sid
        try:
            await anyio.sleep_forever()
        except BaseException:
            cancelled.append(sid)
            raise
        return sid  # pragma: no cover

    async for result in tw.BatchResults(["a", "b", "c"], call, concurrency=3):
        assert result.sid == "a"
        break
    gc.collect()
    for _ in range(20):
        await anyio.lowlevel.checkpoint()
    assert sorted(started) == ["a", "b", "c"]
    assert sorted(cancelled) == ["b", "c"]


async def test_a_call_cancelled_from_outside_still_gives_its_result() -> None:
    async def call(sid: str) -> str:
        if sid == "b":
            raise asyncio.CancelledError
        return sid

    results = [r async for r in tw.BatchResults(["a", "b", "c"], call, concurrency=1)]
    assert [r.sid for r in results] == ["a", "b", "c"]
    assert isinstance(results[1].error, asyncio.CancelledError)


async def test_the_callers_source_is_closed_when_stopping_early() -> None:
    closed = anyio.Event()

    async def sids() -> AsyncIterator[str]:
        try:
            for n in range(100):
                yield sid(n)
        finally:
            closed.set()

    async def call(s: str) -> str:
        return s

    async with tw.BatchResults(sids(), call, concurrency=2) as results:
        async for _ in results:
            break
    assert closed.is_set()
