"""Status callbacks: the simulator calls your CallbackUrl when a change completes.

Callbacks are sent with an `httpx.AsyncClient` whose transport is configurable, so a test
can route them to an ASGI app in-process (`httpx.ASGITransport`) or capture them
(`CallbackCapture`). Like Twilio, each request carries an `X-Twilio-Signature` computed
with the auth token.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from urllib.parse import parse_qsl

import httpx

from ._clock import Clock
from ._state import OutgoingCallback

__all__ = [
    "CallbackCapture",
    "CallbackDispatcher",
    "CallbackRecord",
    "CapturedCallback",
    "signature",
]


@dataclasses.dataclass(frozen=True, slots=True)
class CallbackRecord:
    """A callback the simulator made, and how it went.

    Attributes:
        url, method: where and how it was sent (`POST` form body or `GET` query).
        params: the parameters sent.
        status_code: the answer's status, or None if it failed in transport.
        error: the transport error, if any.
        time: the simulator clock's monotonic time when it was sent.
        timestamp: the simulator clock's wall time when it was sent.
    """

    url: str
    method: str
    params: Mapping[str, str]
    status_code: int | None
    error: str | None
    time: float
    timestamp: dt.datetime


@dataclasses.dataclass(frozen=True, slots=True)
class CapturedCallback:
    """A request that reached a `CallbackCapture`."""

    method: str
    url: str
    params: dict[str, str]
    headers: dict[str, str]


class CallbackCapture(httpx.AsyncBaseTransport):
    """An httpx transport that records callback requests and answers `status_code`.

    Pass it as `SimulatorConfig(callback_transport=...)`; read `calls` afterwards.
    """

    def __init__(self, status_code: int = 200) -> None:
        self.status_code = status_code
        self.calls: list[CapturedCallback] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        if request.method == "GET":
            params = dict(request.url.params.multi_items())
        else:
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        self.calls.append(
            CapturedCallback(
                method=request.method,
                url=str(request.url.copy_with(query=None)),
                params=params,
                headers=dict(request.headers),
            )
        )
        return httpx.Response(self.status_code, request=request)


def signature(auth_token: str, url: str, params: Mapping[str, str]) -> str:
    """Twilio's X-Twilio-Signature: HMAC-SHA1 of the URL plus the sorted POST params."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


class CallbackDispatcher:
    """Delivers callbacks in order, in a background task when an asyncio loop runs."""

    def __init__(
        self,
        *,
        transport: httpx.AsyncBaseTransport | None,
        timeout: float,
        auth_token: str,
        clock: Clock,
    ) -> None:
        self._transport = transport
        self._timeout = timeout
        self._auth_token = auth_token
        self._clock = clock
        self._client: httpx.AsyncClient | None = None
        self._queue: list[OutgoingCallback] = []
        self._pump: asyncio.Task[None] | None = None
        self.log: list[CallbackRecord] = []

    @property
    def transport(self) -> httpx.AsyncBaseTransport | None:
        return self._transport

    async def set_transport(self, transport: httpx.AsyncBaseTransport | None) -> None:
        """Send later callbacks through `transport`."""
        await self.drain()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self._transport = transport

    def submit(self, callbacks: list[OutgoingCallback]) -> None:
        self._queue.extend(callbacks)
        if not self._queue or (self._pump is not None and not self._pump.done()):
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no asyncio loop (sync code, or trio): drain() delivers
            return
        self._pump = loop.create_task(self._run(), name="twilio-wireless-simulator-callbacks")

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def _run(self) -> None:
        while self._queue:
            await self._deliver(self._queue.pop(0))

    async def drain(self) -> None:
        """Wait until every queued callback has been delivered (or has failed)."""
        pump = self._pump
        if pump is not None and not pump.done():
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is pump.get_loop():
                await asyncio.shield(pump)
        while self._queue:
            await self._deliver(self._queue.pop(0))

    async def _deliver(self, callback: OutgoingCallback) -> None:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport, timeout=self._timeout, follow_redirects=False
            )
        method = callback.method.upper()
        params = callback.params
        url = callback.url
        if method == "GET":
            # Keep the URL's own query and add the parameters to it.
            target = str(httpx.URL(url).copy_merge_params(params))
            headers = {"X-Twilio-Signature": signature(self._auth_token, target, {})}
            request_kwargs: dict[str, object] = {}
        else:
            target = url
            headers = {"X-Twilio-Signature": signature(self._auth_token, url, params)}
            request_kwargs = {"data": params}
        headers["User-Agent"] = "TwilioProxy/1.1 (twilio-wireless simulator)"
        status: int | None = None
        error: str | None = None
        try:
            response = await self._client.request(
                method,
                target,
                headers=headers,
                **request_kwargs,  # type: ignore[arg-type]
            )
            status = response.status_code
        except (httpx.HTTPError, OSError, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        self.log.append(
            CallbackRecord(
                url=url,
                method=method,
                params=dict(params),
                status_code=status,
                error=error,
                time=self._clock.monotonic(),
                timestamp=self._clock.now(),
            )
        )

    async def aclose(self) -> None:
        """Stop delivering (queued callbacks are dropped) and close the HTTP client."""
        self._queue.clear()
        pump, self._pump = self._pump, None
        if pump is not None and not pump.done():
            pump.cancel()
            try:
                running = asyncio.get_running_loop()
            except RuntimeError:
                running = None
            if running is pump.get_loop():
                with contextlib.suppress(asyncio.CancelledError):
                    await pump
        if self._client is not None:
            await self._client.aclose()
            self._client = None
