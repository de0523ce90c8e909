"""Both transports against a hostile server: bounded bodies and time, one send per attempt.

A broken proxy or a hostile server must not take a gateway's memory (a huge or endless
body, a gzip bomb) or hold a request past its deadline (a body dripped a byte at a
time), and the transport must never send a request again by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest

from twilio_wireless._transport._aiohttp import AiohttpPool
from twilio_wireless._transport._default import AiohttpDefault
from twilio_wireless._transport._httpx import HttpxTransport
from twilio_wireless._wire import TransportError, WireRequest

from .conftest import BOMB_INFLATED, DRIP_BYTES, DRIP_INTERVAL, MisbehavingServer

TIMEOUTS = {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 2.0}
CAP = 1024 * 1024


def wire(url: str, *, deadline: float | None = None, max_bytes: int = CAP) -> WireRequest:
    path = "/" + url.split("/", 3)[3]
    return WireRequest("GET", url, path, {}, None, TIMEOUTS, deadline, max_bytes)


@contextlib.asynccontextmanager
async def transport(kind: str) -> AsyncIterator[Any]:
    if kind == "aiohttp":
        sender: Any = AiohttpPool(verify=None)
    else:
        sender = HttpxTransport(httpx.AsyncClient(), owned=True)
    try:
        yield sender
    finally:
        await sender.aclose()


KINDS = pytest.mark.parametrize("kind", ["aiohttp", "httpx"])


@KINDS
async def test_a_huge_content_length_is_refused_from_the_header(
    server: MisbehavingServer, kind: str
) -> None:
    async with transport(kind) as sender:
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            await sender.send(wire(server.url + "/huge-length"))
    assert caught.value.kind == "ResponseTooLarge"
    assert "max_response_bytes=1048576" in str(caught.value)
    assert time.monotonic() - started < 0.9  # not after the server's 1 s stall


@KINDS
async def test_an_endless_body_is_refused_once_past_the_cap(
    server: MisbehavingServer, kind: str
) -> None:
    async with transport(kind) as sender:
        with pytest.raises(TransportError) as caught:
            await sender.send(wire(server.url + "/endless"))
    assert caught.value.kind == "ResponseTooLarge"
    assert "as sent" in str(caught.value)


@KINDS
async def test_a_gzip_bomb_is_refused_once_decompressed(
    server: MisbehavingServer, kind: str
) -> None:
    async with transport(kind) as sender:
        with pytest.raises(TransportError) as caught:
            await sender.send(wire(server.url + "/bomb"))
        assert caught.value.kind == "ResponseTooLarge"
        assert "once decompressed" in str(caught.value)
        # Under a cap that fits it, the same body is read whole.
        response = await sender.send(wire(server.url + "/bomb", max_bytes=BOMB_INFLATED))
    assert len(response.content) == BOMB_INFLATED


@KINDS
async def test_a_dripping_body_is_cut_at_the_request_deadline(
    server: MisbehavingServer, kind: str
) -> None:
    # Each byte comes well within the read timeout; only the deadline bounds the whole.
    assert DRIP_BYTES * DRIP_INTERVAL > 3.0
    async with transport(kind) as sender:
        started = time.monotonic()
        with pytest.raises(TransportError) as caught:
            await sender.send(wire(server.url + "/drip", deadline=0.5))
    elapsed = time.monotonic() - started
    assert caught.value.timeout
    assert "deadline" in str(caught.value)
    assert 0.4 < elapsed < 2.0


async def test_aiohttp_never_sends_a_dropped_request_again(server: MisbehavingServer) -> None:
    # aiohttp's own behaviour re-sends an idempotent request once when a reused connection
    # drops it; the SDK's retry loop must be the only one deciding (attempts = sends).
    async with transport("aiohttp") as sender:
        assert (await sender.send(wire(server.url + "/"))).status_code == 200  # now pooled
        with pytest.raises(TransportError) as caught:
            await sender.send(wire(server.url + "/close-before-response"))
    assert caught.value.sent
    dropped = [r for r in server.requests if r.target == "/close-before-response"]
    assert len(dropped) == 1


async def test_a_ca_bundle_gone_after_construction_fails_as_unsent_and_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = tmp_path / "ca.pem"
    pem = Path(certifi.where()).read_bytes()  # noqa: ASYNC240 (test set-up, before any I/O)
    bundle.write_bytes(pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    sender = AiohttpDefault(max_connections=1, keepalive_expiry=1.0, tls=True)
    bundle.unlink()
    try:
        with pytest.raises(TransportError) as caught:
            await sender.send(wire("https://127.0.0.1:9/v1/Sims"))
        assert caught.value.kind == "ConnectError"
        assert not caught.value.sent
        assert "could not set up the connection pool" in str(caught.value)
        # Put back, the next request sets the pool up (and then meets the closed port).
        bundle.write_bytes(pem)
        with pytest.raises(TransportError) as again:
            await sender.send(wire("https://127.0.0.1:9/v1/Sims"))
        assert "could not set up" not in str(again.value)
    finally:
        await sender.aclose()


async def test_a_callers_cancellation_is_not_turned_into_a_deadline(
    server: MisbehavingServer,
) -> None:
    async with transport("aiohttp") as sender:
        sending = asyncio.ensure_future(sender.send(wire(server.url + "/drip", deadline=30.0)))
        await asyncio.wait_for(server.request_seen.wait(), 2)
        sending.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sending
        # The watchdog forgot it, and the pool slot came back: the next request goes out.
        response = await sender.send(wire(server.url + "/", deadline=5.0))
    assert response.status_code == 200


async def test_requests_past_their_deadline_free_their_slots(server: MisbehavingServer) -> None:
    sender = AiohttpPool(verify=None, max_connections=1)  # one slot: a leak would block
    try:
        for _ in range(3):
            with pytest.raises(TransportError) as caught:
                await sender.send(wire(server.url + "/drip", deadline=0.2))
            assert caught.value.timeout
        assert (await sender.send(wire(server.url + "/"))).status_code == 200
    finally:
        await sender.aclose()
