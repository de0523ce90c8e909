"""The transport a client uses when it owns its pool: AiohttpTransport, imported on first use.

aiohttp and its dependencies take ~100 ms to import; a gateway that builds its client at
start-up should not pay that before its first request (nor at all if it never sends one).
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from ._transport import AiohttpTransport


class DefaultTransport(httpx.AsyncBaseTransport):
    """Builds the AiohttpTransport with these limits on the first request."""

    def __init__(self, *, limits: httpx.Limits) -> None:
        self.limits = limits
        self._transport: AiohttpTransport | None = None

    @property
    def transport(self) -> AiohttpTransport:
        if self._transport is None:
            from ._transport import (  # deferred: aiohttp is heavy to import
                AiohttpTransport,
                _create_ssl_context,
            )

            # CA settings from SSL_CERT_FILE / SSL_CERT_DIR as httpx reads them; proxies and
            # ~/.netrc are not read (aiohttp's trust_env would add netrc auth to requests
            # that carry their own): pass an httpx.AsyncClient(proxy=...) for a proxy.
            self._transport = AiohttpTransport(
                verify=_create_ssl_context(True, trust_env=True), limits=self.limits
            )
        return self._transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        transport = self._transport or self.transport
        return await transport.handle_async_request(request)

    def request_read(self, request: httpx.Request) -> Coroutine[Any, Any, httpx.Response]:
        """Send and return the response with its body read (see AiohttpTransport).

        Returns the transport's coroutine itself: one coroutine frame less on every request.
        """
        return (self._transport or self.transport).request_read(request)

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()
