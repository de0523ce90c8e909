"""Requests through an `httpx.AsyncClient`: the user's, a test's, or the SDK's own on trio."""

from __future__ import annotations

import httpx


class HttpxTransport:
    """Sends through `client` and reads the whole body; closes it only if `owned`."""

    def __init__(self, client: httpx.AsyncClient, *, owned: bool) -> None:
        self.client = client
        self.owned = owned

    async def request_read(self, request: httpx.Request) -> httpx.Response:
        # send() with stream=False reads the body and closes the response.
        return await self.client.send(request)

    async def aclose(self) -> None:
        if self.owned:
            await self.client.aclose()

    def __repr__(self) -> str:
        return f"HttpxTransport(owned={self.owned})"
