"""The client's own pool over aiohttp, set up on first use away from the event loop.

Importing aiohttp (~100 ms) and building a TLS context with certifi's bundle (~20 ms)
would freeze every other task of a gateway's loop if done on the loop's thread at the
first request; a client that never sends would pay for them at start-up. Both run once, in
a worker thread, when the client is entered (`async with`) or the first request needs
them, whichever comes first; concurrent first requests share it.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from .. import _runtime
from .._wire import TransportError, WireRequest, WireResponse

if TYPE_CHECKING:
    from ._aiohttp import AiohttpPool


class AiohttpDefault:
    """An `AiohttpPool` with these limits, built on first use (`tls`: for https)."""

    def __init__(self, *, max_connections: int, keepalive_expiry: float, tls: bool) -> None:
        self.max_connections = max_connections
        self.keepalive_expiry = keepalive_expiry
        self.tls = tls
        self._transport: AiohttpPool | None = None
        self._building: asyncio.Future[AiohttpPool] | None = None

    async def send(self, request: WireRequest) -> WireResponse:
        transport = self._transport or await self._build()
        return await transport.send(request)

    def prepare(self) -> None:
        """Start the set-up now, in its worker thread, if nothing has yet: entering the
        client does this, so that its first request finds the pool (mostly) ready."""
        if self._transport is None and self._building is None and _runtime.on_asyncio():
            building = self._start_building()
            # A failure is raised to the first request (which sets up again); unretrieved,
            # it must not be logged as "exception was never retrieved".
            building.add_done_callback(lambda done: done.cancelled() or done.exception())

    def _start_building(self) -> asyncio.Future[AiohttpPool]:
        self._building = asyncio.ensure_future(asyncio.to_thread(self._create))
        return self._building

    async def _build(self) -> AiohttpPool:
        building = self._building
        if building is None:
            if not _runtime.on_asyncio():
                raise RuntimeError(
                    "this WirelessClient was built for asyncio (outside trio); build it inside "
                    "trio, or pass http_client=httpx.AsyncClient()"
                )
            building = self._start_building()
        # shield: a first request cancelled while waiting must not cancel the set-up the
        # other first requests are waiting for.
        try:
            transport = self._transport = await asyncio.shield(building)
        except (OSError, ValueError, ImportError) as exc:
            # E.g. the CA bundle removed since the client was built: not sent, and the next
            # request tries again instead of meeting this same failure forever.
            if self._building is building:
                self._building = None
            raise TransportError(
                f"could not set up the connection pool ({type(exc).__name__}: {exc})",
                kind="ConnectError",
            ) from exc
        return transport

    def _create(self) -> AiohttpPool:
        from ._aiohttp import AiohttpPool, _create_ssl_context  # aiohttp: heavy

        # CA settings from SSL_CERT_FILE / SSL_CERT_DIR as httpx reads them; proxies and
        # ~/.netrc are not read (aiohttp's trust_env would add netrc auth to requests that
        # carry their own): pass an httpx.AsyncClient(proxy=...) for a proxy.
        verify = _create_ssl_context(True, trust_env=True) if self.tls else None
        return AiohttpPool(
            verify=verify,
            max_connections=self.max_connections,
            keepalive_expiry=self.keepalive_expiry,
        )

    @property
    def transport(self) -> AiohttpPool | None:
        """The aiohttp transport, once the first request has built it."""
        return self._transport

    async def aclose(self) -> None:
        if self._building is not None and self._transport is None:
            self._building.cancel()  # the thread finishes; its result is dropped
        if self._transport is not None:
            await self._transport.aclose()

    def __repr__(self) -> str:
        return (
            f"AiohttpDefault(max_connections={self.max_connections}, "
            f"keepalive_expiry={self.keepalive_expiry}, tls={self.tls})"
        )
