"""The SDK's default way out: a pool of aiohttp connections that sends wire requests.

It needs a running asyncio loop and does not import httpx: a failure is raised as
`TransportError`, named after the httpx exception httpcore would raise for it, so the
SDK's errors read the same whichever transport a client uses.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import zlib
from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp import http_exceptions
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from .._wire import TransportError, WireRequest, WireResponse, too_large

__all__ = ["AiohttpPool", "failure_of"]

# Callers set these themselves; without skipping them aiohttp would add its own values (or,
# for Content-Type, "application/octet-stream" on body-less POSTs).
_SKIP_AUTO_HEADERS = ("User-Agent", "Accept", "Accept-Encoding", "Content-Type")
_MAX_CACHED_TIMEOUTS = 64
# The watchdog sleeps until the earliest deadline of the requests in flight, but at most
# this long (a shorter deadline may come meanwhile: the precision of a deadline) and at
# least _DEADLINE_MIN_SLEEP.
_DEADLINE_TICK = 0.25
_DEADLINE_MIN_SLEEP = 0.005


def _create_ssl_context(verify: ssl.SSLContext | str | bool, trust_env: bool) -> ssl.SSLContext:
    """The TLS context httpx would build for `verify` (and the environment, if trusted)."""
    if isinstance(verify, ssl.SSLContext):
        return verify
    if isinstance(verify, str):
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    if not verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    # What httpx does: SSL_CERT_FILE / SSL_CERT_DIR when trusting the environment, else
    # certifi's bundle (present wherever httpx is, and on hosts with no system CA store).
    if trust_env and os.environ.get("SSL_CERT_FILE"):
        return ssl.create_default_context(cafile=os.environ["SSL_CERT_FILE"])
    if trust_env and os.environ.get("SSL_CERT_DIR"):
        return ssl.create_default_context(capath=os.environ["SSL_CERT_DIR"])
    import certifi  # deferred: only where a context is built

    return ssl.create_default_context(cafile=certifi.where())


class _Expiry:
    """When a request's deadline passes, and whether the watchdog has cancelled it."""

    __slots__ = ("at", "fired")

    def __init__(self, at: float) -> None:
        self.at = at
        self.fired = False


class _LoopState:
    """aiohttp objects bound to one event loop, and the requests' deadlines on it."""

    __slots__ = ("deadlines", "guard", "loop", "pool", "session", "wake")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        session: aiohttp.ClientSession,
        pool: asyncio.Semaphore | None,
    ) -> None:
        self.loop = loop
        self.session = session
        self.pool = pool
        # The tasks sending a request with a deadline, and when each expires.
        self.deadlines: dict[asyncio.Task[Any], _Expiry] = {}
        self.wake = asyncio.Event()
        self.guard = loop.create_task(_guard(self))


async def _guard(state: _LoopState) -> None:
    """The loop's watchdog: cancels a request past its deadline; closes the session at the end.

    One task for every request's deadline, waking at the earliest one (at least every
    `_DEADLINE_TICK`, for deadlines added meanwhile) while any is in flight: a timer per
    request (asyncio.timeout, aiohttp's `total`) costs 30-40k
    instructions a request, mostly heap operations on Python-level timer handles. And a
    client outliving its loop (two asyncio.run() calls) must not leave that loop's sockets
    open: asyncio.run() cancels the tasks left when its main returns, and this one then
    closes the session while the loop can still close its transports.
    """
    deadlines, wake, loop = state.deadlines, state.wake, state.loop
    try:
        while True:
            if not deadlines:
                wake.clear()
                await wake.wait()
            now = loop.time()
            earliest = min((e.at for e in deadlines.values() if not e.fired), default=now)
            await asyncio.sleep(min(max(earliest - now, _DEADLINE_MIN_SLEEP), _DEADLINE_TICK))
            now = loop.time()
            for task, expiry in list(deadlines.items()):
                if expiry.at <= now and not expiry.fired:
                    expiry.fired = True
                    task.cancel()
    finally:
        await state.session.close()


async def _close_session(session: aiohttp.ClientSession) -> None:
    await session.close()


async def _dispose(state: _LoopState) -> None:
    """Close a session that belongs to a loop other than the current one."""
    loop = state.loop
    if loop.is_closed():
        # The sockets died with their loop; closing only marks the session closed (no awaits
        # on the dead loop), which also silences aiohttp's "Unclosed client session" warning.
        await state.session.close()
    elif loop.is_running():
        # Closing transports from a foreign thread is unsafe: let their own loop do it.
        asyncio.run_coroutine_threadsafe(_close_session(state.session), loop)
    else:
        # A stopped but open loop: transports are closed synchronously, the waiters it would
        # schedule on that loop are not awaited (they cannot complete from here).
        connector = state.session.connector
        if connector is not None:
            connector._close()
        state.session.detach()


def _message(prefix: str, exc: BaseException) -> str:
    # aiohttp messages may embed the full request URL (query string included); only use the
    # underlying OS/SSL error text, which names at most host and port.
    cause = getattr(exc, "os_error", None) or getattr(exc, "certificate_error", None)
    if cause is not None and str(cause):
        return f"{prefix}: {cause}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{prefix}: {exc.strerror}"
    return prefix


def _cause(exc: BaseException) -> BaseException:
    """The exception to chain, with no request headers left in its repr."""
    # aiohttp's ClientResponseError carries request_info, whose repr lists every request
    # header, Authorization too; it stays reachable through __cause__ and __context__.
    info = getattr(exc, "request_info", None)
    if isinstance(info, tuple) and hasattr(info, "_replace"):
        exc.request_info = info._replace(headers=CIMultiDictProxy(CIMultiDict()))  # type: ignore[attr-defined]
    return exc


def _parser_detail(exc: BaseException) -> str:
    # Parser messages quote the offending response bytes, never the request URL.
    for candidate in (exc, exc.__cause__):
        message = getattr(candidate, "message", None)
        if isinstance(message, str) and message:
            return ": " + " ".join(message.split())[:200]
    return ""


def _fail(kind: str, message: str) -> TransportError:
    return TransportError(message, kind=kind)


def failure_of(exc: Exception, *, in_body: bool) -> Exception:
    """The TransportError for an aiohttp/OS failure, named as httpcore would name it."""
    # Order matters: aiohttp's hierarchy nests timeouts under connection errors and SSL
    # errors under connector errors.
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return _fail("ConnectTimeout", "Timed out while connecting")
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return _fail("ReadTimeout", "Timed out while reading the response")
    if isinstance(exc, (aiohttp.ClientSSLError, ssl.SSLError, ssl.CertificateError)):
        return _fail("ConnectError", _message("TLS handshake failed", exc))
    if isinstance(exc, aiohttp.ClientConnectorError):
        return _fail("ConnectError", _message("Connection failed", exc))
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        # Not a Connect* error: the server may already have processed the request.
        if in_body:
            return _fail(
                "RemoteProtocolError", "Server disconnected before the response body was complete"
            )
        return _fail("RemoteProtocolError", "Server disconnected without sending a response.")
    if isinstance(exc, aiohttp.ClientHttpProxyError):
        return _fail("ProxyError", f"Proxy responded with status {exc.status}")
    if isinstance(exc, aiohttp.ClientPayloadError):
        return _fail("RemoteProtocolError", "Incomplete response body" + _parser_detail(exc))
    if isinstance(exc, (aiohttp.ClientResponseError, http_exceptions.HttpProcessingError)):
        return _fail("RemoteProtocolError", "Malformed HTTP response" + _parser_detail(exc))
    if isinstance(exc, aiohttp.NonHttpUrlClientError):
        return _fail("UnsupportedProtocol", "Request URL has an unsupported protocol")
    if isinstance(exc, aiohttp.InvalidURL):
        return _fail("LocalProtocolError", "Invalid request URL")
    if isinstance(exc, TimeoutError):
        # Bare timeouts are not expected from aiohttp; keep them in the timeout family.
        if in_body:
            return _fail("ReadTimeout", "Timed out while reading the response")
        return _fail("TimeoutException", "Timed out")
    if isinstance(exc, aiohttp.ClientConnectionError):
        text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        if not in_body and text.startswith("Failed to send bytes"):
            # aiohttp wraps errors raised by the request body iterator; surface the caller's
            # own exception as httpcore does, but map genuine I/O failures.
            cause = exc.__cause__
            if isinstance(cause, Exception) and not isinstance(
                cause, (OSError, aiohttp.ClientError)
            ):
                return cause
            return _fail("WriteError", "Failed to send the request body")
        if not in_body and text.startswith("Cannot write to closing transport"):
            # The pooled connection was already closing (the server had closed it while
            # idle) when the request's first write was refused: no byte of it left.
            return TransportError(
                "The pooled connection was closed before the request was written",
                kind="WriteError",
                sent=False,
            )
        if not in_body and text.startswith("Can not write request body"):
            return _fail("WriteError", "Failed to send the request")
        if isinstance(exc, (aiohttp.ClientOSError, aiohttp.ClientConnectionResetError)):
            return _fail("ReadError", _message("Failed to read the response", exc))
        if in_body:
            return _fail("ReadError", "Connection lost while reading the response")
        return _fail("NetworkError", _message("Connection error", exc))
    if isinstance(exc, OSError):
        if isinstance(exc, BrokenPipeError) and not in_body:
            return _fail("WriteError", _message("Failed to send the request", exc))
        if in_body or isinstance(exc, ConnectionResetError):
            return _fail("ReadError", _message("Failed to read the response", exc))
        return _fail("NetworkError", _message("Connection error", exc))
    if isinstance(exc, aiohttp.ClientError):
        return _fail("TransportError", f"HTTP transport error ({type(exc).__name__})")
    if isinstance(exc, ValueError) and not in_body:
        # Raised by aiohttp's request validation (e.g. CR/LF in a header value), where
        # h11 would raise LocalProtocolError.
        return _fail("LocalProtocolError", f"Invalid request: {exc}")
    return exc


def _inflate(body: bytes, wbits: int, limit: int) -> bytes:
    # max_length stops a small compressed body from inflating past the cap in memory.
    inflater = zlib.decompressobj(wbits)
    out = inflater.decompress(body, limit + 1)
    if len(out) > limit:
        raise too_large(limit, "once decompressed")
    if not inflater.eof:
        raise zlib.error("incomplete or truncated stream")
    return out


def _decode(body: bytes, encoding: str, limit: int) -> bytes:
    """A gzip or deflate body decoded, as httpx decodes it (we only ask for these two)."""
    kind = encoding.strip().lower()
    try:
        if kind == "gzip":
            return _inflate(body, zlib.MAX_WBITS | 16, limit)
        if kind == "deflate":
            try:
                return _inflate(body, zlib.MAX_WBITS, limit)
            except zlib.error:  # raw deflate, without the zlib header, as some servers send
                return _inflate(body, -zlib.MAX_WBITS, limit)
    except zlib.error as exc:
        raise TransportError(
            f"could not decode the {kind} body: {exc}", kind="DecodingError"
        ) from None
    raise TransportError(f"unexpected Content-Encoding {encoding!r}", kind="DecodingError")


async def _read_capped(raw: aiohttp.ClientResponse, limit: int) -> bytes:
    """A body of unannounced length, refused as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await raw.content.readany():
        size += len(chunk)
        if size > limit:
            raise too_large(limit, "as sent")
        chunks.append(chunk)
    return b"".join(chunks)


class AiohttpPool:
    """Connections over aiohttp: at most `max_connections` in use, idle ones kept
    `keepalive_expiry` seconds. `verify=None`: plain HTTP only, no TLS context built.
    """

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | str | bool | None = True,
        max_connections: int | None = 100,
        keepalive_expiry: float | None = 5.0,
        trust_env: bool = False,
    ) -> None:
        # verify=None: plain HTTP only (e.g. a simulator on 127.0.0.1). No TLS context is
        # built, which saves its certificate loading; an https:// request is refused.
        self._ssl_context = None if verify is None else _create_ssl_context(verify, trust_env)
        self._max_connections = max_connections
        self._keepalive_expiry = keepalive_expiry
        self._trust_env = trust_env
        self._state: _LoopState | None = None
        self._timeouts: dict[tuple[float | None, float | None], aiohttp.ClientTimeout] = {}

    async def send(self, request: WireRequest) -> WireResponse:
        """Send a `WireRequest` and return its response, body read and decoded."""
        if self._ssl_context is None and request.url.startswith("https:"):
            raise TransportError(
                "this transport was built for plain HTTP (verify=None)",
                kind="UnsupportedProtocol",
            )
        loop = asyncio.get_running_loop()
        state = self._state
        if state is None or state.loop is not loop or state.session.closed:
            state = await self._switch_state(loop)
        deadline = request.deadline
        expiry: _Expiry | None = None
        task: asyncio.Task[Any] | None = None
        if deadline is not None:
            # The request's deadline: connect, send and the whole body (a server dripping
            # a byte per read timeout would otherwise hold it for hours), kept by _guard.
            task = asyncio.current_task()
            deadlines = state.deadlines
            if not deadlines:
                state.wake.set()
            if task is not None:  # always, for a coroutine awaited on a running loop
                expiry = deadlines[task] = _Expiry(loop.time() + deadline)
        # One frame for the whole exchange, no helper coroutines: every await level costs
        # again at each suspension of every request.
        try:
            raw, pool = await self._open(
                state, request.method, request.url, request.headers, request.body, request.timeout
            )
            limit = request.max_bytes
            try:
                length = raw.content_length
                if length is None:
                    body = await _read_capped(raw, limit)
                elif length > limit:
                    raise too_large(limit, f"as sent ({length} bytes announced)")
                else:  # aiohttp's parser delivers no more than Content-Length bytes
                    body = await raw.read()
            except TransportError:
                raw.close()
                raise
            except Exception as exc:
                raw.close()  # a half-read connection can never be reused
                mapped = failure_of(exc, in_body=True)
                if mapped is exc:
                    raise
                raise mapped from _cause(exc)
            finally:
                raw.release()
                if pool is not None:
                    pool.release()
        except asyncio.CancelledError:
            # The watchdog's cancellation only (a caller's stands): withdrawn, a timeout.
            if expiry is not None and expiry.fired and task is not None and task.uncancel() == 0:
                raise TransportError(
                    "The request did not complete within its deadline", kind="TimeoutException"
                ) from None
            raise
        finally:
            if expiry is not None and task is not None:
                del state.deadlines[task]
        encoding = raw.headers.get("Content-Encoding")
        if encoding is not None and encoding.strip().lower() != "identity":
            body = _decode(body, encoding, limit)
        return WireResponse(raw.status, raw.headers, body, request)

    async def _open(
        self,
        state: _LoopState,
        method: str,
        url: str,
        headers: Mapping[str, str],
        data: bytes | None,
        timeouts: Mapping[str, float | None] | None,
    ) -> tuple[aiohttp.ClientResponse, asyncio.Semaphore | None]:
        """Start a request; the caller must release the response and the pool slot."""

        if timeouts:
            connect = timeouts.get("connect")
            read = timeouts.get("read")
            pool_timeout = timeouts.get("pool")
        else:
            connect = read = pool_timeout = None
        client_timeout = self._timeouts.get((connect, read))
        if client_timeout is None:
            client_timeout = self._client_timeout(connect, read)

        # Pool timeout vs connect timeout: aiohttp's connector would put both the wait for a
        # free slot and the TCP/TLS connect under one ClientTimeout.connect budget and raise
        # the same ConnectionTimeoutError for either. Instead the connector is unlimited and
        # max_connections is enforced here by a semaphore held from request start until the
        # response stream is closed (the same span httpcore holds a pooled connection).
        # Waiting for that semaphore is bounded by the pool timeout -> PoolTimeout; anything
        # aiohttp reports as a connect timeout happened while connecting -> ConnectTimeout.
        pool = state.pool
        if pool is not None:
            if pool.locked():
                try:
                    async with asyncio.timeout(pool_timeout):
                        await pool.acquire()
                except TimeoutError:
                    raise TransportError(
                        "Timed out waiting for a free connection", kind="PoolTimeout"
                    ) from None
            else:
                await pool.acquire()

        try:
            response = await state.session.request(
                method,
                URL(url, encoded=True),
                headers=headers,
                data=data,
                timeout=client_timeout,
                allow_redirects=False,
            )
        except BaseException as exc:
            if pool is not None:
                pool.release()
            if not isinstance(exc, Exception):
                raise
            mapped = failure_of(exc, in_body=False)
            if mapped is exc:
                raise
            raise mapped from _cause(exc)
        return response, pool

    async def aclose(self) -> None:
        state, self._state = self._state, None
        if state is not None:
            try:
                current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
            except RuntimeError:
                current = None
            if state.loop is current:
                state.guard.cancel()
                await state.session.close()
                await asyncio.wait([state.guard])
            else:
                await _dispose(state)

    def _client_timeout(self, connect: float | None, read: float | None) -> aiohttp.ClientTimeout:
        # connect bounds DNS + TCP + TLS (ClientTimeout.connect) and each individual socket
        # attempt (sock_connect). sock_read bounds every wait for response bytes, headers and
        # body alike. aiohttp has no write timeout: writes of small bodies complete into the
        # socket buffer immediately, and a server that stops reading a large streamed body is
        # only detected once the read timeout runs out after the body was sent. The whole
        # exchange's deadline is send()'s own timer.
        if len(self._timeouts) >= _MAX_CACHED_TIMEOUTS:
            self._timeouts.clear()
        client_timeout = aiohttp.ClientTimeout(
            total=None, connect=connect, sock_connect=connect, sock_read=read
        )
        self._timeouts[(connect, read)] = client_timeout
        return client_timeout

    async def _switch_state(self, loop: asyncio.AbstractEventLoop) -> _LoopState:
        # The new state is installed before any await so that concurrent first requests on
        # this loop share one session.
        old = self._state
        max_connections = self._max_connections
        connector = aiohttp.TCPConnector(
            ssl=self._ssl_context if self._ssl_context is not None else False,
            limit=0,  # enforced by _LoopState.pool, see handle_async_request
            limit_per_host=0,
            keepalive_timeout=self._keepalive_expiry,
            enable_cleanup_closed=False,
            force_close=False,
        )
        session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # an API client keeps no cookies
            auto_decompress=False,  # send() decodes gzip/deflate itself, only when asked
            skip_auto_headers=_SKIP_AUTO_HEADERS,
            trust_env=self._trust_env,
            timeout=aiohttp.ClientTimeout(total=None),
            raise_for_status=False,
            requote_redirect_url=False,
        )
        # aiohttp re-sends an idempotent request once, unseen, when a reused connection drops
        # it; the SDK's retry loop decides and counts every send instead (attempts equal
        # wire sends, and a DELETE applied then dropped is not re-sent behind its back).
        if "_retry_connection" in aiohttp.ClientSession.ATTRS:
            session._retry_connection = False
        pool = asyncio.Semaphore(max_connections) if max_connections else None
        state = self._state = _LoopState(loop, session, pool)
        if old is not None and old.loop is not loop:
            await _dispose(old)
        elif old is not None:
            await old.session.close()
        return state

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(max_connections={self._max_connections!r}, "
            f"keepalive_expiry={self._keepalive_expiry!r}, trust_env={self._trust_env!r})"
        )
