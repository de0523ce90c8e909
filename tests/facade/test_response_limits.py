"""Client options that bound a response: `max_response_bytes` and `request_deadline`."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

import twilio_wireless as tw
from twilio_wireless.testing import FakeClock

from ..bodies import sim

ACCOUNT = "AC" + "a" * 32
SID = "DE" + "1" * 32


class Drip(httpx.AsyncByteStream):
    """A body sent one byte every `interval` seconds (each within any read timeout)."""

    def __init__(self, size: int, interval: float) -> None:
        self.size = size
        self.interval = interval

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.size):
            await asyncio.sleep(self.interval)
            yield b" "


def over(handler: Callable[[httpx.Request], httpx.Response], **kwargs: object) -> tw.WirelessClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return tw.WirelessClient(ACCOUNT, "token", http_client=http, clock=FakeClock(), **kwargs)  # type: ignore[arg-type]


async def test_a_body_past_max_response_bytes_is_refused_and_not_retried() -> None:
    sends: list[str] = []

    def big(request: httpx.Request) -> httpx.Response:
        sends.append(request.method)
        return httpx.Response(200, json={**sim(SID), "padding": "x" * 5000})

    async with over(big, max_response_bytes=2000) as client:
        with pytest.raises(tw.ResponseTooLargeError) as caught:
            await client.sims.fetch(SID)
        # The same body under the default cap is fine.
        fetched = await client.with_options(max_response_bytes=10_000).sims.fetch(SID)
    assert caught.value.limit == 2000
    assert isinstance(caught.value, tw.WirelessError)
    assert "max_response_bytes=2000" in str(caught.value)
    assert sends == ["GET", "GET"]
    assert fetched.sid == SID


@pytest.mark.parametrize("options", [{"request_deadline": 0.4}, {"timeout": 0.4}])
async def test_a_dripping_body_ends_at_the_request_deadline(options: dict[str, float]) -> None:
    def drip(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Drip(size=100, interval=0.05))

    client = over(drip, retry=tw.RetryPolicy.none(), **options)
    async with client:
        started = time.monotonic()
        with pytest.raises(tw.APITimeoutError) as caught:
            await client.sims.fetch(SID)
    assert "deadline" in str(caught.value)
    assert time.monotonic() - started < 2.0  # the whole body would take 5 s


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("request_deadline", 0),
        ("request_deadline", "10"),
        ("max_response_bytes", 0),
        ("max_response_bytes", 1.5),
    ],
)
def test_invalid_limits_are_refused_naming_the_parameter(option: str, value: object) -> None:
    with pytest.raises(ValueError, match=option):
        tw.WirelessClient(ACCOUNT, "token", **{option: value})  # type: ignore[arg-type]
