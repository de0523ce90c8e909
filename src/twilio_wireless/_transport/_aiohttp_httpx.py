"""The aiohttp pool as an ``httpx.AsyncBaseTransport``: httpx's models over aiohttp's speed.

``httpx.AsyncClient(transport=AiohttpTransport())`` keeps httpx semantics: the URL and
headers go out exactly as httpx built them, ``httpx.Timeout`` is honoured, the body is
returned undecoded so httpx handles ``Content-Encoding``, and every failure surfaces as the
``httpx.TransportError`` subclass httpcore would raise (the pool's `TransportError.kind`).
The SDK's own path sends wire requests through the pool directly (`AiohttpPool.send`).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator

import aiohttp
import httpx
from aiohttp.http import HttpVersion10

from .._wire import TransportError, WireRequest, WireResponse
from ._aiohttp import _MAX_CACHED_TIMEOUTS, AiohttpPool, _cause, _create_ssl_context, failure_of

__all__ = ["AiohttpTransport", "_create_ssl_context", "_map_exception"]

_DEFAULT_LIMITS = httpx.Limits(
    max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0
)
_CHUNK_SIZE = 64 * 1024


def _as_httpx(error: TransportError, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception a TransportError stands for."""
    error_type = getattr(httpx, error.kind, None)
    if not (isinstance(error_type, type) and issubclass(error_type, httpx.TransportError)):
        error_type = httpx.TimeoutException if error.timeout else httpx.TransportError
    return error_type(str(error), request=request)


def _map_exception(exc: Exception, request: httpx.Request, *, in_body: bool) -> Exception:
    """Translate an aiohttp/OS failure into the httpx exception httpcore would raise."""
    mapped = failure_of(exc, in_body=in_body)
    return _as_httpx(mapped, request) if isinstance(mapped, TransportError) else mapped


def _reraise_as_httpx(error: TransportError, request: httpx.Request) -> httpx.TransportError:
    # Keep the original aiohttp/OS cause (without request headers) reachable, as before.
    converted = _as_httpx(error, request)
    converted.__cause__ = error.__cause__
    return converted


def _body_iterator(request: httpx.Request) -> AsyncIterator[bytes]:
    stream = request.stream
    if not isinstance(stream, httpx.AsyncByteStream):
        raise RuntimeError("Attempted to send a sync request with an AsyncClient instance.")

    async def iterate() -> AsyncIterator[bytes]:
        async for chunk in stream:
            yield chunk

    return iterate()


def _extensions(response: aiohttp.ClientResponse) -> dict[str, bytes]:
    return {
        "http_version": b"HTTP/1.0" if response.version == HttpVersion10 else b"HTTP/1.1",
        "reason_phrase": (response.reason or "").encode("utf-8", "surrogateescape"),
    }


class _ResponseStream(httpx.AsyncByteStream):
    """Streams an aiohttp response body and returns its connection (and pool slot) on close."""

    __slots__ = ("_closed", "_pool", "_request", "_response")

    def __init__(
        self,
        request: httpx.Request,
        response: aiohttp.ClientResponse,
        pool: asyncio.Semaphore | None,
    ) -> None:
        self._request = request
        self._response = response
        self._pool = pool
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_chunked(_CHUNK_SIZE):
                yield chunk
        except Exception as exc:
            # A half-read connection can never be reused.
            self._response.close()
            mapped = _map_exception(exc, self._request, in_body=True)
            if mapped is exc:
                raise
            raise mapped from _cause(exc)

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        # release() pools the connection only if the body was fully read; otherwise aiohttp
        # sees unread payload (should_close) and closes the socket.
        self._response.release()
        if self._pool is not None:
            self._pool.release()


class AiohttpTransport(httpx.AsyncBaseTransport):
    """``httpx.AsyncBaseTransport`` that sends requests with aiohttp.

    Use as ``httpx.AsyncClient(transport=AiohttpTransport())``. Connection pooling follows
    ``limits.max_connections`` and ``limits.keepalive_expiry``; ``max_keepalive_connections``
    has no aiohttp equivalent (idle connections are kept until ``keepalive_expiry``).
    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | str | bool | None = True,
        limits: httpx.Limits = _DEFAULT_LIMITS,
        trust_env: bool = False,
    ) -> None:
        self._pool = AiohttpPool(
            verify=verify,
            max_connections=limits.max_connections,
            keepalive_expiry=limits.keepalive_expiry,
            trust_env=trust_env,
        )
        self._limits = limits
        self._trust_env = trust_env
        self._decoded_headers: dict[tuple[tuple[bytes, bytes], ...], list[tuple[str, str]]] = {}

    @property
    def _ssl_context(self) -> ssl.SSLContext | None:
        return self._pool._ssl_context

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.userinfo:
            # httpx has already turned the userinfo into an Authorization header;
            # aiohttp would reject (or duplicate) it.
            url = url.copy_with(username=None, password=None)
        headers = self._headers(request)
        stream = request.stream
        data: bytes | AsyncIterator[bytes] | None
        if isinstance(stream, httpx.ByteStream):
            data = b"".join(stream) or None
        else:
            data = _body_iterator(request)
            # aiohttp refuses an explicit "Transfer-Encoding: chunked" header together
            # with a body of unknown length; it adds the identical header itself.
            headers = [
                (k, v)
                for k, v in headers
                if k.lower() != "transfer-encoding" or v.lower() != "chunked"
            ]
        try:
            response, pool = await self._pool.open(
                request.method, str(url), headers, data, request.extensions.get("timeout")
            )
        except TransportError as error:
            raise _reraise_as_httpx(error, request) from error.__cause__
        return httpx.Response(
            status_code=response.status,
            headers=response.raw_headers,
            stream=_ResponseStream(request, response, pool),
            extensions=_extensions(response),
        )

    async def send(self, request: WireRequest) -> WireResponse:
        """A wire request through the same pool (see `AiohttpPool.send`)."""
        return await self._pool.send(request)

    async def aclose(self) -> None:
        await self._pool.aclose()

    def _headers(self, request: httpx.Request) -> list[tuple[str, str]]:
        raw = request.headers.raw
        # An SDK sends the same few header sets over and over: decode each set once.
        key = tuple(raw)
        cached = self._decoded_headers.get(key)
        if cached is not None:
            return cached
        try:
            decoded = [(k.decode("ascii"), v.decode("utf-8")) for k, v in raw]
        except UnicodeDecodeError:
            # aiohttp serialises header strings as UTF-8, so only bytes that round-trip
            # through UTF-8 can be sent unchanged.
            raise httpx.LocalProtocolError(
                "Header names must be ASCII and values UTF-8 with the aiohttp transport",
                request=request,
            ) from None
        if len(self._decoded_headers) >= _MAX_CACHED_TIMEOUTS:
            self._decoded_headers.clear()
        self._decoded_headers[key] = decoded
        return decoded

    def __repr__(self) -> str:
        return f"{type(self).__name__}(limits={self._limits!r}, trust_env={self._trust_env!r})"
