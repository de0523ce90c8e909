"""RetryPolicy and the retry decision, through the client, with pytest-httpx."""

from __future__ import annotations

import email.utils
import logging
import time

import anyio
import httpx
import pytest
from pytest_httpx import HTTPXMock

import twilio_wireless as tw
from twilio_wireless._retry import should_retry
from twilio_wireless.testing import FakeClock

from .. import bodies
from ..clients import over_httpx
from .conftest import BASE, SIM_SID, SIM_URL

COMMANDS_URL = f"{BASE}/v1/Commands"
COMMAND = bodies.command("DC" + "c" * 32, sim_sid=SIM_SID, status="queued")
SIM = bodies.sim(SIM_SID, status="active")


def test_policy_defaults_and_none() -> None:
    policy = tw.RetryPolicy()
    assert (policy.max_attempts, policy.initial_backoff, policy.max_backoff) == (4, 0.5, 8.0)
    assert policy.retry_statuses == {429, 500, 502, 503, 504}
    # Retries stop after two minutes by default (Retry-After alone could take minutes).
    assert (policy.max_retry_after, policy.deadline, policy.on_retry) == (60.0, 120.0, None)
    assert tw.RetryPolicy.none().max_attempts == 1


def test_policy_is_frozen_and_validated() -> None:
    policy = tw.RetryPolicy()
    with pytest.raises(AttributeError):
        policy.max_attempts = 2  # type: ignore[misc]
    with pytest.raises(ValueError, match="max_attempts"):
        tw.RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="initial_backoff"):
        tw.RetryPolicy(initial_backoff=-1)
    with pytest.raises(ValueError, match="deadline"):
        tw.RetryPolicy(deadline=-2)


def test_full_jitter_stays_within_the_backoff() -> None:
    policy = tw.RetryPolicy()
    waits = [policy.backoff(3) for _ in range(200)]
    assert all(0.0 <= wait <= 2.0 for wait in waits)
    assert len(set(waits)) > 1


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = tw.RetryPolicy(jitter=lambda d: d, initial_backoff=0.5, max_backoff=3.0)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


async def test_503_then_success_is_retried_for_a_get(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=SIM_URL, status_code=503)
    httpx_mock.add_response(url=SIM_URL, json=SIM)
    sim = await fast_client.sims.fetch(SIM_SID)
    assert sim.status == "active"
    assert fake_clock.sleeps == [0.5]
    assert len(httpx_mock.get_requests()) == 2


async def test_429_waits_for_retry_after_seconds(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=SIM_URL, status_code=429, headers={"Retry-After": "7"})
    httpx_mock.add_response(url=SIM_URL, json=SIM)
    await fast_client.sims.fetch(SIM_SID)
    assert fake_clock.sleeps == [7.0]


async def test_429_waits_for_an_http_date_retry_after(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    httpx_mock.add_response(url=SIM_URL, status_code=429, headers={"Retry-After": when})
    httpx_mock.add_response(url=SIM_URL, json=SIM)
    await fast_client.sims.fetch(SIM_SID)
    (wait,) = fake_clock.sleeps
    assert 27.0 <= wait <= 30.0


async def test_retry_after_is_capped(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=SIM_URL, status_code=429, headers={"Retry-After": "3600"})
    httpx_mock.add_response(url=SIM_URL, json=SIM)
    await fast_client.sims.fetch(SIM_SID)
    assert fake_clock.sleeps == [60.0]


async def test_exhaustion_raises_the_last_error_with_the_attempt_count(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    for status in (500, 502, 503, 504):
        httpx_mock.add_response(url=SIM_URL, status_code=status)
    with pytest.raises(tw.ServerError) as info:
        await fast_client.sims.fetch(SIM_SID)
    assert info.value.status == 504
    assert info.value.attempts == 4
    assert fake_clock.sleeps == [0.5, 1.0, 2.0]
    assert "gave up after 4 attempts" in "".join(info.value.__notes__)


async def test_a_non_retryable_status_is_raised_at_once(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=SIM_URL, status_code=400, json={"code": 21600, "message": "bad"})
    with pytest.raises(tw.BadRequestError) as info:
        await fast_client.sims.fetch(SIM_SID)
    assert info.value.attempts == 1
    assert fake_clock.sleeps == []


async def test_deadline_stops_retrying_before_a_wait_would_pass_it(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    client = fast_client.with_options(retry=tw.RetryPolicy(jitter=lambda d: d, deadline=1.2))
    httpx_mock.add_response(url=SIM_URL, status_code=503)
    httpx_mock.add_response(url=SIM_URL, status_code=503)
    with pytest.raises(tw.ServerError) as info:
        await client.sims.fetch(SIM_SID)
    assert fake_clock.sleeps == [0.5]  # 0.5 + 1.0 would pass 1.2 s
    assert info.value.attempts == 2


async def test_get_is_retried_after_a_read_timeout(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("slow"), url=SIM_URL)
    httpx_mock.add_response(url=SIM_URL, json=SIM)
    assert (await fast_client.sims.fetch(SIM_SID)).sid == SIM_SID


@pytest.mark.parametrize(
    "exception",
    [
        httpx.ConnectError("refused"),
        httpx.ConnectTimeout("slow connect"),
        httpx.PoolTimeout("full"),
    ],
)
async def test_a_create_is_retried_when_it_never_reached_the_server(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, exception: Exception
) -> None:
    httpx_mock.add_exception(exception, url=COMMANDS_URL, method="POST")
    httpx_mock.add_response(url=COMMANDS_URL, method="POST", status_code=201, json=COMMAND)
    command = await fast_client.commands.create(command="ping", sim=SIM_SID)
    assert command.sid == COMMAND["sid"]
    assert len(httpx_mock.get_requests()) == 2


@pytest.mark.parametrize(
    "exception",
    [
        httpx.ReadTimeout("no answer"),
        httpx.RemoteProtocolError("server disconnected"),
        httpx.ReadError("connection reset"),
        httpx.WriteTimeout("stuck writing"),
    ],
)
async def test_a_create_is_never_retried_once_it_may_have_been_sent(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, exception: Exception
) -> None:
    httpx_mock.add_exception(exception, url=COMMANDS_URL, method="POST")
    with pytest.raises(tw.APIConnectionError) as info:
        await fast_client.commands.create(command="ping", sim=SIM_SID)
    assert info.value.request_sent is True
    assert info.value.attempts == 1
    assert len(httpx_mock.get_requests()) == 1


async def test_a_create_is_not_retried_on_503_but_is_on_429(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=COMMANDS_URL, method="POST", status_code=503)
    with pytest.raises(tw.ServerError):
        await fast_client.commands.create(command="ping", sim=SIM_SID)
    assert len(httpx_mock.get_requests()) == 1

    httpx_mock.add_response(
        url=COMMANDS_URL, method="POST", status_code=429, headers={"Retry-After": "2"}
    )
    httpx_mock.add_response(url=COMMANDS_URL, method="POST", status_code=201, json=COMMAND)
    await fast_client.commands.create(command="ping", sim=SIM_SID)
    assert len(httpx_mock.get_requests()) == 3
    assert fake_clock.sleeps == [2.0]


async def test_rate_plan_create_follows_the_same_rule(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("no answer"), url=f"{BASE}/v1/RatePlans")
    with pytest.raises(tw.APITimeoutError):
        await fast_client.rate_plans.create(unique_name="fleet")
    assert len(httpx_mock.get_requests()) == 1


async def test_updates_and_deletes_are_retried(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    httpx_mock.add_exception(httpx.ReadTimeout("no answer"), url=SIM_URL, method="POST")
    httpx_mock.add_response(url=SIM_URL, method="POST", json=SIM)
    httpx_mock.add_response(url=SIM_URL, method="DELETE", status_code=502)
    httpx_mock.add_response(url=SIM_URL, method="DELETE", status_code=204)
    await fast_client.sims.update(SIM_SID, friendly_name="pump")
    await fast_client.sims.delete(SIM_SID)
    assert [r.method for r in httpx_mock.get_requests()] == ["POST", "POST", "DELETE", "DELETE"]


async def test_on_retry_hook_and_debug_logs_see_every_decision(
    httpx_mock: HTTPXMock,
    fast_client: tw.WirelessClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[tw.RetryEvent] = []
    client = fast_client.with_options(
        retry=tw.RetryPolicy(jitter=lambda d: d, max_attempts=2, on_retry=events.append)
    )
    httpx_mock.add_response(url=SIM_URL, status_code=503)
    httpx_mock.add_response(url=SIM_URL, status_code=503)
    with caplog.at_level(logging.DEBUG, logger="twilio_wireless"), pytest.raises(tw.ServerError):
        await client.sims.fetch(SIM_SID)
    assert [(e.attempt, e.delay, e.reason, e.method) for e in events] == [
        (1, 0.5, "HTTP 503", "GET")
    ]
    messages = [r.getMessage() for r in caplog.records]
    assert any("retrying GET" in m and "attempt 1/2" in m and "0.500 s" in m for m in messages)
    assert any("not retrying GET" in m and "no attempts left" in m for m in messages)


async def test_retry_none_per_call_view(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(url=SIM_URL, status_code=503)
    with pytest.raises(tw.ServerError):
        await fast_client.with_options(retry=tw.RetryPolicy.none()).sims.fetch(SIM_SID)
    assert len(httpx_mock.get_requests()) == 1


async def test_cancellation_mid_backoff_stops_at_once(httpx_mock: HTTPXMock) -> None:
    sleeping = anyio.Event()

    class SleepsForever(FakeClock):
        async def sleep(self, seconds: float) -> None:
            sleeping.set()
            await anyio.sleep_forever()

    httpx_mock.add_response(url=SIM_URL, status_code=503)
    async with (
        over_httpx("AC" + "1" * 32, "t", base_url=BASE, clock=SleepsForever()) as client,
        anyio.create_task_group() as group,
    ):
        group.start_soon(client.sims.fetch, SIM_SID)
        await sleeping.wait()
        group.cancel_scope.cancel()
    assert len(httpx_mock.get_requests()) == 1


def test_decision_for_a_non_api_error_is_no() -> None:
    decision = should_retry(
        tw.RetryPolicy(), tw.WirelessError("odd"), attempt=1, idempotent=True, elapsed=0.0
    )
    assert not decision.retry


async def test_max_concurrency_caps_requests_in_flight(httpx_mock: HTTPXMock) -> None:
    in_flight = 0
    peak = 0

    async def slow(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        for _ in range(5):
            await anyio.lowlevel.checkpoint()
        in_flight -= 1
        return httpx.Response(200, json=SIM)

    httpx_mock.add_callback(slow, url=SIM_URL, is_reusable=True)
    async with (
        over_httpx("AC" + "1" * 32, "t", base_url=BASE, max_concurrency=3) as client,
        anyio.create_task_group() as group,
    ):
        for _ in range(20):
            group.start_soon(client.sims.fetch, SIM_SID)
    assert peak == 3
    assert len(httpx_mock.get_requests()) == 20


async def test_a_body_that_does_not_decode_is_a_connection_error(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(
        url=SIM_URL, content=b"not gzip at all", headers={"Content-Encoding": "gzip"}
    )
    httpx_mock.add_response(url=SIM_URL, json=SIM)
    sim = await fast_client.sims.fetch(SIM_SID)  # retried: a GET is safe to send again
    assert sim.sid == SIM_SID
    assert len(httpx_mock.get_requests()) == 2
