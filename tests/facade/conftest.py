"""Fixtures for facade tests: a client on pytest-httpx with waits that take no time."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

import twilio_wireless as tw
from twilio_wireless.testing import FakeClock

ACCOUNT = "AC" + "1" * 32
BASE = "https://wireless.test"
SIM_SID = "DE" + "a" * 32
SIM_URL = f"{BASE}/v1/Sims/{SIM_SID}"
FIXED = tw.RetryPolicy(jitter=lambda delay: delay)  # backoff without randomness


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def fast_client(fake_clock: FakeClock) -> AsyncIterator[tw.WirelessClient]:
    """Default policies except pinned jitter; every wait is recorded, none is slept."""
    async with (
        httpx.AsyncClient() as http,
        tw.WirelessClient(
            ACCOUNT, "token", base_url=BASE, retry=FIXED, http_client=http, clock=fake_clock
        ) as client,
    ):
        yield client
