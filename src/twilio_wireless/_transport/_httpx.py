"""Requests through an `httpx.AsyncClient`: the user's, a test's, or the SDK's own on trio."""

from __future__ import annotations

import httpx

from .._wire import WireRequest, WireResponse


class HttpxTransport:
    """Sends through `client` and reads the whole body; closes it only if `owned`."""

    def __init__(self, client: httpx.AsyncClient, *, owned: bool) -> None:
        self.client = client
        self.owned = owned

    async def send(self, request: WireRequest) -> WireResponse:
        # send() with stream=False reads (and decodes) the body and closes the response.
        response = await self.client.send(request.to_httpx())
        return WireResponse(
            response.status_code,
            response.headers,
            response.content,
            request,
            as_httpx=response,
        )

    async def aclose(self) -> None:
        if self.owned:
            await self.client.aclose()

    def __repr__(self) -> str:
        return f"HttpxTransport(owned={self.owned})"
