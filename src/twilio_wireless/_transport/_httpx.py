"""Requests through an `httpx.AsyncClient`: the user's, a test's, or the SDK's own on trio."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from .._wire import TransportError, WireRequest, WireResponse, too_large

if TYPE_CHECKING:
    import httpx


_NO_DEADLINE = contextlib.nullcontext()


class HttpxTransport:
    """Sends through `client` and reads the whole body; closes it only if `owned`."""

    def __init__(self, client: httpx.AsyncClient, *, owned: bool) -> None:
        self.client = client
        self.owned = owned

    async def send(self, request: WireRequest) -> WireResponse:
        import anyio  # loaded already: httpx runs on it
        import httpx  # loaded already: the client given is an httpx.AsyncClient

        deadline = request.deadline
        try:
            with anyio.fail_after(deadline) if deadline is not None else _NO_DEADLINE:
                return await self._exchange(request)
        except TimeoutError:
            raise TransportError(
                "The request did not complete within its deadline", kind="TimeoutException"
            ) from None
        except httpx.RequestError as exc:  # transport failures, and bodies that do not decode
            timeout = isinstance(exc, httpx.TimeoutException)
            raise TransportError(str(exc), kind=type(exc).__name__, timeout=timeout) from exc

    async def _exchange(self, request: WireRequest) -> WireResponse:
        # Streamed, so that a body past the cap is refused as it arrives, not once buffered.
        response = await self.client.send(request.to_httpx(), stream=True)
        try:
            limit = request.max_bytes
            length = response.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > limit:
                raise too_large(limit, f"as sent ({length} bytes announced)")
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():  # decoded; raw bytes counted below
                if response.num_bytes_downloaded > limit:
                    raise too_large(limit, "as sent")
                size += len(chunk)
                if size > limit:
                    raise too_large(limit, "once decompressed")
                chunks.append(chunk)
        finally:
            await response.aclose()
        return WireResponse(response.status_code, response.headers, b"".join(chunks), request)

    def prepare(self) -> None:
        pass  # an httpx.AsyncClient is ready as given

    async def aclose(self) -> None:
        if self.owned:
            await self.client.aclose()

    def __repr__(self) -> str:
        return f"HttpxTransport(owned={self.owned})"
