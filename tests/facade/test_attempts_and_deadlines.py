"""Attempts equal wire sends; time is bounded per request, per retry run and per 202 wait.

Each test drives the public client through an httpx.MockTransport (or a real server on
127.0.0.1) and counts what reached the wire.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import httpx
import pytest

import twilio_wireless as tw
from twilio_wireless.testing import FakeClock

from ..bodies import sim

ACCOUNT = "AC" + "a" * 32
TOKEN = "secret-token-value"
SID = "DE" + "1" * 32


def client_over(
    handler: Callable[[httpx.Request], httpx.Response], clock: FakeClock, **kwargs: object
) -> tuple[tw.WirelessClient, httpx.AsyncClient]:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    client = tw.WirelessClient(ACCOUNT, TOKEN, http_client=http, clock=clock, **kwargs)  # type: ignore[arg-type]
    return client, http


def twilio_error(status: int, code: int, **headers: str) -> httpx.Response:
    body = {"code": code, "message": "nope", "more_info": "", "status": status}
    return httpx.Response(status, json=body, headers=headers)


async def test_every_attempt_is_one_send_and_counted() -> None:
    sends: list[str] = []

    def dropping(request: httpx.Request) -> httpx.Response:
        sends.append(request.method)
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    clock = FakeClock()
    client, http = client_over(dropping, clock, retry=tw.RetryPolicy(max_attempts=4))
    async with http, client:
        with pytest.raises(tw.APIConnectionError) as caught:
            await client.sims.fetch(SID)
    assert caught.value.attempts == 4
    assert sends == ["GET"] * 4
    assert len(clock.sleeps) == 3


async def test_a_delete_applied_then_dropped_is_reported_done(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sends: list[str] = []

    def applied_then_dropped(request: httpx.Request) -> httpx.Response:
        sends.append(request.method)
        if len(sends) == 1:  # the server deletes it, and the answer is lost
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.")
        return twilio_error(404, 20404, **{"Twilio-Request-Id": "RQ" + "2" * 32})

    client, http = client_over(applied_then_dropped, FakeClock())
    caplog.set_level(logging.DEBUG, logger="twilio_wireless")
    async with http, client:
        assert await client.sims.delete(SID) is None
    assert sends == ["DELETE", "DELETE"]
    assert "reporting the delete as done" in caplog.text
    assert "RQ" + "2" * 32 in caplog.text


async def test_a_delete_of_a_missing_sim_still_raises_not_found() -> None:
    def missing(request: httpx.Request) -> httpx.Response:
        return twilio_error(404, 20404)

    client, http = client_over(missing, FakeClock())
    async with http, client:
        with pytest.raises(tw.NotFoundError):
            await client.sims.delete(SID)


async def test_retry_after_on_503_replaces_the_backoff() -> None:
    answers = [twilio_error(503, 20503, **{"Retry-After": "7"}), httpx.Response(200, json=sim(SID))]
    clock = FakeClock()
    client, http = client_over(lambda request: answers.pop(0), clock)
    async with http, client:
        fetched = await client.sims.fetch(SID)
    assert fetched.sid == SID
    assert clock.sleeps == [7.0]


async def test_retries_stop_at_the_default_deadline() -> None:
    # 429 asking for 60 s each time: four attempts would take three minutes.
    clock = FakeClock()
    client, http = client_over(
        lambda request: twilio_error(429, 20429, **{"Retry-After": "60"}), clock
    )
    async with http, client:
        with pytest.raises(tw.RateLimitError) as caught:
            await client.sims.fetch(SID)
    assert clock.now <= tw.RetryPolicy().deadline  # type: ignore[operator]
    assert caught.value.attempts == 2
    assert "deadline" in "".join(caught.value.__notes__)


async def test_a_wait_stops_at_its_timeout_even_when_polls_are_rate_limited() -> None:
    sends: list[str] = []

    def accepted_then_busy(request: httpx.Request) -> httpx.Response:
        sends.append(request.method)
        if request.method == "POST":
            return httpx.Response(202, json=sim(SID, status="updating"))
        return twilio_error(429, 20429, **{"Retry-After": "1"})

    clock = FakeClock()
    client, http = client_over(accepted_then_busy, clock, poll=tw.PollPolicy(interval=0.1))
    async with http, client:
        change = await client.sims.begin_update(SID, status="active")
        with pytest.raises(tw.PollTimeoutError) as caught:
            await change.wait(timeout=0.5)
    # Before: each poll ran the whole retry policy (9.1 s and a RateLimitError).
    assert clock.now <= 0.5
    assert isinstance(caught.value.__cause__, tw.RateLimitError)
    assert caught.value.sim.sid == SID
    assert sends.count("GET") == change.polls >= 1


async def test_debug_lines_carry_the_attempt_and_the_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    answers = [
        twilio_error(500, 20500, **{"Twilio-Request-Id": "RQ" + "a" * 32}),
        httpx.Response(200, json=sim(SID), headers={"Twilio-Request-Id": "RQ" + "b" * 32}),
    ]
    client, http = client_over(lambda request: answers.pop(0), FakeClock())
    caplog.set_level(logging.DEBUG, logger="twilio_wireless")
    async with http, client:
        await client.sims.fetch(SID)
    lines = [r.getMessage() for r in caplog.records]
    first = [line for line in lines if "attempt 1" in line]
    second = [line for line in lines if "attempt 2" in line]
    assert first
    assert all("RQ" + "a" * 32 in line for line in first)
    assert second
    assert all("RQ" + "b" * 32 in line for line in second)
    assert any(line.startswith("retrying GET") for line in first)


async def test_a_dropped_attempt_logs_its_outcome(caplog: pytest.LogCaptureFixture) -> None:
    def dropping(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("connection reset")

    client, http = client_over(dropping, FakeClock(), retry=tw.RetryPolicy.none())
    caplog.set_level(logging.DEBUG, logger="twilio_wireless")
    async with http, client:
        with pytest.raises(tw.APIConnectionError):
            await client.sims.fetch(SID)
    assert any(
        "attempt 1: no response" in r.getMessage() and "ReadError" in r.getMessage()
        for r in caplog.records
    )
    assert TOKEN not in caplog.text
