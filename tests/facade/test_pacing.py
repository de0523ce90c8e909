"""Pacing: the client's cap on requests in flight, fixed or adapting to 429s (AIMD)."""

from __future__ import annotations

import logging
import re
from typing import Any

import anyio
import httpx
import pytest
import trio
from pytest_httpx import HTTPXMock

import twilio_wireless as tw
from twilio_wireless._pacing import Limiter, admitted, limiter_for
from twilio_wireless.simulator import WirelessSimulator
from twilio_wireless.testing import FakeClock

from .. import bodies
from ..bodies import sid
from .conftest import ACCOUNT, BASE, FIXED, SIM_SID, SIM_URL


def rate_limited(code: int | None = 20429) -> tw.RateLimitError:
    body: dict[str, Any] = {"message": "Too many requests"}
    if code is not None:
        body["code"] = code
    response = httpx.Response(429, json=body, request=httpx.Request("GET", SIM_URL))
    return tw.RateLimitError("Too many requests", response=response, code=code)


def adaptive(**policy: Any) -> Limiter:
    limiter = limiter_for(tw.AdaptiveConcurrency(**policy))
    assert limiter is not None
    return limiter


def hold(limiter: Limiter, n: int) -> None:
    for _ in range(n):
        assert limiter.try_acquire()


# the policy ----------------------------------------------------------------------------


def test_the_default_starts_at_twilios_default_account_limit() -> None:
    policy = tw.AdaptiveConcurrency()
    assert (policy.ceiling, policy.start, policy.floor, policy.decrease) == (100, 100, 1, 0.5)
    limiter = limiter_for(policy)
    assert limiter is not None
    assert limiter.limit == 100


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ({"ceiling": 0}, "ceiling"),
        ({"ceiling": True}, "ceiling"),
        ({"floor": 5, "ceiling": 4}, "floor"),
        ({"initial": 7, "ceiling": 5}, "initial"),
        ({"initial": 1, "floor": 2}, "initial"),
        ({"decrease": 1.0}, "decrease"),
        ({"decrease": 0}, "decrease"),
        ({"increase": 0}, "increase"),
        ({"shared": object()}, "shared"),
    ],
)
def test_a_bad_policy_is_refused_naming_the_field(fields: dict[str, Any], named: str) -> None:
    with pytest.raises(ValueError, match=rf"^{named}:"):
        tw.AdaptiveConcurrency(**fields)


@pytest.mark.parametrize("value", [0, -1, True, 2.5, "10"])
def test_a_bad_max_concurrency_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match=r"^max_concurrency:"):
        tw.WirelessClient(ACCOUNT, "token", base_url=BASE, max_concurrency=value)  # type: ignore[arg-type]


def test_a_client_caps_adaptively_by_default_and_none_turns_it_off() -> None:
    default = tw.WirelessClient(ACCOUNT, "token", base_url=BASE)
    limiter = default._connection.limiter()
    assert limiter is not None
    assert limiter.limit == 100
    assert "adaptive" in repr(limiter)
    fixed = tw.WirelessClient(ACCOUNT, "token", base_url=BASE, max_concurrency=7)
    assert "fixed limit=7" in repr(fixed._connection.limiter())
    assert (
        tw.WirelessClient(
            ACCOUNT, "token", base_url=BASE, max_concurrency=None
        )._connection.limiter()
        is None
    )


# AIMD ----------------------------------------------------------------------------------


def test_a_429_halves_the_cap_once_per_round_trip() -> None:
    limiter = adaptive(ceiling=40)
    hold(limiter, 40)
    # A storm: every request of the window is refused; they were all sent under 40.
    for _ in range(40):
        limiter.release(rate_limited())
    assert limiter.limit == 20
    # The next round (sent under 20) halves it again, once.
    hold(limiter, 20)
    for _ in range(20):
        limiter.release(rate_limited())
    assert limiter.limit == 10


def test_the_cap_never_goes_below_the_floor() -> None:
    limiter = adaptive(ceiling=8, floor=3)
    for _ in range(10):
        hold(limiter, 1)
        limiter.release(rate_limited(code=None))  # any 429 counts, code or not
    assert limiter.limit == 3


def test_the_cap_recovers_by_one_per_window_of_successes_up_to_the_ceiling() -> None:
    limiter = adaptive(ceiling=12, initial=4)
    seen = [limiter.limit]
    for _ in range(200):
        hold(limiter, 1)
        limiter.release()
        if limiter.limit != seen[-1]:
            seen.append(limiter.limit)
    assert seen == list(range(4, 13))
    # Growing from 4 to 12 took a full window at each step: 4 + 5 + ... + 11 successes.
    limiter = adaptive(ceiling=12, initial=4)
    for _ in range(sum(range(4, 12)) - 1):
        hold(limiter, 1)
        limiter.release()
    assert limiter.limit == 11


def test_other_failures_leave_the_cap_alone_and_a_fixed_cap_never_moves() -> None:
    limiter = adaptive(ceiling=10)
    hold(limiter, 2)
    limiter.release(tw.WirelessError("boom"))
    limiter.release(ValueError("odd"))
    assert limiter.limit == 10
    fixed = limiter_for(5)
    assert fixed is not None
    hold(fixed, 5)
    for _ in range(5):
        fixed.release(rate_limited())
    assert fixed.limit == 5


def test_each_change_of_the_cap_is_logged_at_debug(caplog: pytest.LogCaptureFixture) -> None:
    limiter = adaptive(ceiling=4, initial=2)
    with caplog.at_level(logging.DEBUG, logger="twilio_wireless"):
        hold(limiter, 1)
        limiter.release(rate_limited())
        hold(limiter, 1)
        limiter.release()
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "concurrency cap 2 -> 1 after HTTP 429, Twilio error 20429",
        "concurrency cap 1 -> 2 after 1 successes",
    ]


# waiting for a slot ----------------------------------------------------------------------


async def test_waiters_are_served_in_order_when_slots_free_up() -> None:
    limiter = adaptive(ceiling=2)
    order: list[int] = []
    hold(limiter, 2)
    assert not limiter.try_acquire()

    async def waiter(n: int) -> None:
        await limiter.acquire()
        order.append(n)

    async with anyio.create_task_group() as group:
        for n in range(3):
            group.start_soon(waiter, n)
        await anyio.wait_all_tasks_blocked()
        assert order == []
        limiter.release()
        await anyio.wait_all_tasks_blocked()
        assert order == [0]
        limiter.release()
        limiter.release()
        await anyio.wait_all_tasks_blocked()
        assert order == [0, 1, 2]
    assert limiter.in_flight == 3 - 1


async def test_a_cancelled_waiter_leaks_no_slot() -> None:
    limiter = adaptive(ceiling=1)
    hold(limiter, 1)
    with anyio.move_on_after(0):  # cancelled while waiting
        await limiter.acquire()
    assert limiter.in_flight == 1
    limiter.release()
    assert limiter.in_flight == 0
    assert limiter.try_acquire()


async def test_a_shrunk_cap_admits_no_one_until_enough_requests_end() -> None:
    limiter = adaptive(ceiling=4)
    hold(limiter, 4)
    limiter.release(rate_limited())  # 4 -> 2, three still out
    assert limiter.limit == 2
    assert not limiter.try_acquire()
    limiter.release()
    assert not limiter.try_acquire()  # two in flight: the new cap
    limiter.release()
    assert limiter.try_acquire()


async def test_a_growing_cap_lets_a_waiter_in() -> None:
    limiter = adaptive(ceiling=4, initial=1)
    hold(limiter, 1)
    got_in = anyio.Event()

    async def waiter() -> None:
        await limiter.acquire()
        got_in.set()

    async with anyio.create_task_group() as group:
        group.start_soon(waiter)
        await anyio.wait_all_tasks_blocked()
        hold(limiter, 0)
        assert not limiter.try_acquire()  # first come, first served
        limiter.release()  # a success: the cap grows 1 -> 2, and the waiter gets its slot
        await got_in.wait()
    assert (limiter.limit, limiter.in_flight) == (2, 1)


def test_a_429_after_other_failures_of_the_same_round_is_still_one_decrease() -> None:
    limiter = adaptive(ceiling=16)
    hold(limiter, 16)
    limiter.release(rate_limited())  # 16 -> 8; 15 still out under the old cap
    for _ in range(7):
        limiter.release(
            tw.ServerError(
                "boom", response=httpx.Response(503, request=httpx.Request("GET", SIM_URL))
            )
        )
    for _ in range(8):
        limiter.release(rate_limited())
    assert limiter.limit == 8
    hold(limiter, 1)  # sent under 8: its 429 is a new round
    limiter.release(rate_limited())
    assert limiter.limit == 4


def test_the_limiter_works_on_trio() -> None:
    limiter = adaptive(ceiling=1)
    order: list[str] = []

    async def main() -> None:
        await limiter.acquire()

        async def second() -> None:
            await limiter.acquire()
            order.append("second")
            limiter.release()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(second)
            await trio.testing.wait_all_tasks_blocked()
            order.append("first")
            limiter.release()

    trio.run(main)
    assert order == ["first", "second"]
    assert limiter.in_flight == 0


# through the client ----------------------------------------------------------------------


async def test_max_concurrency_int_is_still_a_fixed_cap(httpx_mock: HTTPXMock) -> None:
    in_flight = peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(5):
            await anyio.lowlevel.checkpoint()
        in_flight -= 1
        return httpx.Response(200, json=bodies.sim(SIM_SID))

    httpx_mock.add_callback(slow, url=SIM_URL, is_reusable=True)
    async with (
        httpx.AsyncClient() as http,
        tw.WirelessClient(
            ACCOUNT, "t", base_url=BASE, http_client=http, max_concurrency=3
        ) as client,
        anyio.create_task_group() as group,
    ):
        for _ in range(12):
            group.start_soon(client.sims.fetch, SIM_SID)
    assert peak == 3


async def test_a_429_shrinks_the_clients_cap_and_the_request_is_retried(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, caplog: pytest.LogCaptureFixture
) -> None:
    httpx_mock.add_response(
        url=SIM_URL, status_code=429, json={"code": 20429, "message": "Too Many Requests"}
    )
    httpx_mock.add_response(url=SIM_URL, json=bodies.sim(SIM_SID))
    with caplog.at_level(logging.DEBUG, logger="twilio_wireless"):
        sim = await fast_client.sims.fetch(SIM_SID)
    assert sim.sid == SIM_SID
    limiter = fast_client._connection.limiter()
    assert limiter is not None
    assert limiter.limit == 50
    assert limiter.in_flight == 0
    assert "concurrency cap 100 -> 50 after HTTP 429, Twilio error 20429" in caplog.messages


async def test_a_429_storm_shrinks_the_cap_and_no_sim_fails(
    wireless_simulator: WirelessSimulator, wireless_client: tw.WirelessClient
) -> None:
    # The account takes 4 requests at once; the client starts at 100.
    wireless_simulator.max_in_flight = 4
    wireless_simulator.latency = 0.5
    sids = wireless_simulator.sim_sids()[:40]
    limits: list[int] = []
    starting = wireless_client._connection.limiter()
    assert starting is not None
    assert starting.limit == 100
    async with wireless_client.sims.update_many(
        sids, friendly_name="storm", wait=False, on_progress=lambda p: limits.append(p.limit)
    ) as results:
        outcomes = [r async for r in results]
    assert len(outcomes) == 40
    assert [r.error for r in outcomes if not r.ok] == []
    stats = wireless_simulator.stats
    assert stats.too_many_requests["concurrency"] > 0
    assert stats.in_flight_peak <= 4
    # The batch followed the cap down (from 100, asserted above) to near the account's.
    assert min(limits) <= 8
    limiter = wireless_client._connection.limiter()
    assert limiter is not None
    shrunk = limiter.limit
    assert shrunk <= 8

    # The storm is over: the cap grows back one step per window of successes.
    wireless_simulator.max_in_flight = None
    for n in range(sum(range(shrunk, shrunk + 4))):
        await wireless_client.sims.fetch(sids[n % len(sids)])
    assert limiter.limit == shrunk + 4


async def test_admitted_sends_a_rate_limited_call_again_within_the_deadline() -> None:
    clock = FakeClock()
    calls = 0

    async def call() -> str:
        nonlocal calls
        calls += 1
        if calls < 5:
            error = rate_limited()
            error.attempts = 4
            raise error
        return "ok"

    policy = tw.RetryPolicy(jitter=lambda d: d, deadline=120.0)
    assert await admitted(call, policy, clock) == "ok"
    assert calls == 5
    assert clock.sleeps == [4.0] * 4  # the backoff after a 4th attempt, each time

    calls = 0
    with pytest.raises(tw.RateLimitError):
        await admitted(call, tw.RetryPolicy.none(), clock)  # no retries: runs once
    assert calls == 1

    calls = 0
    short = tw.RetryPolicy(jitter=lambda d: d, deadline=10.0)
    with pytest.raises(tw.RateLimitError):
        await admitted(call, short, clock)
    assert calls == 3  # 4 s + 4 s waited; a third wait would pass the 10 s deadline


async def test_update_many_keeps_a_sim_refused_with_429_until_it_goes_through(
    httpx_mock: HTTPXMock, fake_clock: FakeClock
) -> None:
    refused = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal refused
        if request.url.path.endswith(sid(1)) and refused < 6:  # more than max_attempts
            refused += 1
            return httpx.Response(429, json={"code": 20429, "message": "Too Many Requests"})
        return httpx.Response(200, json=bodies.sim(request.url.path.rsplit("/", 1)[1]))

    httpx_mock.add_callback(answer, url=re.compile(rf"{BASE}/v1/Sims/.*"), is_reusable=True)
    async with (
        httpx.AsyncClient() as http,
        tw.WirelessClient(
            ACCOUNT, "t", base_url=BASE, http_client=http, retry=FIXED, clock=fake_clock
        ) as client,
    ):
        results = [r async for r in client.sims.update_many([sid(0), sid(1)], friendly_name="x")]
    assert all(r.ok for r in results), [r.error for r in results]
    assert refused == 6


async def test_create_many_in_a_429_storm_sends_each_command_once_and_fails_none(
    wireless_simulator: WirelessSimulator, wireless_client: tw.WirelessClient
) -> None:
    wireless_simulator.max_in_flight = 3
    wireless_simulator.latency = 0.5
    sids = wireless_simulator.sim_sids("active")[:30]
    progress: list[tw.BatchProgress] = []
    async with wireless_client.commands.create_many(
        sids, command="storm-once", on_progress=progress.append
    ) as results:
        outcomes = [r async for r in results]
    assert [r.error for r in outcomes if not r.ok] == []
    assert wireless_simulator.stats.too_many_requests["concurrency"] > 0
    # A 429 means nothing was created: each SIM holds the Command exactly once.
    created = [
        r for r in wireless_simulator.requests if r.operation == "CreateCommand" and r.status == 201
    ]
    assert sorted(r.form["Sim"][0] for r in created) == sorted(sids)
    assert progress[-1].done == len(sids)


async def test_a_batch_under_the_cap_starts_calls_only_as_slots_free_up() -> None:
    # A call started beyond the cap would only queue for a slot: thousands of them in a
    # fleet batch (tasks, wake-ups, memory) while the first hundred are in flight.
    from twilio_wireless._batch import BatchResults

    limiter = Limiter(3)
    queued = most_queued = 0

    async def call(sid: str) -> str:
        nonlocal queued, most_queued
        queued += 1
        most_queued = max(most_queued, queued)
        async with limiter:
            queued -= 1
            for _ in range(3):
                await anyio.lowlevel.checkpoint()
        for _ in range(5):  # then waits for the SIM to settle, holding no slot
            await anyio.lowlevel.checkpoint()
        return sid

    sids = [f"DE{n:032x}" for n in range(30)]
    results = BatchResults(sids, call, limit=lambda: limiter.limit * 40)
    results._state.limiter = limiter
    assert sorted([r.value async for r in results]) == sids  # type: ignore[type-var]
    # At most one call waits for a slot at a time: it stands by for the next free one (a
    # tenth of the cap, + 1). Started all at once, 27 would wait.
    assert most_queued == 1
    assert limiter.in_flight == 0
    assert limiter._watchers == []
