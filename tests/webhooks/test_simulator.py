"""The embedded simulator's callbacks, end to end into a StatusCallbackReceiver."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Literal

import httpx
import pytest

import twilio_wireless as tw
from twilio_wireless import _signature
from twilio_wireless.simulator import ManualClock, SimulatorConfig, WirelessSimulator
from twilio_wireless.simulator._callbacks import signature as simulator_signature

PUBLIC = "https://hooks.example.com/twilio/sim-status"


@pytest.fixture
async def simulator() -> AsyncIterator[WirelessSimulator]:
    config = SimulatorConfig(sims=4, status_mix={"active": 1}, clock=ManualClock(), seed=3)
    async with WirelessSimulator(config) as sim:
        yield sim


class Flaky(httpx.AsyncBaseTransport):
    """Fails the first connection; `deliver_first` makes that request arrive anyway
    (the failure reported by something in between), so the retry is a repeat."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, deliver_first: bool) -> None:
        self.inner = inner
        self.deliver_first = deliver_first
        self.tokens: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.tokens.append(request.headers["I-Twilio-Idempotency-Token"])
        if len(self.tokens) == 1:
            if self.deliver_first:
                await self.inner.handle_async_request(request)
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_sim_status_change_reaches_the_waiting_code(
    simulator: WirelessSimulator, client: tw.WirelessClient, method: Literal["GET", "POST"]
) -> None:
    delivered: list[tw.SimStatusCallback] = []
    receiver = tw.StatusCallbackReceiver(
        simulator.auth_token, public_url=PUBLIC, on_callback=delivered.append
    )
    await simulator.set_callback_transport(httpx.ASGITransport(app=receiver))
    sid = simulator.sim_sids("active")[0]
    waiting = asyncio.ensure_future(receiver.wait_for(sid, status="suspended", timeout=10))
    await asyncio.sleep(0)  # registered before the update is sent

    sim = await client.sims.update(
        sid, status="suspended", callback_url=receiver.url, callback_method=method, wait=False
    )
    assert sim.status == "updating"  # 202 Accepted: the change runs in the background
    assert not waiting.done()
    await simulator.manual_clock.advance(30)  # settles, and delivers the callback

    callback = await asyncio.wait_for(waiting, 5)
    assert callback.sim_sid == sid
    assert callback.status == tw.SimStatus.SUSPENDED
    assert callback.account_sid == simulator.account_sid
    assert callback.method == method
    assert delivered == [callback]
    (record,) = simulator.callbacks
    assert record.status_code == 200
    assert record.idempotency_token == callback.idempotency_token
    assert record.idempotency_token
    assert (await client.sims.fetch(sid)).status == "suspended"


async def test_a_forged_simulator_is_refused() -> None:
    """A simulator with another auth token: its callbacks are refused with 403."""
    config = SimulatorConfig(sims=2, status_mix={"active": 1}, clock=ManualClock(), auth_token="x")
    receiver = tw.StatusCallbackReceiver("the-real-token", public_url=PUBLIC)
    async with WirelessSimulator(config) as other, other.http_client() as http:
        await other.set_callback_transport(httpx.ASGITransport(app=receiver))
        client = tw.WirelessClient(
            other.account_sid, "x", base_url="http://wireless.simulator", http_client=http
        )
        waiter = receiver.expect(other.sim_sids()[0])
        await client.sims.update(
            other.sim_sids()[0], status="suspended", callback_url=receiver.url, wait=False
        )
        await other.manual_clock.advance(30)
        assert [record.status_code for record in other.callbacks] == [403]
        assert not waiter.done
        assert receiver.delivered == 0


async def test_a_failed_connection_is_retried_with_the_same_token(
    simulator: WirelessSimulator, client: tw.WirelessClient
) -> None:
    receiver = tw.StatusCallbackReceiver(simulator.auth_token, public_url=PUBLIC)
    flaky = Flaky(httpx.ASGITransport(app=receiver), deliver_first=False)
    await simulator.set_callback_transport(flaky)
    sid = simulator.sim_sids("active")[1]
    with receiver.expect(sid) as waiter:
        await client.sims.update(sid, status="suspended", callback_url=receiver.url, wait=False)
        await simulator.manual_clock.advance(30)
        assert waiter.done
    first, retry = simulator.callbacks
    assert (first.attempt, first.status_code) == (1, None)
    assert "ConnectError" in (first.error or "")
    assert (retry.attempt, retry.status_code) == (2, 200)
    assert flaky.tokens[0] == flaky.tokens[1] == first.idempotency_token == retry.idempotency_token
    assert receiver.delivered == 1


async def test_a_repeated_delivery_reaches_the_application_once(
    simulator: WirelessSimulator, client: tw.WirelessClient
) -> None:
    delivered: list[tw.SimStatusCallback] = []
    receiver = tw.StatusCallbackReceiver(
        simulator.auth_token, public_url=PUBLIC, on_callback=delivered.append
    )
    flaky = Flaky(httpx.ASGITransport(app=receiver), deliver_first=True)
    await simulator.set_callback_transport(flaky)
    sid = simulator.sim_sids("active")[2]
    await client.sims.update(sid, status="suspended", callback_url=receiver.url, wait=False)
    await simulator.manual_clock.advance(30)
    assert len(flaky.tokens) == 2  # both attempts reached the receiver
    assert [record.status_code for record in simulator.callbacks] == [None, 200]
    assert len(delivered) == 1
    assert receiver.delivered == 1


async def test_each_callback_gets_its_own_token(
    simulator: WirelessSimulator, client: tw.WirelessClient
) -> None:
    receiver = tw.StatusCallbackReceiver(simulator.auth_token, public_url=PUBLIC)
    await simulator.set_callback_transport(httpx.ASGITransport(app=receiver))
    for sid in simulator.sim_sids("active")[:3]:
        await client.sims.update(sid, status="suspended", callback_url=receiver.url, wait=False)
    await simulator.manual_clock.advance(30)
    tokens = [record.idempotency_token for record in simulator.callbacks]
    assert len(tokens) == len(set(tokens)) == 3
    assert receiver.delivered == 3


@pytest.mark.parametrize(
    "url",
    [
        PUBLIC,
        "http://127.0.0.1:8000/cb?tenant=7",
        "https://hooks.example.com/cb?x=a%20b&y=%E2%9C%93",
    ],
)
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"SimSid": "DE1", "Status": "active", "UniqueName": ""},
        {"UniqueName": "Pompe n° 7 \u2013 東京", "b": "1", "B": "2", "a_": "3", "a": "4"},
    ],
)
def test_the_simulator_signs_as_the_validator_checks(url: str, params: dict[str, str]) -> None:
    token = "simulator-token"
    expected = _signature.compute_signature(token, url, params)
    assert simulator_signature(token, url, params) == expected
    assert tw.WebhookValidator(token).validate(url, params, simulator_signature(token, url, params))
