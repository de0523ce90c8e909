"""Helpers for the simulator tests; `wireless_simulator` and `wireless_client` come from the
package's own pytest plugin (the `pytest11` entry point), as they would for a user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import CallbackCapture, WirelessSimulator


@pytest.fixture
async def raw(wireless_simulator: WirelessSimulator) -> AsyncIterator[httpx.AsyncClient]:
    """Plain HTTP to the simulator with its credentials, for what the SDK would refuse."""
    async with wireless_simulator.http_client(
        auth=(wireless_simulator.account_sid, wireless_simulator.auth_token)
    ) as client:
        yield client


@pytest.fixture
def once(wireless_client: tw.WirelessClient) -> tw.WirelessClient:
    """The client without retries: each call is exactly one request."""
    return wireless_client.with_options(retry=tw.RetryPolicy.none())


@pytest.fixture
def captured(wireless_simulator: WirelessSimulator) -> CallbackCapture:
    """The transport the fixture's simulator sends callbacks through."""
    transport = wireless_simulator.config.callback_transport
    assert isinstance(transport, CallbackCapture)
    return transport


def error_json(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"code", "message", "more_info", "status"}, body
    assert body["status"] == response.status_code
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{body['code']}"
    return dict(body)
