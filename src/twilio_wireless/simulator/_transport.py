"""An in-process httpx transport that keeps the client's timeouts.

`httpx.ASGITransport` ignores timeouts, so an injected delay would never time a client
out in-process. This transport gives the app the request's read timeout (as a network
transport would) and raises `httpx.ReadTimeout` when it runs out; the app is cancelled
where it was, exactly as if the client had hung up.
"""

from __future__ import annotations

import anyio
import httpx

__all__ = ["SimulatorTransport"]


class SimulatorTransport(httpx.ASGITransport):
    """`httpx.ASGITransport` for a simulator app, honouring the request's read timeout."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout") or {}
        limit = timeouts.get("read")
        if limit is None:
            return await super().handle_async_request(request)
        response: httpx.Response | None = None
        with anyio.move_on_after(limit):
            response = await super().handle_async_request(request)
        if response is None:
            raise httpx.ReadTimeout(f"no response within {limit:g} s", request=request)
        return response
