"""The error hierarchy, and the mapping from a non-2xx response to an error."""

from __future__ import annotations

import json
import math
import time
from typing import TYPE_CHECKING

from ._wire import WireRequest, WireResponse

if TYPE_CHECKING:
    import httpx
    from twilio_wireless_openapi.models.sim import Sim

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "NotFoundError",
    "PermissionDeniedError",
    "PollTimeoutError",
    "RateLimitError",
    "ServerError",
    "SimStatusChangeError",
    "WirelessError",
    "error_from_response",
    "parse_retry_after",
]


class WirelessError(Exception):
    """Base class of every error this SDK raises (except ValueError for bad arguments).

    `attempts` is how many times the request was sent before this error was raised.
    """

    attempts: int = 1


class APIError(WirelessError):
    """The API answered with a status that is not a success, or with a body we cannot read.

    Attributes:
        status: the HTTP status code.
        code: Twilio's error code (e.g. 20404), or None if the body had none.
        message: Twilio's message, or a description of what went wrong.
        more_info: the link to Twilio's documentation of `code`, if given.
        method, url: the request, without credentials.
        request_id: the `Twilio-Request-Id` response header, for Twilio support.
        response: the raw `httpx.Response`.
    """

    def __init__(
        self,
        message: str,
        *,
        response: WireResponse | httpx.Response,
        code: int | None = None,
        more_info: str | None = None,
    ) -> None:
        self.status: int = response.status_code
        self.code = code
        self.message = message
        self.more_info = more_info
        self.method: str = response.request.method
        self.url = _without_userinfo(str(response.request.url))
        request_id: str | None = response.headers.get("Twilio-Request-Id")
        self.request_id = request_id
        self._response = response
        super().__init__(self._describe())

    @property
    def response(self) -> httpx.Response:
        """The response as an `httpx.Response` (built when first asked for)."""
        response = self._response
        return response.to_httpx() if isinstance(response, WireResponse) else response

    def _describe(self) -> str:
        code = f" (Twilio error {self.code})" if self.code is not None else ""
        request_id = f" [request {self.request_id}]" if self.request_id else ""
        return f"HTTP {self.status}{code}: {self.message} - {self.method} {self.url}{request_id}"


class BadRequestError(APIError):
    """400: the API rejected the request's parameters."""


class AuthenticationError(APIError):
    """401: the credentials were not accepted."""


class PermissionDeniedError(APIError):
    """403: the credentials are valid but may not do this."""


class NotFoundError(APIError):
    """404: no such resource (or not on this account)."""


class ConflictError(APIError):
    """409: the request conflicts with the resource's current state."""


class RateLimitError(APIError):
    """429: too many requests. `retry_after` is the server's requested wait in seconds."""

    def __init__(
        self,
        message: str,
        *,
        response: WireResponse | httpx.Response,
        code: int | None = None,
        more_info: str | None = None,
    ) -> None:
        self.retry_after = parse_retry_after(response.headers.get("Retry-After"))
        super().__init__(message, response=response, code=code, more_info=more_info)


class ServerError(APIError):
    """5xx: the API failed to handle the request."""


class APIConnectionError(WirelessError):
    """The request failed in transport: no usable response was received.

    `request_sent` is False only when the request provably never reached the server
    (connection refused, connect or pool timeout), so it is safe to send again.
    """

    def __init__(
        self, message: str, *, request: WireRequest | httpx.Request, request_sent: bool
    ) -> None:
        self.method = request.method
        self.url = _without_userinfo(str(request.url))
        self.request_sent = request_sent
        super().__init__(f"{message} - {self.method} {self.url}")


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write or waiting for a pooled connection)."""


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def error_from_response(response: WireResponse | httpx.Response) -> APIError:
    """Build the typed error for a non-2xx response; never fails on an odd body."""
    status = response.status_code
    error_type = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIError)
    code: int | None = None
    more_info: str | None = None
    message = response.reason_phrase or "unexpected response"
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        body = None
    if isinstance(body, dict):
        if isinstance(body.get("code"), int):
            code = body["code"]
        if isinstance(body.get("message"), str) and body["message"]:
            message = body["message"]
        if isinstance(body.get("more_info"), str):
            more_info = body["more_info"]
    elif response.content:
        content_type = response.headers.get("Content-Type", "unknown type")
        message = f"{message} (non-JSON body of {len(response.content)} bytes, {content_type})"
    return error_type(message, response=response, code=code, more_info=more_info)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        import email.utils  # deferred: an HTTP-date Retry-After is rare

        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    if not math.isfinite(seconds):  # "inf", "1e999" and NaN are not waits
        return None
    return max(0.0, seconds)


def _without_userinfo(url: str) -> str:
    scheme, separator, rest = url.partition("://")
    authority, slash, tail = rest.partition("/")
    if not separator or "@" not in authority:
        return url
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{tail}"


class SimStatusChangeError(WirelessError):
    """A SIM status change settled, but not in the status that was asked for.

    `sim` is the settled SIM; `expected` the status that was requested.
    """

    def __init__(self, message: str, *, sim: Sim, expected: str | None) -> None:
        self.sim = sim
        self.expected = expected
        super().__init__(message)


class PollTimeoutError(WirelessError):
    """Waiting for a SIM status change passed its deadline. `sim` is the last SIM seen."""

    def __init__(self, message: str, *, sim: Sim, waited: float) -> None:
        self.sim = sim
        self.waited = waited
        super().__init__(message)
