"""An in-process httpx transport that keeps the client's timeouts and streams bodies.

`httpx.ASGITransport` ignores timeouts and buffers the whole body before answering, so
in-process an injected delay would never time a client out, a dripped body would arrive
at once, and an endless one would never arrive. This transport:

- gives the app the request's read timeout between two messages it sends (as a network
  transport times each read) and raises `httpx.ReadTimeout` when it runs out; the app is
  cancelled where it was, exactly as if the client had hung up;
- advertises the simulator's lazy-body extension (`_delivery.LAZY_BODY`): a body a fault
  shapes is pulled by the client's reads, each within the read timeout, and stops when
  the client closes the response;
- returns the headers of an answer whose body then fails (a truncated one), and raises
  the failure (`httpx.RemoteProtocolError`) while the body is read, as over a network.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import anyio
import httpx

from ._delivery import LAZY_BODY

__all__ = ["SimulatorTransport"]


class SimulatorTransport(httpx.ASGITransport):
    """`httpx.ASGITransport` for a simulator app, honouring timeouts and streaming bodies.

    Takes `httpx.ASGITransport`'s arguments (`app`, `raise_app_exceptions`, `root_path`,
    `client`); `client` is the address the app sees the request come from.
    """

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        timeouts = request.extensions.get("timeout") or {}
        limit: float | None = timeouts.get("read")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": request.method,
            "headers": [(key.lower(), value) for key, value in request.headers.raw],
            "scheme": request.url.scheme,
            "path": request.url.path,
            "raw_path": request.url.raw_path.split(b"?")[0],
            "query_string": request.url.query,
            "server": (request.url.host, request.url.port),
            "client": self.client,
            "root_path": self.root_path,
            "extensions": {LAZY_BODY: {}},
        }
        chunks = request.stream.__aiter__()
        request_complete = False
        status: int | None = None
        headers: list[tuple[bytes, bytes]] | None = None
        parts: list[bytes] = []
        lazy: AsyncIterator[bytes] | None = None
        complete = anyio.Event()
        watchdog = anyio.CancelScope()

        def rearm() -> None:
            if limit is not None:
                watchdog.deadline = anyio.current_time() + limit

        async def receive() -> dict[str, Any]:
            nonlocal request_complete
            if request_complete:
                await complete.wait()
                return {"type": "http.disconnect"}
            try:
                body = await chunks.__anext__()
            except StopAsyncIteration:
                request_complete = True
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.request", "body": body, "more_body": True}

        async def send(message: MutableMapping[str, Any]) -> None:
            nonlocal status, headers, lazy
            rearm()  # the app answered something: the next read gets its own timeout
            kind = message["type"]
            if kind == "http.response.start":
                assert status is None
                status = message["status"]
                headers = list(message.get("headers", []))
            elif kind == "http.response.body":
                assert not complete.is_set()
                body = message.get("body", b"")
                if body and request.method != "HEAD":
                    parts.append(body)
                if not message.get("more_body", False):
                    complete.set()
            elif kind == LAZY_BODY:
                assert status is not None
                assert not complete.is_set()
                lazy = message["body"]
                complete.set()

        failure: Exception | None = None
        rearm()
        with watchdog:
            try:
                await self.app(scope, receive, send)
            except Exception as exc:
                if status is not None and isinstance(exc, httpx.TransportError):
                    failure = exc  # the headers went out: the body read fails instead
                elif self.raise_app_exceptions:
                    raise
                else:
                    complete.set()
                    status = 500 if status is None else status
                    headers = [] if headers is None else headers
        if watchdog.cancelled_caught:
            raise httpx.ReadTimeout(f"no response within {limit:g} s", request=request)
        if failure is None:
            assert complete.is_set()
        assert status is not None
        assert headers is not None
        stream = _Body(parts, lazy, failure, limit)
        return httpx.Response(status, headers=headers, stream=stream)


class _Body(httpx.AsyncByteStream):
    """The body parts the app sent, then its lazy body or its failure."""

    def __init__(
        self,
        parts: list[bytes],
        lazy: AsyncIterator[bytes] | None,
        failure: Exception | None,
        limit: float | None,
    ) -> None:
        self._parts = parts
        self._lazy = lazy
        self._failure = failure
        self._limit = math.inf if limit is None else limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self._parts:
            yield part
        if self._failure is not None:
            raise self._failure
        if self._lazy is None:
            return
        iterator = self._lazy
        while True:
            chunk: bytes | None = None
            with anyio.move_on_after(self._limit) as scope:
                try:
                    chunk = await iterator.__anext__()
                except StopAsyncIteration:
                    return
            if scope.cancelled_caught:
                raise httpx.ReadTimeout(f"no body data within {self._limit:g} s")
            assert chunk is not None
            yield chunk

    async def aclose(self) -> None:
        close = getattr(self._lazy, "aclose", None)
        if close is not None:
            await close()
