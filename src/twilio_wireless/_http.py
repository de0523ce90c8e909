"""The one request path: build the request from a generated builder, send it, map failures.

Resources build a `WireRequest` from a generated `request_kwargs()` and call
`Requester.send()`, the only place a RetryPolicy wraps an attempt (`_send_once()`). It
crosses the client's one transport (see _transport) and comes back a `WireResponse`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ._clock import SYSTEM_CLOCK, Clock
from ._errors import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    WirelessError,
    error_from_response,
)
from ._retry import RetryEvent, RetryPolicy, should_retry
from ._wire import TransportError, WireRequest, WireResponse, encode_pairs

if TYPE_CHECKING:
    import anyio

    from ._polling import PollPolicy
    from ._transport import Transport

T = TypeVar("T")

logger = logging.getLogger("twilio_wireless")


@attrs.frozen
class RequestOptions:
    """Per-call settings a `with_options()` view may override.

    `timeout_seconds`: connect, read, write and pool timeouts (None: no limit).
    """

    timeout_seconds: Mapping[str, float | None]
    retry: RetryPolicy
    poll: PollPolicy


class Connection:
    """What a client and all its `with_options()` views share: the pool and the identity."""

    def __init__(
        self,
        *,
        base_url: str,
        headers: dict[str, str],
        transport: Transport,
        max_concurrency: int | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = headers
        # The one seam requests leave through (see _transport), chosen by the client.
        self.transport = transport
        self.closed = False
        self.max_concurrency = max_concurrency
        self._limiter: anyio.CapacityLimiter | None = None

    def limiter(self) -> anyio.CapacityLimiter | None:
        """The client-wide cap on requests in flight (created in the running loop)."""
        if self.max_concurrency is None:
            return None
        if self._limiter is None:
            import anyio  # deferred: keeps `import twilio_wireless` light

            self._limiter = anyio.CapacityLimiter(self.max_concurrency)
        return self._limiter

    async def aclose(self) -> None:
        self.closed = True
        await self.transport.aclose()


class Requester:
    """Sends requests for the resources of one client (or view)."""

    def __init__(
        self, connection: Connection, options: RequestOptions, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self.connection = connection
        self.options = options
        # Every wait between attempts is on this clock (the client's `clock=`).
        self.clock = clock

    @property
    def base_url(self) -> str:
        return self.connection.base_url

    def build_request(self, kwargs: Mapping[str, Any]) -> WireRequest:
        """The request a generated endpoint's request_kwargs() describes, ready to send."""
        connection = self.connection
        path: str = kwargs["url"]  # already percent-encoded by the generated code
        params = kwargs.get("params")
        if params:
            path = f"{path}?{encode_pairs(params)}"
        data = kwargs.get("data")
        headers: Mapping[str, str] = connection.headers
        extra = kwargs.get("headers")
        if extra:
            headers = {**headers, **extra}
        return WireRequest(
            kwargs["method"].upper(),
            connection.base_url + path,
            path,
            headers,
            None if data is None else encode_pairs(data).encode("ascii"),
            self.options.timeout_seconds,
        )

    def build_get(self, path_and_query: str) -> WireRequest:
        """A GET for an encoded path and query on the configured base URL (next pages)."""
        connection = self.connection
        return WireRequest(
            "GET",
            connection.base_url + path_and_query,
            path_and_query,
            connection.headers,
            None,
            self.options.timeout_seconds,
        )

    async def send(self, request: WireRequest, *, idempotent: bool) -> WireResponse:
        """Send and return a 2xx response with its body read; raise a WirelessError otherwise.

        Transient failures are retried by the view's RetryPolicy; `idempotent` tells it
        whether sending twice is harmless. The error raised carries `attempts`.
        """
        policy = self.options.retry
        connection = self.connection
        clock = self.clock
        started = clock()
        attempt = 1
        while True:
            try:
                limiter = connection.limiter()
                if limiter is None:
                    return await self._send_once(request)
                async with limiter:
                    return await self._send_once(request)
            except WirelessError as error:
                error.attempts = attempt
                decision = should_retry(
                    policy,
                    error,
                    attempt=attempt,
                    idempotent=idempotent,
                    elapsed=clock() - started,
                )
                target = f"{request.method} {request.path.partition('?')[0]}"
                if not decision.retry:
                    if policy.max_attempts > 1:
                        logger.debug("not retrying %s: %s", target, decision.reason)
                    if attempt > 1:
                        error.add_note(f"gave up after {attempt} attempts: {decision.reason}")
                    raise
                logger.debug(
                    "retrying %s: attempt %d/%d failed (%s); waiting %.3f s",
                    target,
                    attempt,
                    policy.max_attempts,
                    decision.reason,
                    decision.delay,
                )
                if policy.on_retry is not None:
                    policy.on_retry(
                        RetryEvent(
                            attempt=attempt,
                            delay=decision.delay,
                            reason=decision.reason,
                            method=request.method,
                            url=request.url,
                            error=error,
                        )
                    )
            await clock.sleep(decision.delay)
            attempt += 1

    async def _send_once(self, request: WireRequest) -> WireResponse:
        connection = self.connection
        if connection.closed:
            raise RuntimeError("this WirelessClient is closed; create a new one")
        started = time.perf_counter() if logger.isEnabledFor(logging.DEBUG) else 0.0
        try:
            response = await connection.transport.send(request)
        except TransportError as exc:
            error_type = APITimeoutError if exc.timeout else APIConnectionError
            message = (
                f"request timed out ({exc.kind})"
                if exc.timeout
                else f"connection failed ({exc.kind}: {exc})"
            )
            raise error_type(message, request=request, request_sent=exc.sent) from exc
        if started:
            logger.debug(
                "%s %s -> %d in %.1f ms",
                request.method,
                request.path,
                response.status_code,
                (time.perf_counter() - started) * 1000,
            )
        if not 200 <= response.status_code < 300:
            raise error_from_response(response)
        return response

    def parse(self, response: WireResponse, parser: Callable[[WireResponse], T]) -> T:
        """Run a generated parser; a 2xx body it cannot read becomes an APIError."""
        try:
            return parser(response)
        except Exception as exc:  # the generated layer raises several kinds
            raise APIError(
                f"could not parse the {response.status_code} response "
                f"({type(exc).__name__}: {exc})",
                response=response,
            ) from exc
