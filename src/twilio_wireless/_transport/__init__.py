"""The one seam every request crosses on its way out, chosen when the client is built.

A `Transport` sends a `WireRequest` and returns its `WireResponse`, body read whole and
decoded. There are two:

- `AiohttpDefault` (`_default.py`): the client's own pool over aiohttp, on asyncio, when
  no `http_client` is given. aiohttp and the TLS context are set up on first use, off the
  event loop thread.
- `HttpxTransport` (`_httpx.py`): any `httpx.AsyncClient`: the user's (proxies, custom
  certificates, event hooks, pytest-httpx and respx in tests), the simulator's in-process
  one, or, for a client built on trio, one of the SDK's own.

`choose()` is the only place the choice is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from .. import _runtime
from .._wire import WireRequest, WireResponse
from ._default import AiohttpDefault
from ._httpx import HttpxTransport

if TYPE_CHECKING:
    import httpx

__all__ = ["AiohttpDefault", "HttpxTransport", "Transport", "choose"]


class Transport(Protocol):
    """Sends a request and returns its response with the body read."""

    async def send(self, request: WireRequest) -> WireResponse: ...

    def prepare(self) -> None:
        """Start any first-use set-up in the background (the client is being entered)."""

    async def aclose(self) -> None: ...


def choose(
    http_client: httpx.AsyncClient | None,
    *,
    max_connections: int,
    keepalive_expiry: float,
    tls: bool,
) -> Transport:
    """The transport of a client: the given http_client, else aiohttp (httpx on trio)."""
    if http_client is not None:
        return HttpxTransport(http_client, owned=False)
    if _runtime.builds_for_trio():
        # aiohttp needs asyncio; httpx's own transport runs on trio (through anyio).
        import httpx

        limits = httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=keepalive_expiry,
        )
        own = httpx.AsyncClient(limits=limits, follow_redirects=False, trust_env=False)
        return HttpxTransport(own, owned=True)
    return AiohttpDefault(
        max_connections=max_connections, keepalive_expiry=keepalive_expiry, tls=tls
    )
