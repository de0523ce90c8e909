"""Callbacks over the network (no callback transport configured): several in flight at
once, each signed, a refused connection retried once with the same idempotency token."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import ManualClock, SimulatorConfig, WirelessSimulator
from twilio_wireless.simulator._callbacks import NETWORK_CONCURRENCY, CallbackDispatcher
from twilio_wireless.simulator._clock import RealClock
from twilio_wireless.simulator._state import OutgoingCallback

IO_TIMEOUT = 5.0


class Hooks:
    """An HTTP/1.1 server on 127.0.0.1 that records POSTs and counts them in flight."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.posts: list[tuple[dict[str, str], dict[str, str]]] = []
        self.in_flight = 0
        self.peak = 0
        self.arrived = asyncio.Event()  # set by the first POST
        self.server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hooks/sim"

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError, TimeoutError):
            while True:
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IO_TIMEOUT)
                lines = head.decode("latin-1").split("\r\n")
                headers = {
                    k.strip().lower(): v.strip()
                    for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)
                }
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                self.in_flight += 1
                self.arrived.set()
                self.peak = max(self.peak, self.in_flight)
                await asyncio.sleep(self.delay)
                self.in_flight -= 1
                self.posts.append((headers, dict(parse_qsl(body.decode()))))
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
        writer.close()


@contextlib.asynccontextmanager
async def hooks(delay: float) -> AsyncIterator[Hooks]:
    server = Hooks(delay)
    server.server = await asyncio.start_server(server.serve, "127.0.0.1", 0)
    try:
        yield server
    finally:
        server.server.close()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.server.wait_closed(), IO_TIMEOUT)


async def test_callbacks_go_out_several_at_once_and_signed() -> None:
    config = SimulatorConfig(sims=40, status_mix={"active": 1}, clock=ManualClock(), seed=2)
    async with hooks(delay=0.05) as server, WirelessSimulator(config) as simulator:
        url = server.url
        async with simulator.http_client() as http:
            client = tw.WirelessClient(
                simulator.account_sid,
                simulator.auth_token,
                base_url="http://wireless.simulator",
                http_client=http,
            )
            sids = simulator.sim_sids("active")
            for sid in sids:
                await client.sims.update(sid, status="suspended", callback_url=url, wait=False)
            await simulator.manual_clock.advance(30)
            await asyncio.wait_for(simulator.deliver_callbacks(), IO_TIMEOUT)
    assert sorted(params["SimSid"] for _, params in server.posts) == sorted(sids)
    assert server.peak > 1  # not one at a time
    validator = tw.WebhookValidator(simulator.auth_token)
    for headers, params in server.posts:
        assert validator.validate(url, params, headers["x-twilio-signature"])
        assert headers["i-twilio-idempotency-token"]


async def test_callbacks_due_during_a_delivery_do_not_wait_behind_it() -> None:
    # Changes settle a few at a time: the first callback due starts one delivery, and
    # those that fall due while it is out must go out beside it, not one after another.
    def due(sid: str) -> OutgoingCallback:
        return OutgoingCallback(server.url, "POST", {"SimSid": sid})

    async with hooks(delay=0.5) as server:
        dispatcher = CallbackDispatcher(
            transport=None, timeout=IO_TIMEOUT, auth_token="token", clock=RealClock()
        )
        try:
            dispatcher.submit([due("DE0")])
            await asyncio.wait_for(server.arrived.wait(), IO_TIMEOUT)  # held there 0.5 s
            dispatcher.submit([due(f"DE{n}") for n in range(1, 40)])
            await asyncio.wait_for(dispatcher.drain(), IO_TIMEOUT)
        finally:
            await dispatcher.aclose()
    assert sorted(params["SimSid"] for _, params in server.posts) == sorted(
        f"DE{n}" for n in range(40)
    )
    assert server.peak > NETWORK_CONCURRENCY // 2  # one at a time before: a peak of 1


async def test_a_callback_due_as_the_last_worker_ends_is_still_delivered(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dispatcher = CallbackDispatcher(
        transport=None, timeout=IO_TIMEOUT, auth_token="token", clock=RealClock()
    )
    delivered: list[str] = []
    both = asyncio.Event()

    async def deliver(callback: OutgoingCallback, token: str) -> None:
        delivered.append(callback.params["SimSid"])
        if len(delivered) == 1:
            # Falls due in the loop step where the only worker finds the queue empty.
            later = OutgoingCallback("http://127.0.0.1:9/hooks", "POST", {"SimSid": "DE1"})
            asyncio.get_running_loop().call_soon(dispatcher.submit, [later])
        else:
            both.set()

    monkeypatch.setattr(dispatcher, "_deliver", deliver)
    try:
        dispatcher.submit([OutgoingCallback("http://127.0.0.1:9/hooks", "POST", {"SimSid": "DE0"})])
        await asyncio.wait_for(both.wait(), IO_TIMEOUT)  # it was left queued, unsent
    finally:
        await dispatcher.aclose()
    assert delivered == ["DE0", "DE1"]


async def test_a_refused_connection_is_retried_once_with_the_same_token() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = SimulatorConfig(sims=2, status_mix={"active": 1}, clock=ManualClock(), seed=2)
    async with WirelessSimulator(config) as simulator, simulator.http_client() as http:
        client = tw.WirelessClient(
            simulator.account_sid,
            simulator.auth_token,
            base_url="http://wireless.simulator",
            http_client=http,
        )
        sid = simulator.sim_sids("active")[0]
        url = f"http://127.0.0.1:{port}/hooks"
        await client.sims.update(sid, status="suspended", callback_url=url, wait=False)
        await simulator.manual_clock.advance(30)
        await asyncio.wait_for(simulator.deliver_callbacks(), IO_TIMEOUT)
    records = [r for r in simulator.callbacks if r.url == url]
    assert [r.attempt for r in records] == [1, 2]
    assert records[0].idempotency_token == records[1].idempotency_token
    assert all(r.status_code is None and r.error for r in records)
