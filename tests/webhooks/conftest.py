"""A client of the in-process simulator that each module defines as `simulator`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import WirelessSimulator


@pytest.fixture
async def client(simulator: WirelessSimulator) -> AsyncIterator[tw.WirelessClient]:
    async with simulator.http_client() as http:
        yield tw.WirelessClient(
            simulator.account_sid,
            simulator.auth_token,
            base_url="http://wireless.simulator",
            http_client=http,
        )
