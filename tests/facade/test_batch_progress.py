"""Fleet operations report progress as they run and, stopped early, what they left behind."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterator

import anyio
import httpx
import pytest
import trio
from pytest_httpx import HTTPXMock

import twilio_wireless as tw

from .. import bodies
from ..bodies import sid
from .conftest import BASE

SIDS = [sid(n) for n in range(10)]


async def succeed_or_fail(s: str) -> str:
    await anyio.lowlevel.checkpoint()
    if s in (sid(3), sid(7)):
        raise tw.WirelessError(f"{s} refused")
    return s


async def consume(results: tw.BatchResults[str]) -> None:
    async with results:
        async for _ in results:
            pass


# progress ----------------------------------------------------------------------------


async def test_counters_and_on_progress_follow_the_batch() -> None:
    seen: list[tw.BatchProgress] = []
    results = tw.BatchResults(SIDS, succeed_or_fail, concurrency=3, on_progress=seen.append)
    assert (results.total, results.done, results.failed, results.in_flight) == (10, 0, 0, 0)
    outcomes = [r async for r in results]
    assert len(outcomes) == 10
    assert (results.done, results.failed, results.in_flight) == (8, 2, 0)
    assert not results.cancelled
    assert results.in_flight_sids == results.unstarted_sids == ()
    first, last = seen[0], seen[-1]
    assert (first.started, first.in_flight, first.finished, first.not_started) == (3, 3, 0, 7)
    assert (last.done, last.failed, last.finished, last.in_flight, last.not_started) == (
        8,
        2,
        10,
        0,
        0,
    )
    assert all(p.in_flight <= 3 and p.limit == 3 for p in seen)
    finished = [p.finished for p in seen]
    assert finished == sorted(finished)  # never goes back
    assert results.progress == last


async def test_a_source_without_a_length_has_no_total() -> None:
    def generated() -> Iterator[str]:
        yield from SIDS[:4]

    seen: list[tw.BatchProgress] = []
    results = tw.BatchResults(generated(), succeed_or_fail, on_progress=seen.append)
    assert [r.sid async for r in results] != []
    assert results.total is None
    assert seen[-1].not_started is None
    assert seen[-1].finished == 4


async def test_without_concurrency_a_batch_follows_the_cap_it_is_given() -> None:
    cap = 2
    peak = running = 0

    async def call(s: str) -> str:
        nonlocal peak, running, cap
        running += 1
        peak = max(peak, running)
        for _ in range(3):
            await anyio.lowlevel.checkpoint()
        running -= 1
        cap = 5  # the cap grows as calls succeed
        return s

    results = tw.BatchResults([sid(n) for n in range(20)], call, limit=lambda: cap)
    assert len([r async for r in results]) == 20
    assert peak == 5
    assert results.progress.limit == 5


async def test_an_error_in_on_progress_stops_the_batch() -> None:
    def explode(progress: tw.BatchProgress) -> None:
        if progress.finished == 2:
            raise RuntimeError("progress bar broke")

    results = tw.BatchResults(SIDS, succeed_or_fail, concurrency=2, on_progress=explode)
    with pytest.raises(RuntimeError, match="progress bar broke"):
        await consume(results)
    assert results.cancelled
    assert results.done + results.failed < 10


async def test_update_many_reports_progress(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    httpx_mock.add_callback(
        lambda request: httpx.Response(200, json=bodies.sim(request.url.path.rsplit("/", 1)[1])),
        url=re.compile(rf"{BASE}/v1/Sims/.*"),
        is_reusable=True,
    )
    seen: list[tw.BatchProgress] = []
    async with fast_client.sims.update_many(
        SIDS, friendly_name="x", wait=False, on_progress=seen.append
    ) as results:
        assert len([r async for r in results]) == 10
    assert seen[0].limit == 100  # the client's adaptive cap, not a fixed 10
    assert seen[0].started == 10
    assert seen[-1].done == 10
    # Waiting SIMs hold no request between polls: 40 per request the cap allows.
    seen.clear()
    async with fast_client.sims.update_many(
        SIDS, friendly_name="x", on_progress=seen.append
    ) as results:
        assert len([r async for r in results]) == 10
    assert seen[0].limit == 4000


# stopped early -------------------------------------------------------------------------


def hanging_on(*stuck: str) -> tuple[list[str], Callable[[str], Awaitable[str]]]:
    started: list[str] = []

    async def call(s: str) -> str:
        started.append(s)
        if s in stuck:
            await anyio.sleep_forever()
        await anyio.lowlevel.checkpoint()
        return s

    return started, call


async def test_cancelled_mid_batch_it_tells_which_sims_were_in_flight(
    caplog: pytest.LogCaptureFixture,
) -> None:
    _, call = hanging_on(sid(1), sid(2), sid(4))
    results = tw.BatchResults(SIDS, call, concurrency=3)
    received: list[str] = []
    with caplog.at_level(logging.WARNING, logger="twilio_wireless"):
        with anyio.move_on_after(0.2):  # the caller's deadline (or Ctrl-C) cuts it short
            async with results:
                async for result in results:
                    received.append(result.sid)
    assert received == [sid(0), sid(3)]
    assert results.cancelled
    assert results.in_flight_sids == (sid(1), sid(2), sid(4))
    assert results.unstarted_sids == tuple(SIDS[5:])
    assert results.undelivered == ()
    assert (results.in_flight, results.done, results.failed) == (0, 2, 0)
    warning = caplog.records[-1]
    assert warning.levelno == logging.WARNING
    assert f"{sid(1)}, {sid(2)}, {sid(4)}" in warning.getMessage()


async def test_an_exception_leaving_the_batch_carries_a_note_naming_the_sims() -> None:
    _, call = hanging_on(sid(1))
    results = tw.BatchResults(SIDS, call, concurrency=2)

    async def buggy() -> None:
        async with results:
            async for _ in results:
                raise KeyError("the caller's own bug")

    with pytest.raises(KeyError) as info:
        await buggy()
    notes = "\n".join(getattr(info.value, "__notes__", []))
    assert sid(1) in notes
    assert "may or may not have been changed" in notes
    assert "8 never started" in notes
    assert results.in_flight_sids == (sid(1),)


async def test_a_cancelled_task_gets_the_note_too() -> None:
    _, call = hanging_on(*SIDS)
    results = tw.BatchResults(SIDS, call, concurrency=4)

    task = asyncio.ensure_future(consume(results))
    for _ in range(10):
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError) as info:
        await task
    assert results.in_flight_sids == tuple(SIDS[:4])
    assert results.unstarted_sids == tuple(SIDS[4:])
    assert any(sid(3) in note for note in getattr(info.value, "__notes__", []))


async def test_update_many_cancelled_mid_request_names_the_sims_on_the_wire(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    on_the_wire: list[str] = []

    async def answer(request: httpx.Request) -> httpx.Response:
        target = request.url.path.rsplit("/", 1)[1]
        if target in (sid(4), sid(6)):
            on_the_wire.append(target)
            await anyio.sleep_forever()
        return httpx.Response(200, json=bodies.sim(target))

    httpx_mock.add_callback(answer, url=re.compile(rf"{BASE}/v1/Sims/.*"), is_reusable=True)
    seen = 0
    async with fast_client.sims.update_many(SIDS, concurrency=4, status="active") as results:
        async for _ in results:
            seen += 1
            if seen == 6:  # every other SIM has finished: stop
                break
    assert sorted(on_the_wire) == [sid(4), sid(6)]
    assert {sid(4), sid(6)} <= set(results.in_flight_sids)
    assert results.cancelled
    # Every SIM is accounted for exactly once.
    delivered = seen
    accounted = (
        delivered
        + len(results.undelivered)
        + len(results.in_flight_sids)
        + len(results.unstarted_sids)
    )
    assert accounted == 10
    assert fast_client._connection.limiter().in_flight == 0  # type: ignore[union-attr]


async def test_a_generator_source_is_left_unconsumed() -> None:
    pulled: list[str] = []

    def generated() -> Iterator[str]:
        for s in SIDS:
            pulled.append(s)
            yield s

    source = generated()
    _, call = hanging_on(sid(0), sid(1))
    results = tw.BatchResults(source, call, concurrency=2)
    with anyio.move_on_after(0.2):
        async with results:
            async for _ in results:
                pass
    assert results.in_flight_sids == (sid(0), sid(1))
    assert results.unstarted_sids == ()  # the rest is not read from someone's generator
    assert pulled == [sid(0), sid(1)]
    assert next(source) == sid(2)


async def test_breaking_out_lists_results_never_received() -> None:
    async def instant(s: str) -> str:
        return s

    results = tw.BatchResults(SIDS, instant, concurrency=4)
    async with results:
        async for _ in results:
            break
    assert results.cancelled
    assert results.in_flight_sids == ()
    assert [r.sid for r in results.undelivered] == SIDS[1:4]
    assert results.unstarted_sids == tuple(SIDS[4:])


async def test_breaking_after_the_last_result_is_not_stopping_early() -> None:
    async def instant(s: str) -> str:
        return s

    results = tw.BatchResults(SIDS[:2], instant, concurrency=1)
    async with results:
        async for result in results:
            if result.sid == SIDS[1]:
                break
    assert not results.cancelled
    assert results.done == 2


async def test_closing_before_iterating_starts_nothing() -> None:
    started, call = hanging_on()
    results = tw.BatchResults(SIDS, call)
    async with results:
        pass
    assert started == []
    assert results.cancelled
    assert results.unstarted_sids == tuple(SIDS)
    assert [r async for r in results] == []


def test_cancelled_mid_batch_on_trio() -> None:
    _, call = hanging_on(sid(0))
    results = tw.BatchResults(SIDS[:5], call, concurrency=2)
    received: list[str] = []

    async def main() -> None:
        with trio.move_on_after(0.5):
            async with results:
                async for result in results:
                    received.append(result.sid)

    trio.run(main)
    assert results.cancelled
    assert results.in_flight_sids == (sid(0),)
    assert len(received) + len(results.undelivered) == 4
