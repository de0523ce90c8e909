"""Requests through an `httpx.AsyncClient`: the user's, a test's, or the SDK's own on trio."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._wire import TransportError, WireRequest, WireResponse

if TYPE_CHECKING:
    import httpx


class HttpxTransport:
    """Sends through `client` and reads the whole body; closes it only if `owned`."""

    def __init__(self, client: httpx.AsyncClient, *, owned: bool) -> None:
        self.client = client
        self.owned = owned

    async def send(self, request: WireRequest) -> WireResponse:
        import httpx  # loaded already: the client given is an httpx.AsyncClient

        # send() with stream=False reads (and decodes) the body and closes the response.
        try:
            response = await self.client.send(request.to_httpx())
        except httpx.RequestError as exc:  # transport failures, and bodies that do not decode
            timeout = isinstance(exc, httpx.TimeoutException)
            raise TransportError(str(exc), kind=type(exc).__name__, timeout=timeout) from exc
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
