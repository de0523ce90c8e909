"""Status callbacks: the simulator calls your CallbackUrl when a change completes.

Callbacks are sent with an `httpx.AsyncClient` whose transport is configurable, so a test
can route them to an ASGI app in-process (`httpx.ASGITransport`) or capture them
(`CallbackCapture`). Like Twilio, each request carries an `X-Twilio-Signature` computed
with the auth token, and an `I-Twilio-Idempotency-Token` that stays the same when the
callback is delivered again: as with Twilio's default connection settings (`rc=1`,
`rp=ct`), a callback whose connection fails is retried once.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode

import httpx

if TYPE_CHECKING:
    import aiohttp

from twilio_wireless._signature import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, compute_signature

from ._clock import Clock
from ._state import OutgoingCallback

__all__ = [
    "CallbackCapture",
    "CallbackDispatcher",
    "CallbackRecord",
    "CapturedCallback",
    "signature",
]

# Twilio's default connection override: one more attempt when the connection fails.
CONNECT_RETRIES = 1


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
        idempotency_token: its I-Twilio-Idempotency-Token (the same on a retry).
        attempt: 1 for the first delivery attempt, 2 for the retry after a failed
            connection.
    """

    url: str
    method: str
    params: Mapping[str, str]
    status_code: int | None
    error: str | None
    time: float
    timestamp: dt.datetime
    idempotency_token: str | None = None
    attempt: int = 1


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
    """Twilio's X-Twilio-Signature: HMAC-SHA1 of the URL plus the sorted POST params.

    The SDK's own implementation (`twilio_wireless._signature`, standard library only and
    the one module of the SDK the simulator imports), so signer and validator cannot drift.
    """
    return compute_signature(auth_token, url, params)


# Callbacks in flight at once when they go over the network.
NETWORK_CONCURRENCY = 32


class _NotConnected(Exception):
    """The callback's connection could not be made: nothing was sent."""


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
        self._network: aiohttp.ClientSession | None = None
        # Each callback with its idempotency token, made once so a retry reuses it.
        self._queue: collections.deque[tuple[OutgoingCallback, str]] = collections.deque()
        # Delivering: in order in one task (in process), or by workers (over the network).
        self._pump: asyncio.Task[None] | None = None
        self._workers: set[asyncio.Task[None]] = set()
        self.log: list[CallbackRecord] = []

    @property
    def transport(self) -> httpx.AsyncBaseTransport | None:
        return self._transport

    async def set_transport(self, transport: httpx.AsyncBaseTransport | None) -> None:
        """Send later callbacks through `transport`."""
        await self.drain()
        await self._close_clients()
        self._transport = transport

    def submit(self, callbacks: list[OutgoingCallback]) -> None:
        # Random, not seeded: receivers may hear from several simulators at once.
        self._queue.extend((callback, str(uuid.uuid4())) for callback in callbacks)
        if not self._queue:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no asyncio loop (sync code, or trio): drain() delivers
            return
        if self._transport is not None:  # in process (tests): one at a time, in order
            if self._pump is None or self._pump.done():
                self._pump = loop.create_task(
                    self._work(), name="twilio-wireless-simulator-callbacks"
                )
            return
        # Over the network, like Twilio: several at once (their order across SIMs is not
        # kept, as Twilio's is not), each request cheap (aiohttp). Workers are added as the
        # queue grows, up to NETWORK_CONCURRENCY: callbacks fall due a few at a time, and
        # the first few workers alone would deliver a burst one by one.
        workers = self._workers
        while len(workers) < min(NETWORK_CONCURRENCY, len(self._queue)):
            workers.add(loop.create_task(self._work(), name="twilio-wireless-simulator-callbacks"))

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def _work(self) -> None:
        try:
            while self._queue:
                await self._deliver(*self._queue.popleft())
        finally:
            # At once, in the step that found the queue empty: a done-callback would come
            # a loop step later, and a callback submitted meanwhile would count this worker
            # as busy and wait for the next submit (at the end of a run: forever).
            task = asyncio.current_task()
            if task is not None:
                self._workers.discard(task)

    def _tasks(self) -> list[asyncio.Task[None]]:
        """The delivery tasks running now."""
        pump = self._pump
        return [*self._workers, *((pump,) if pump is not None and not pump.done() else ())]

    async def drain(self) -> None:
        """Wait until every queued callback has been delivered (or has failed)."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        while True:  # callbacks submitted meanwhile may start more workers
            tasks = [task for task in self._tasks() if task.get_loop() is running]
            if tasks:
                await asyncio.shield(asyncio.gather(*tasks))
            elif self._queue:
                await self._deliver(*self._queue.popleft())
            else:
                return

    async def _deliver(self, callback: OutgoingCallback, token: str) -> None:
        method = callback.method.upper()
        params = callback.params
        url = callback.url
        if method == "GET":
            # Keep the URL's own query and add the parameters to it.
            target = str(httpx.URL(url).copy_merge_params(params))
            headers = {SIGNATURE_HEADER: signature(self._auth_token, target, {})}
            data: dict[str, str] | None = None
        else:
            target = url
            headers = {SIGNATURE_HEADER: signature(self._auth_token, url, params)}
            data = params
        headers[IDEMPOTENCY_HEADER] = token
        headers["User-Agent"] = "TwilioProxy/1.1 (twilio-wireless simulator)"
        for attempt in range(1, CONNECT_RETRIES + 2):
            status: int | None = None
            error: str | None = None
            connect_failed = False
            try:
                if self._transport is None:
                    status = await self._send_network(method, target, headers, data)
                else:
                    status = await self._send_httpx(method, target, headers, data)
            except _NotConnected as exc:
                # Only a connection that could not be made is retried (Twilio's rp=ct):
                # a request that may have arrived is not sent twice.
                error = str(exc)
                connect_failed = True
            except (httpx.HTTPError, OSError, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"
                connect_failed = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
            self.log.append(
                CallbackRecord(
                    url=url,
                    method=method,
                    params=dict(params),
                    status_code=status,
                    error=error,
                    time=self._clock.monotonic(),
                    timestamp=self._clock.now(),
                    idempotency_token=token,
                    attempt=attempt,
                )
            )
            if not connect_failed:
                break

    async def _send_httpx(
        self, method: str, target: str, headers: dict[str, str], data: dict[str, str] | None
    ) -> int:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=self._transport, timeout=self._timeout, follow_redirects=False
            )
        response = await self._client.request(method, target, headers=headers, data=data)
        return response.status_code

    async def _send_network(
        self, method: str, target: str, headers: dict[str, str], data: dict[str, str] | None
    ) -> int:
        import aiohttp  # deferred: only a server sending callbacks over the network needs it

        if self._network is None or self._network.closed:
            self._network = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self._timeout),
                connector=aiohttp.TCPConnector(limit=NETWORK_CONCURRENCY),
                cookie_jar=aiohttp.DummyCookieJar(),
            )
        body = None
        if data is not None:
            # Encoded here: aiohttp's FormData for a dict costs more than the rest of the
            # request (it builds a multipart writer first), once per callback.
            body = urlencode(data, doseq=True).encode("ascii")
            headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        try:
            async with self._network.request(
                method,
                target,
                headers=headers,
                data=body,
                allow_redirects=False,
            ) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
            raise _NotConnected(f"{type(exc).__name__}: {exc}") from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise OSError(f"{type(exc).__name__}: {exc}") from None

    async def _close_clients(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._network is not None:
            await self._network.close()
            self._network = None

    async def aclose(self) -> None:
        """Stop delivering (queued callbacks are dropped) and close the HTTP client."""
        self._queue.clear()
        tasks = self._tasks()
        self._pump = None
        for task in tasks:
            task.cancel()
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        for task in tasks:
            if task.get_loop() is running:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._close_clients()
