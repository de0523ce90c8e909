"""AiohttpPool, the SDK's default way out, against a real (misbehaving) local HTTP/1.1 server.

Every failure is a TransportError named as httpcore would name it; `sent` is False only
where the request provably never reached the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import ssl
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohappyeyeballs
import aiohttp
import pytest
import trio
from pytest_httpx import HTTPXMock

import twilio_wireless as tw
from twilio_wireless._transport._aiohttp import AiohttpPool, _create_ssl_context, failure_of
from twilio_wireless._wire import TransportError, WireRequest, WireResponse

from .conftest import CHUNKS, GZIP_PAYLOAD, MisbehavingServer

TIMEOUTS = {"connect": 2.0, "read": 2.0, "write": 2.0, "pool": 2.0}
SHORT_READ = {**TIMEOUTS, "read": 0.3}
AUTH = "Basic c2VjcmV0LXRva2Vu"


def wire(
    url: str,
    *,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeouts: dict[str, float] = TIMEOUTS,
) -> WireRequest:
    path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else "/"
    return WireRequest(method, url, path, headers or {}, body, timeouts)


@contextlib.asynccontextmanager
async def pool(**kwargs: Any) -> AsyncIterator[AiohttpPool]:
    opened = AiohttpPool(verify=None, **kwargs)
    try:
        yield opened
    finally:
        await opened.aclose()


def echoed(response: WireResponse) -> dict[str, Any]:
    return json.loads(response.content)  # type: ignore[no-any-return]


def names(headers: list[list[str]]) -> list[str]:
    return [name.lower() for name, _ in headers]


# --- what goes on the wire ---------------------------------------------------------------


async def test_path_and_query_are_sent_byte_exact(server: MisbehavingServer) -> None:
    target = "/v1/Sims/a%2Fb%20c?Start=2015-07-30T20%3A00%3A00Z&X=1&X=2&Plus=a+b"
    async with pool() as sender:
        response = await sender.send(wire(server.url + target))
    assert response.status_code == 200
    assert echoed(response)["target"] == target


async def test_only_the_given_headers_are_sent(server: MisbehavingServer) -> None:
    headers = {"User-Agent": "sdk/1.0", "Authorization": AUTH, "Accept": "application/json"}
    async with pool() as sender:
        sent = echoed(await sender.send(wire(server.url + "/", headers=headers)))["headers"]
    assert names(sent).count("user-agent") == 1
    assert names(sent).count("host") == 1
    assert "content-type" not in names(sent)  # aiohttp adds none of its own defaults
    assert "accept-encoding" not in names(sent)
    assert [v for k, v in sent if k.lower() == "authorization"] == [AUTH]


async def test_header_injection_is_refused_before_sending(server: MisbehavingServer) -> None:
    async with pool() as sender:
        with pytest.raises(TransportError) as caught:
            await sender.send(wire(server.url + "/", headers={"X-Note": "a\r\nInjected: 1"}))
    assert caught.value.kind == "LocalProtocolError"
    assert server.requests == []


async def test_a_form_post_arrives_with_type_and_length(server: MisbehavingServer) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = b"Status=active&Name=a+b%26c"
    async with pool() as sender:
        sent = echoed(
            await sender.send(
                wire(server.url + "/v1/Sims/DE1", method="POST", headers=form, body=body)
            )
        )
    headers = {name.lower(): value for name, value in sent["headers"]}
    assert sent["method"] == "POST"
    assert sent["body"] == "Status=active&Name=a+b%26c"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["content-length"] == str(len(body))
    assert names(sent["headers"]).count("content-type") == 1


async def test_a_body_less_post_gets_no_default_content_type(server: MisbehavingServer) -> None:
    async with pool() as sender:
        sent = echoed(await sender.send(wire(server.url + "/", method="POST")))["headers"]
    assert "content-type" not in names(sent)


# --- what comes back ---------------------------------------------------------------------


async def test_gzip_and_chunked_bodies_are_read_whole(server: MisbehavingServer) -> None:
    async with pool() as sender:
        gzipped = await sender.send(wire(server.url + "/gzip"))
        chunked = await sender.send(wire(server.url + "/chunked"))
    assert gzipped.content == GZIP_PAYLOAD  # decoded
    assert gzipped.headers["content-encoding"] == "gzip"
    assert chunked.content == b"".join(CHUNKS)
    assert server.connections == 1  # the connection went back to the pool


async def test_repeated_response_headers_are_kept(server: MisbehavingServer) -> None:
    async with pool() as sender:
        response = await sender.send(wire(server.url + "/dup-headers"))
    assert response.headers.getall("x-dup") == ["one", "two"]  # type: ignore[attr-defined]
    assert response.reason_phrase == "OK"  # the status's phrase, whatever the server says


async def test_sequential_requests_reuse_one_connection(server: MisbehavingServer) -> None:
    async with pool() as sender:
        for path in ("/one", "/two", "/gzip"):
            assert (await sender.send(wire(server.url + path))).status_code == 200
    assert server.connections == 1


# --- failure mapping ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/close-before-response", "RemoteProtocolError"),
        ("/reset", "ReadError"),
        ("/garbage", "RemoteProtocolError"),
        ("/truncated", "RemoteProtocolError"),
        ("/slow-headers", "ReadTimeout"),
        ("/slow-body", "ReadTimeout"),
    ],
)
async def test_server_failures_are_named_and_may_have_been_sent(
    server: MisbehavingServer, method: str, path: str, kind: str
) -> None:
    body = b"payload" if method == "POST" else None
    async with pool() as sender:
        with pytest.raises(TransportError) as caught:
            await sender.send(
                wire(server.url + path, method=method, body=body, timeouts=SHORT_READ)
            )
    assert caught.value.kind == kind
    assert caught.value.sent  # the server may have processed it
    assert caught.value.timeout == kind.endswith("Timeout")
    assert isinstance(caught.value.__cause__, (aiohttp.ClientError, OSError))


async def test_connection_refused_was_not_sent(closed_port: int) -> None:
    async with pool() as sender:
        with pytest.raises(TransportError) as caught:
            await sender.send(wire(f"http://127.0.0.1:{closed_port}/"))
    assert caught.value.kind == "ConnectError"
    assert not caught.value.sent


async def test_a_tls_handshake_failure_was_not_sent() -> None:
    async def not_tls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"NOT TLS AT ALL\r\n\r\n")
        await writer.drain()
        writer.close()

    tls_server = await asyncio.start_server(not_tls, "127.0.0.1", 0)
    port = tls_server.sockets[0].getsockname()[1]
    sender = AiohttpPool()
    try:
        with pytest.raises(TransportError, match="TLS") as caught:
            await sender.send(wire(f"https://127.0.0.1:{port}/"))
        assert caught.value.kind == "ConnectError"
        assert not caught.value.sent
    finally:
        await sender.aclose()
        tls_server.close()
        await asyncio.wait_for(tls_server.wait_closed(), 2.0)


async def test_a_connect_timeout_was_not_sent(
    server: MisbehavingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Deterministic stand-in for an unreachable host: the socket connect never completes.
    async def never_connects(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(1.0)
        raise AssertionError("connect timeout did not fire")

    monkeypatch.setattr(aiohappyeyeballs, "start_connection", never_connects)
    async with pool() as sender:
        with pytest.raises(TransportError) as caught:
            await sender.send(wire(server.url + "/", timeouts={**TIMEOUTS, "connect": 0.1}))
    assert caught.value.kind == "ConnectTimeout"
    assert not caught.value.sent
    assert server.connections == 0


async def test_waiting_for_a_full_pool_is_a_pool_timeout(server: MisbehavingServer) -> None:
    async with pool(max_connections=1) as sender:
        held = asyncio.create_task(sender.send(wire(server.url + "/slow-headers")))
        await asyncio.wait_for(server.request_seen.wait(), 2.0)
        with pytest.raises(TransportError) as caught:
            await sender.send(wire(server.url + "/", timeouts={**TIMEOUTS, "pool": 0.1}))
        assert caught.value.kind == "PoolTimeout"
        assert not caught.value.sent
        held.cancel()
        with pytest.raises(asyncio.CancelledError):
            await held
        # Cancelling the held request frees the slot.
        assert (await sender.send(wire(server.url + "/"))).status_code == 200


async def test_failed_requests_return_their_pool_slot(server: MisbehavingServer) -> None:
    timeouts = {**SHORT_READ, "pool": 0.5}
    async with pool(max_connections=1) as sender:
        for path in ("/truncated", "/close-before-response", "/slow-headers", "/garbage"):
            with pytest.raises(TransportError):
                await sender.send(wire(server.url + path, timeouts=timeouts))
        assert (await sender.send(wire(server.url + "/"))).status_code == 200


@pytest.mark.parametrize(
    ("exc", "kind", "sent"),
    [
        (aiohttp.ClientOSError(32, "Can not write request body for http://h/"), "WriteError", True),
        # A pooled connection found closing before the first write: nothing left (Go's
        # nothingWrittenError), so even a create may be sent again.
        (
            aiohttp.ClientConnectionResetError("Cannot write to closing transport"),
            "WriteError",
            False,
        ),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), "ReadError", True),
        (aiohttp.ServerDisconnectedError(), "RemoteProtocolError", True),
        (aiohttp.ConnectionTimeoutError(), "ConnectTimeout", False),
        (aiohttp.SocketTimeoutError(), "ReadTimeout", True),
        (ssl.SSLCertVerificationError("certificate verify failed"), "ConnectError", False),
        (aiohttp.ClientPayloadError("bad chunk"), "RemoteProtocolError", True),
        (aiohttp.NonHttpUrlClientError("ftp://h/"), "UnsupportedProtocol", False),
        (aiohttp.ClientError(), "TransportError", True),
    ],
)
def test_the_failure_table(exc: Exception, kind: str, sent: bool) -> None:
    mapped = failure_of(exc, in_body=False)
    assert isinstance(mapped, TransportError)
    assert mapped.kind == kind
    assert mapped.sent is sent


async def test_no_chained_exception_repr_shows_the_authorization_header(
    server: MisbehavingServer,
) -> None:
    async with pool() as sender:
        for path in ("/garbage", "/truncated", "/close-before-response"):
            request = wire(server.url + path, headers={"Authorization": AUTH}, timeouts=SHORT_READ)
            with pytest.raises(TransportError) as caught:
                await sender.send(request)
            chain: list[BaseException] = []
            error: BaseException | None = caught.value
            while error is not None:
                chain.append(error)
                error = error.__cause__ or error.__context__
            assert all("c2VjcmV0LXRva2Vu" not in repr(e) for e in chain), path


# --- lifecycle and event loops -------------------------------------------------------------


async def test_aclose_is_idempotent(server: MisbehavingServer) -> None:
    sender = AiohttpPool(verify=None)
    await sender.aclose()  # never used
    assert (await sender.send(wire(server.url + "/"))).status_code == 200
    await sender.aclose()
    await sender.aclose()


def test_the_session_follows_a_new_event_loop(threaded_server: MisbehavingServer) -> None:
    sender = AiohttpPool(verify=None)

    async def get() -> int:
        return (await sender.send(wire(threaded_server.url + "/"))).status_code

    with warnings.catch_warnings():
        # Sockets of the first loop cannot be closed once asyncio.run() closed that loop;
        # they are reclaimed by the garbage collector (with a ResourceWarning).
        warnings.simplefilter("ignore", ResourceWarning)
        assert asyncio.run(get()) == 200
        assert asyncio.run(get()) == 200
        asyncio.run(sender.aclose())
        gc.collect()
    assert threaded_server.connections == 2


def test_a_client_built_on_trio_sends_through_httpx(threaded_server: MisbehavingServer) -> None:
    # aiohttp needs asyncio: the transport is chosen for trio when the client is built there.
    async def main() -> tuple[str, int]:
        with trio.fail_after(5):
            async with tw.WirelessClient(
                "AC" + "0" * 32, "t", base_url=threaded_server.url, timeout=5.0
            ) as client:
                transport = type(client._connection.transport).__name__
                with pytest.raises(tw.APIError) as info:  # the server echoes, not a Sim
                    await client.sims.fetch("DE" + "a" * 32)
                return transport, info.value.status

    transport, status = trio.run(main)
    assert transport == "HttpxTransport"
    assert status == 200
    assert threaded_server.connections == 1


async def test_an_active_pytest_httpx_is_not_consulted(
    server: MisbehavingServer, httpx_mock: HTTPXMock
) -> None:
    # No detection of test doubles: tests that mock HTTP pass an httpx.AsyncClient instead.
    async with pool() as sender:
        response = await sender.send(wire(server.url + "/v1/Sims"))
    assert response.status_code == 200
    assert server.connections == 1
    assert httpx_mock.get_requests() == []


def test_the_default_tls_context_verifies_with_certifi_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import certifi

    context = _create_ssl_context(True, trust_env=False)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert len(context.get_ca_certs()) > 50  # certifi's bundle, whatever the host has

    one_ca = tmp_path / "one.pem"
    bundle = Path(certifi.where()).read_text()
    one_ca.write_text(bundle[: bundle.index("-----END CERTIFICATE-----") + 26])
    monkeypatch.setenv("SSL_CERT_FILE", str(one_ca))
    assert len(_create_ssl_context(True, trust_env=True).get_ca_certs()) == 1
    assert len(_create_ssl_context(True, trust_env=False).get_ca_certs()) > 50


async def test_a_decoded_body_is_not_decoded_again_as_an_httpx_response(
    server: MisbehavingServer,
) -> None:
    async with pool() as sender:
        response = await sender.send(wire(server.url + "/gzip"))
    assert response._httpx is None  # nothing httpx is made on the way
    assert response.to_httpx().content == GZIP_PAYLOAD


async def test_a_plain_http_pool_refuses_https() -> None:
    async with pool() as sender:
        with pytest.raises(TransportError) as caught:
            await sender.send(wire("https://wireless.test/v1/Sims"))
    assert caught.value.kind == "UnsupportedProtocol"
    assert not caught.value.sent
