"""AiohttpTransport against a real (misbehaving) local HTTP/1.1 server."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import ssl
import warnings
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohappyeyeballs
import aiohttp
import httpx
import pytest
import trio
from pytest_httpx import HTTPXMock

import twilio_wireless as tw
from twilio_wireless._transport._aiohttp_httpx import AiohttpTransport, _map_exception
from twilio_wireless._wire import TransportError, WireRequest

from .conftest import (
    CHUNKS,
    GZIP_PAYLOAD,
    STREAM_CHUNK,
    STREAM_CHUNK_COUNT,
    MisbehavingServer,
)

TIMEOUT = httpx.Timeout(2.0)
SHORT_READ = httpx.Timeout(2.0, read=0.3)


@contextlib.asynccontextmanager
async def make_client(
    server: MisbehavingServer,
    *,
    client_timeout: httpx.Timeout = TIMEOUT,
    **transport_kwargs: Any,
) -> AsyncIterator[httpx.AsyncClient]:
    transport = AiohttpTransport(**transport_kwargs)
    async with httpx.AsyncClient(
        transport=transport, base_url=server.url, timeout=client_timeout
    ) as client:
        yield client


def header_names(headers: list[list[str]]) -> list[str]:
    return [name.lower() for name, _ in headers]


# --- what goes on the wire ---------------------------------------------------------------


@pytest.mark.asyncio
async def test_path_and_query_are_sent_byte_exact(server: MisbehavingServer) -> None:
    target = "/v1/Sims/a%2Fb%20c?Start=2015-07-30T20%3A00%3A00Z&X=1&X=2&Plus=a+b"
    async with make_client(server) as client:
        response = await client.get(target)
    assert response.status_code == 200
    assert response.json()["target"] == target


@pytest.mark.asyncio
async def test_query_params_keep_order_and_encoding(server: MisbehavingServer) -> None:
    params: list[tuple[str, str | int | float | bool | None]] = [
        ("Status", "active"),
        ("X", "1"),
        ("X", "2"),
        ("When", "2015-07-30T20:00:00Z"),
    ]
    async with make_client(server) as client:
        response = await client.get("/v1/Sims", params=params)
    assert response.json()["target"] == str(response.request.url.raw_path, "ascii")
    assert response.json()["target"].endswith(
        "?Status=active&X=1&X=2&When=2015-07-30T20%3A00%3A00Z"
    )


@pytest.mark.asyncio
async def test_duplicate_request_headers_are_preserved_in_order(
    server: MisbehavingServer,
) -> None:
    async with make_client(server) as client:
        response = await client.get("/", headers=[("X-Dup", "first"), ("X-Dup", "second")])
    sent = response.json()["headers"]
    assert [value for name, value in sent if name.lower() == "x-dup"] == ["first", "second"]


@pytest.mark.asyncio
async def test_only_the_headers_httpx_built_are_sent(server: MisbehavingServer) -> None:
    async with make_client(server) as client:
        response = await client.get("/", headers={"User-Agent": "sdk/1.0"})
    sent = response.json()["headers"]
    built = [(k.decode(), v.decode()) for k, v in response.request.headers.raw]
    assert [tuple(pair) for pair in sent] == built
    assert header_names(sent).count("user-agent") == 1
    assert header_names(sent).count("host") == 1
    assert "content-type" not in header_names(sent)
    assert "content-length" not in header_names(sent)


@pytest.mark.asyncio
async def test_credentials_in_url_become_one_authorization_header(
    server: MisbehavingServer,
) -> None:
    url = server.url.replace("http://", "http://AC123:s3cret@") + "/v1/Sims"
    async with httpx.AsyncClient(transport=AiohttpTransport(), timeout=TIMEOUT) as client:
        response = await client.get(url)
    echoed = response.json()
    assert echoed["target"] == "/v1/Sims"
    auth = [v for k, v in echoed["headers"] if k.lower() == "authorization"]
    assert auth == ["Basic " + base64.b64encode(b"AC123:s3cret").decode()]


@pytest.mark.asyncio
async def test_header_injection_is_a_local_protocol_error(server: MisbehavingServer) -> None:
    async with make_client(server) as client:
        with pytest.raises(httpx.LocalProtocolError):
            await client.get("/", headers={"X-Note": "a\r\nInjected: 1"})
    assert server.requests == []


@pytest.mark.asyncio
async def test_form_post_body_arrives_with_type_and_length(server: MisbehavingServer) -> None:
    async with make_client(server) as client:
        response = await client.post("/v1/Sims/DE1", data={"Status": "active", "Name": "a b&c"})
    echoed = response.json()
    headers = {name.lower(): value for name, value in echoed["headers"]}
    assert echoed["method"] == "POST"
    assert echoed["body"] == "Status=active&Name=a+b%26c"
    assert headers["content-type"] == "application/x-www-form-urlencoded"
    assert headers["content-length"] == str(len(echoed["body"]))
    assert header_names(echoed["headers"]).count("content-type") == 1


@pytest.mark.asyncio
async def test_body_less_post_gets_no_default_content_type(server: MisbehavingServer) -> None:
    async with make_client(server) as client:
        response = await client.post("/")
    sent = response.json()["headers"]
    assert "content-type" not in header_names(sent)
    assert {k.lower(): v for k, v in sent}["content-length"] == "0"


@pytest.mark.asyncio
async def test_streamed_request_body_arrives(server: MisbehavingServer) -> None:
    async def body() -> AsyncIterator[bytes]:
        for part in (b"one,", b"two,", b"three"):
            await asyncio.sleep(0)
            yield part

    async with make_client(server) as client:
        response = await client.post("/upload", content=body())
    echoed = response.json()
    assert echoed["body"] == "one,two,three"
    assert [v for k, v in echoed["headers"] if k.lower() == "transfer-encoding"] == ["chunked"]


@pytest.mark.asyncio
async def test_exception_from_request_body_iterator_propagates(
    server: MisbehavingServer,
) -> None:
    class BodyFailed(Exception):
        pass

    async def body() -> AsyncIterator[bytes]:
        yield b"partial"
        raise BodyFailed

    async with make_client(server) as client:
        with pytest.raises(BodyFailed):
            await client.post("/upload", content=body())


# --- what comes back ---------------------------------------------------------------------


@pytest.mark.asyncio
async def test_gzip_response_is_decoded_by_httpx(server: MisbehavingServer) -> None:
    async with make_client(server) as client:
        response = await client.get("/gzip")
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == GZIP_PAYLOAD


@pytest.mark.asyncio
async def test_chunked_response_is_read(server: MisbehavingServer) -> None:
    async with make_client(server) as client:
        response = await client.get("/chunked")
    assert response.content == b"".join(CHUNKS)


@pytest.mark.asyncio
async def test_response_headers_reason_and_version(server: MisbehavingServer) -> None:
    async with make_client(server) as client:
        response = await client.get("/dup-headers")
    assert response.headers.get_list("x-dup") == ["one", "two"]
    assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert response.reason_phrase == "Very OK"
    assert response.http_version == "HTTP/1.1"
    # The SDK wants no cookie persistence below httpx; httpx itself still sees them.
    assert len(client.cookies) == 2


@pytest.mark.asyncio
async def test_head_request_has_no_body(server: MisbehavingServer) -> None:
    async with make_client(server) as client:
        response = await client.head("/")
    assert response.status_code == 200
    assert response.content == b""


@pytest.mark.asyncio
async def test_streaming_response_reads_all_chunks(server: MisbehavingServer) -> None:
    async with make_client(server) as client, client.stream("GET", "/stream") as response:
        chunks = [chunk async for chunk in response.aiter_raw()]
    assert b"".join(chunks) == STREAM_CHUNK * STREAM_CHUNK_COUNT


@pytest.mark.asyncio
async def test_closing_a_stream_early_is_clean(server: MisbehavingServer) -> None:
    async with make_client(server, limits=httpx.Limits(max_connections=1)) as client:
        async with client.stream("GET", "/slow-body") as response:
            async for chunk in response.aiter_raw():
                assert chunk == b"0123456789"
                break
        # The half-read connection is discarded and the only pool slot is free again.
        follow_up = await client.get("/")
    assert follow_up.status_code == 200
    assert server.connections == 2


@pytest.mark.asyncio
async def test_sequential_requests_reuse_one_connection(server: MisbehavingServer) -> None:
    async with make_client(server) as client:
        first = await client.get("/one")
        second = await client.post("/two", data={"a": "b"})
        third = await client.get("/gzip")
    assert (first.status_code, second.status_code, third.status_code) == (200, 200, 200)
    assert server.connections == 1


# --- failure mapping ---------------------------------------------------------------------


@pytest.mark.asyncio
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/close-before-response", httpx.RemoteProtocolError),
        ("/reset", httpx.ReadError),
        ("/garbage", httpx.RemoteProtocolError),
        ("/truncated", httpx.RemoteProtocolError),
        ("/slow-headers", httpx.ReadTimeout),
        ("/slow-body", httpx.ReadTimeout),
    ],
)
async def test_server_failures_map_to_httpx_exceptions(
    server: MisbehavingServer, method: str, path: str, expected: type[httpx.HTTPError]
) -> None:
    async with make_client(server, client_timeout=SHORT_READ) as client:
        with pytest.raises(httpx.TransportError) as caught:
            await client.request(method, path, content=b"payload" if method == "POST" else None)
    assert type(caught.value) is expected
    assert not isinstance(caught.value, (httpx.ConnectError, httpx.ConnectTimeout))
    assert caught.value.request.url.path == path
    assert isinstance(caught.value.__cause__, (aiohttp.ClientError, OSError))


@pytest.mark.asyncio
async def test_failures_while_streaming_the_body_are_mapped(server: MisbehavingServer) -> None:
    async with make_client(server, client_timeout=SHORT_READ) as client:
        async with client.stream("GET", "/truncated") as response:
            assert response.status_code == 200
            with pytest.raises(httpx.RemoteProtocolError):
                await response.aread()
        async with client.stream("GET", "/slow-body") as response:
            with pytest.raises(httpx.ReadTimeout):
                await response.aread()


@pytest.mark.asyncio
async def test_connection_refused_is_connect_error(closed_port: int) -> None:
    async with httpx.AsyncClient(transport=AiohttpTransport(), timeout=TIMEOUT) as client:
        with pytest.raises(httpx.ConnectError) as caught:
            await client.get(f"http://127.0.0.1:{closed_port}/")
    assert type(caught.value) is httpx.ConnectError


@pytest.mark.asyncio
async def test_tls_handshake_failure_is_connect_error() -> None:
    async def not_tls(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"NOT TLS AT ALL\r\n\r\n")
        await writer.drain()
        writer.close()

    tls_server = await asyncio.start_server(not_tls, "127.0.0.1", 0)
    port = tls_server.sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(transport=AiohttpTransport(), timeout=TIMEOUT) as client:
            with pytest.raises(httpx.ConnectError, match="TLS"):
                await client.get(f"https://127.0.0.1:{port}/")
    finally:
        tls_server.close()
        await asyncio.wait_for(tls_server.wait_closed(), 2.0)


@pytest.mark.asyncio
async def test_connect_timeout_is_connect_timeout(
    server: MisbehavingServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Deterministic stand-in for an unreachable host: the socket connect never completes.
    async def never_connects(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(1.0)
        raise AssertionError("connect timeout did not fire")

    monkeypatch.setattr(aiohappyeyeballs, "start_connection", never_connects)
    async with make_client(server, client_timeout=httpx.Timeout(2.0, connect=0.1)) as client:
        with pytest.raises(httpx.ConnectTimeout):
            await client.get("/")
    assert server.connections == 0


@pytest.mark.asyncio
async def test_waiting_for_a_full_pool_is_pool_timeout(server: MisbehavingServer) -> None:
    timeout = httpx.Timeout(2.0, pool=0.1)
    async with make_client(
        server, client_timeout=timeout, limits=httpx.Limits(max_connections=1)
    ) as client:
        async with client.stream("GET", "/stream") as held:
            assert held.status_code == 200
            with pytest.raises(httpx.PoolTimeout):
                await client.get("/")
        # Closing the held response frees the slot.
        assert (await client.get("/")).status_code == 200


@pytest.mark.asyncio
async def test_failed_requests_return_their_pool_slot(server: MisbehavingServer) -> None:
    timeout = httpx.Timeout(2.0, read=0.3, pool=0.5)
    async with make_client(
        server, client_timeout=timeout, limits=httpx.Limits(max_connections=1)
    ) as client:
        for path in ("/truncated", "/close-before-response", "/slow-headers", "/garbage"):
            with pytest.raises(httpx.TransportError):
                await client.get(path)
        assert (await client.get("/")).status_code == 200


@pytest.mark.asyncio
async def test_cancellation_propagates_and_frees_the_slot(server: MisbehavingServer) -> None:
    async with make_client(server, limits=httpx.Limits(max_connections=1)) as client:
        task = asyncio.create_task(client.get("/slow-headers"))
        await asyncio.wait_for(server.request_seen.wait(), 2.0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await client.get("/")).status_code == 200


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (aiohttp.ClientOSError(32, "Can not write request body for http://h/"), httpx.WriteError),
        (aiohttp.ClientConnectionResetError("Cannot write to closing transport"), httpx.WriteError),
        (aiohttp.ClientOSError(104, "Connection reset by peer"), httpx.ReadError),
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (aiohttp.ConnectionTimeoutError(), httpx.ConnectTimeout),
        (aiohttp.SocketTimeoutError(), httpx.ReadTimeout),
        (ssl.SSLCertVerificationError("certificate verify failed"), httpx.ConnectError),
        (aiohttp.ClientPayloadError("bad chunk"), httpx.RemoteProtocolError),
        (aiohttp.NonHttpUrlClientError("ftp://h/"), httpx.UnsupportedProtocol),
        (aiohttp.ClientError(), httpx.TransportError),
    ],
)
def test_exception_table(exc: Exception, expected: type[Exception]) -> None:
    request = httpx.Request("GET", "https://wireless.twilio.com/v1/Sims")
    mapped = _map_exception(exc, request, in_body=False)
    assert type(mapped) is expected
    assert isinstance(mapped, httpx.TransportError)
    assert mapped.request is request


# --- lifecycle and event loops -------------------------------------------------------------


@pytest.mark.asyncio
async def test_aclose_is_idempotent(server: MisbehavingServer) -> None:
    transport = AiohttpTransport()
    await transport.aclose()  # never used
    async with httpx.AsyncClient(transport=transport, base_url=server.url) as client:
        assert (await client.get("/")).status_code == 200
    await transport.aclose()
    await transport.aclose()


def test_session_follows_a_new_event_loop(threaded_server: MisbehavingServer) -> None:
    transport = AiohttpTransport()

    async def get() -> int:
        # The client is deliberately not closed: that would close the shared transport.
        client = httpx.AsyncClient(transport=transport, base_url=threaded_server.url)
        response = await client.get("/", timeout=TIMEOUT)
        return response.status_code

    with warnings.catch_warnings():
        # Sockets of the first loop cannot be closed once asyncio.run() closed that loop;
        # they are reclaimed by the garbage collector (with a ResourceWarning).
        warnings.simplefilter("ignore", ResourceWarning)
        assert asyncio.run(get()) == 200
        assert asyncio.run(get()) == 200
        asyncio.run(transport.aclose())
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


@pytest.mark.asyncio
async def test_an_active_pytest_httpx_is_not_consulted(
    server: MisbehavingServer, httpx_mock: HTTPXMock
) -> None:
    # No detection of test doubles: tests that mock HTTP pass an httpx.AsyncClient instead.
    async with make_client(server) as client:
        response = await client.get("/v1/Sims")
    assert response.status_code == 200
    assert server.connections == 1
    assert httpx_mock.get_requests() == []


# send(): the SDK's read-whole-body path, on wire requests -------------------------------


def _request(
    server: MisbehavingServer, path: str, timeout: httpx.Timeout = TIMEOUT
) -> httpx.Request:
    return httpx.Request("GET", server.url + path, extensions={"timeout": timeout.as_dict()})


def _wire(server: MisbehavingServer, path: str, timeout: httpx.Timeout = TIMEOUT) -> WireRequest:
    return WireRequest("GET", server.url + path, path, {}, None, timeout.as_dict())


@pytest.mark.asyncio
async def test_send_returns_a_read_response(server: MisbehavingServer) -> None:
    transport = AiohttpTransport()
    try:
        gzipped = await transport.send(_wire(server, "/gzip"))
        chunked = await transport.send(_wire(server, "/chunked"))
    finally:
        await transport.aclose()
    assert gzipped.content == GZIP_PAYLOAD  # decoded, as aread() would
    assert gzipped.request.path == "/gzip"
    assert chunked.content == b"".join(CHUNKS)
    assert server.connections == 1  # the connection went back to the pool


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("path", "expected"),
    [("/truncated", httpx.RemoteProtocolError), ("/slow-body", httpx.ReadTimeout)],
)
async def test_send_maps_body_failures_and_frees_the_slot(
    server: MisbehavingServer, path: str, expected: type[Exception]
) -> None:
    transport = AiohttpTransport(limits=httpx.Limits(max_connections=1))
    try:
        with pytest.raises(TransportError) as info:
            await transport.send(_wire(server, path, SHORT_READ))
        assert info.value.kind == expected.__name__  # named as httpx names it
        ok = await transport.send(_wire(server, "/echo"))
    finally:
        await transport.aclose()
    assert ok.status_code == 200  # the single pool slot was returned


@pytest.mark.asyncio
@pytest.mark.parametrize("path", ["/gzip", "/chunked", "/echo"])
async def test_send_gives_what_aread_gives(server: MisbehavingServer, path: str) -> None:
    transport = AiohttpTransport()
    try:
        fast = await transport.send(_wire(server, path))
        streamed = await transport.handle_async_request(_request(server, path))
        try:
            await streamed.aread()
        finally:
            await streamed.aclose()
    finally:
        await transport.aclose()
    assert fast.status_code == streamed.status_code
    assert [(k.lower(), v) for k, v in fast.headers.items()] == list(streamed.headers.items())
    assert fast.content == streamed.content


@pytest.mark.asyncio
async def test_no_chained_exception_repr_shows_the_authorization_header(
    server: MisbehavingServer,
) -> None:
    async with make_client(server, client_timeout=SHORT_READ) as client:
        for path in ("/garbage", "/truncated", "/close-before-response"):
            with pytest.raises(httpx.TransportError) as caught:
                await client.get(path, headers={"Authorization": "Basic c2VjcmV0LXRva2Vu"})
            chain: list[BaseException] = []
            error: BaseException | None = caught.value
            while error is not None:
                chain.append(error)
                error = error.__cause__ or error.__context__
            assert all("c2VjcmV0LXRva2Vu" not in repr(e) for e in chain), path


def test_the_default_tls_context_verifies_with_certifi_or_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import ssl

    import certifi

    from twilio_wireless._transport._aiohttp_httpx import _create_ssl_context

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


@pytest.mark.asyncio
async def test_decoded_header_sets_are_reused_without_leaking_between_requests(
    server: MisbehavingServer,
) -> None:
    async with make_client(server) as client:
        await client.get("/echo", headers={"X-Tag": "one"})
        await client.get("/echo", headers={"X-Tag": "two"})
        await client.get("/echo", headers={"X-Tag": "one"})
    tags = [dict(r.headers).get("x-tag") or dict(r.headers).get("X-Tag") for r in server.requests]
    assert tags[-3:] == ["one", "two", "one"]
