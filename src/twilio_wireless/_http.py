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
    NotFoundError,
    ResponseTooLargeError,
    WirelessError,
    error_from_response,
)
from ._retry import RetryEvent, RetryPolicy, mark_out_of_time, should_retry
from ._wire import (
    DEFAULT_MAX_RESPONSE_BYTES,
    TransportError,
    WireRequest,
    WireResponse,
    encode_pairs,
)

if TYPE_CHECKING:
    from ._pacing import Limiter
    from ._polling import PollPolicy
    from ._transport import Transport
    from ._webhooks import StatusCallbackReceiver

T = TypeVar("T")

logger = logging.getLogger("twilio_wireless")


@attrs.frozen
class RequestOptions:
    """Per-call settings a `with_options()` view may override.

    `timeout_seconds`: connect, read, write and pool timeouts (None: no limit).
    `deadline`: seconds one attempt may take in all, connect, send and the whole body.
    `max_response_bytes`: the largest response body accepted, as sent and decompressed.
    `status_callbacks`: where status changes ask Twilio to call back, and waits listen.
    """

    timeout_seconds: Mapping[str, float | None]
    retry: RetryPolicy
    poll: PollPolicy
    deadline: float | None = None
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    status_callbacks: StatusCallbackReceiver | None = None


class Connection:
    """What a client and all its `with_options()` views share: the pool and the identity."""

    def __init__(
        self,
        *,
        base_url: str,
        headers: dict[str, str],
        transport: Transport,
        limiter: Limiter | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = headers
        # The one seam requests leave through (see _transport), chosen by the client.
        self.transport = transport
        self.closed = False
        # The one cap on requests in flight (see _pacing), fixed or adaptive, made by the
        # client from max_concurrency; it holds nothing of an event loop.
        self._limiter = limiter

    def limiter(self) -> Limiter | None:
        """The client-wide cap on requests in flight (None: no cap).

        Each attempt holds a slot (`try_acquire()` or `await acquire()`) and gives it back
        with its outcome (`release(error)`): a 429 shrinks an adaptive cap, successes
        grow it back.
        """
        return self._limiter

    async def aclose(self) -> None:
        self.closed = True
        try:
            await self.transport.aclose()
        finally:
            if self._limiter is not None:
                await self._limiter.aclose()


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

    def build_request(self, kwargs: Mapping[str, Any], body: bytes | None = None) -> WireRequest:
        """The request a generated endpoint's request_kwargs() describes, ready to send.

        `body`: its form data already encoded (a batch sends every SIM the same form)."""
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
        options = self.options
        return WireRequest(
            kwargs["method"].upper(),
            connection.base_url + path,
            path,
            headers,
            body if body is not None or data is None else encode_pairs(data).encode("ascii"),
            options.timeout_seconds,
            options.deadline,
            options.max_response_bytes,
        )

    def within(self, seconds: float) -> Requester:
        """This requester with no attempt, nor all its retries, running past `seconds`
        (none left: a single attempt with its usual deadline)."""
        options = self.options
        retry = options.retry
        if seconds <= 0:
            evolved = attrs.evolve(options, retry=attrs.evolve(retry, max_attempts=1))
        else:
            deadline = seconds if options.deadline is None else min(options.deadline, seconds)
            if retry.deadline is None or seconds < retry.deadline:
                retry = attrs.evolve(retry, deadline=seconds)
            evolved = attrs.evolve(options, deadline=deadline, retry=retry)
        return Requester(self.connection, evolved, self.clock)

    def build_get(self, path_and_query: str) -> WireRequest:
        """A GET for an encoded path and query on the configured base URL (next pages)."""
        connection = self.connection
        options = self.options
        return WireRequest(
            "GET",
            connection.base_url + path_and_query,
            path_and_query,
            connection.headers,
            None,
            options.timeout_seconds,
            options.deadline,
            options.max_response_bytes,
        )

    async def send(self, request: WireRequest, *, idempotent: bool) -> WireResponse:
        """Send and return a 2xx response with its body read; raise a WirelessError otherwise.

        Transient failures are retried by the view's RetryPolicy; `idempotent` tells it
        whether sending twice is harmless. Every attempt is one send on the wire (the
        transport re-sends nothing by itself). The error raised carries `attempts`.
        """
        policy = self.options.retry
        connection = self.connection
        clock = self.clock
        started = clock()
        attempt = 1
        # An attempt that may have reached the server without an answer to show for it.
        ambiguous = False
        retry_deadline = policy.deadline
        while True:
            sent = request
            if retry_deadline is not None and attempt > 1:
                # No attempt may run past the retry deadline.
                left = max(retry_deadline - (clock() - started), 0.001)
                if request.deadline is None or left < request.deadline:
                    sent = request.with_deadline(left)
            try:
                limiter = connection.limiter()
                if limiter is None:
                    return await self._send_once(sent, attempt)
                # Not `async with limiter:` (~3,000 instructions more per request): see
                # _pacing. The attempt's outcome (a 429 shrinks the cap) goes back with it.
                if not limiter.try_acquire():
                    await limiter.acquire()
                try:
                    response = await self._send_once(sent, attempt)
                except BaseException as outcome:
                    limiter.release(outcome)
                    raise
                limiter.release()
                return response
            except WirelessError as error:
                error.attempts = attempt
                target = f"{request.method} {request.path.partition('?')[0]}"
                if ambiguous and request.method == "DELETE" and isinstance(error, NotFoundError):
                    # An earlier attempt may have deleted it and lost the answer: the
                    # resource is gone, which is what was asked. Reported as done.
                    logger.debug(
                        "%s attempt %d: 404 after an earlier attempt with no answer; "
                        "reporting the delete as done%s",
                        target,
                        attempt,
                        _request_id(error.request_id),
                    )
                    return WireResponse(204, error._response.headers, b"", request)
                if isinstance(error, APIConnectionError):
                    ambiguous = ambiguous or error.request_sent
                elif isinstance(error, APIError) and error.status >= 500:
                    ambiguous = True
                decision = should_retry(
                    policy,
                    error,
                    attempt=attempt,
                    idempotent=idempotent,
                    elapsed=clock() - started,
                )
                request_id = _request_id(getattr(error, "request_id", None))
                if not decision.retry:
                    if decision.out_of_time:
                        mark_out_of_time(error)
                    if policy.max_attempts > 1:
                        logger.debug(
                            "not retrying %s: attempt %d: %s%s",
                            target,
                            attempt,
                            decision.reason,
                            request_id,
                        )
                    if attempt > 1:
                        error.add_note(f"gave up after {attempt} attempts: {decision.reason}")
                    raise
                logger.debug(
                    "retrying %s: attempt %d/%d failed (%s); waiting %.3f s%s",
                    target,
                    attempt,
                    policy.max_attempts,
                    decision.reason,
                    decision.delay,
                    request_id,
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

    async def _send_once(self, request: WireRequest, attempt: int = 1) -> WireResponse:
        connection = self.connection
        if connection.closed:
            raise RuntimeError("this WirelessClient is closed; create a new one")
        started = time.perf_counter() if logger.isEnabledFor(logging.DEBUG) else 0.0
        try:
            response = await connection.transport.send(request)
        except TransportError as exc:
            if started:
                logger.debug(
                    "%s %s attempt %d: no response after %.1f ms (%s%s)",
                    request.method,
                    request.path,
                    attempt,
                    (time.perf_counter() - started) * 1000,
                    exc.kind,
                    "" if exc.sent else ", nothing was written",
                )
            if exc.kind == "ResponseTooLarge":
                raise ResponseTooLargeError(
                    str(exc), request=request, limit=request.max_bytes
                ) from None
            error_type = APITimeoutError if exc.timeout else APIConnectionError
            message = (
                f"request timed out ({exc.kind}: {exc})"
                if exc.timeout
                else f"connection failed ({exc.kind}: {exc})"
            )
            raise error_type(message, request=request, request_sent=exc.sent) from exc
        if started:
            logger.debug(
                "%s %s attempt %d -> %d in %.1f ms%s",
                request.method,
                request.path,
                attempt,
                response.status_code,
                (time.perf_counter() - started) * 1000,
                _request_id(response.headers.get("Twilio-Request-Id")),
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


def _request_id(value: str | None) -> str:
    return f" [request {value}]" if value else ""
