"""AiohttpPool.send(): the SDK's default path, which never imports httpx."""

from __future__ import annotations

import json

import httpx
import pytest

from twilio_wireless._transport._aiohttp import AiohttpPool
from twilio_wireless._wire import TransportError, WireRequest, WireResponse

from .conftest import GZIP_PAYLOAD, MisbehavingServer

pytestmark = pytest.mark.asyncio

TIMEOUTS = httpx.Timeout(5.0).as_dict()


def _request(server: MisbehavingServer, path: str, *, body: bytes | None = None) -> WireRequest:
    headers = {"Authorization": "Basic eDp5", "Accept": "application/json"}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return WireRequest(
        "POST" if body is not None else "GET", server.url + path, path, headers, body, TIMEOUTS
    )


async def test_a_request_goes_out_as_built_and_comes_back_whole(server: MisbehavingServer) -> None:
    transport = AiohttpPool(verify=None)
    try:
        request = _request(server, "/v1/Sims/a%2Fb?X=1&X=2", body=b"Status=active")
        response = await transport.send(request)
    finally:
        await transport.aclose()
    assert isinstance(response, WireResponse)
    assert response.status_code == 200
    echoed = json.loads(response.content)
    assert echoed["method"] == "POST"
    assert echoed["target"] == "/v1/Sims/a%2Fb?X=1&X=2"
    assert echoed["body"] == "Status=active"
    assert ["Authorization", "Basic eDp5"] in echoed["headers"]
    assert response.headers["content-type"] == "application/json"  # case-insensitive
    assert response.request is request
    assert response._httpx is None


async def test_a_gzip_body_is_decoded(server: MisbehavingServer) -> None:
    transport = AiohttpPool(verify=None)
    try:
        response = await transport.send(_request(server, "/gzip"))
    finally:
        await transport.aclose()
    assert response.content == GZIP_PAYLOAD
    # An httpx.Response made from it does not decode the body a second time.
    assert response.to_httpx().content == GZIP_PAYLOAD


@pytest.mark.parametrize("path", ["/truncated", "/close-before-response", "/garbage"])
async def test_failures_are_transport_errors_and_free_the_pool_slot(
    server: MisbehavingServer, path: str
) -> None:
    transport = AiohttpPool(verify=None, max_connections=1)
    try:
        with pytest.raises(TransportError) as info:
            await transport.send(_request(server, path))
        assert info.value.kind == "RemoteProtocolError"
        assert info.value.sent  # the server may have seen it: only safe requests are resent
        assert not info.value.timeout
        # The one pooled slot is free again: the next request does not wait for it.
        response = await transport.send(_request(server, "/v1/Sims"))
        assert response.status_code == 200
    finally:
        await transport.aclose()


async def test_a_plain_http_transport_refuses_https() -> None:
    transport = AiohttpPool(verify=None)
    request = WireRequest("GET", "https://wireless.test/v1/Sims", "/v1/Sims", {}, None, TIMEOUTS)
    with pytest.raises(TransportError) as info:
        await transport.send(request)
    assert info.value.kind == "UnsupportedProtocol"
    assert not info.value.sent
    await transport.aclose()
