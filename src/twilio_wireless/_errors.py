"""The error hierarchy, and the mapping from a non-2xx response to an error."""

from __future__ import annotations

import base64
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
    "ResponseTooLargeError",
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
        retry_after: the server's `Retry-After` in seconds (429, 503), or None.
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
        # Whatever the server sent, an error holds a bounded, single-line excerpt of it,
        # with the request's credentials (should the server echo them) blotted out.
        secrets = _secrets(response.request.headers.get("Authorization"))
        self.message = _excerpt(message, MAX_MESSAGE_CHARS, secrets)
        self.more_info = None if more_info is None else _excerpt(more_info, 300, secrets)
        self.method: str = response.request.method
        self.url = without_userinfo(str(response.request.url))
        request_id: str | None = response.headers.get("Twilio-Request-Id")
        self.request_id = None if request_id is None else _excerpt(request_id, 100, secrets)
        self.retry_after = parse_retry_after(response.headers.get("Retry-After"))
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


class ServerError(APIError):
    """5xx: the API failed to handle the request. `retry_after` is the server's requested
    wait in seconds (503 Service Unavailable may send one), or None.
    """


class APIConnectionError(WirelessError):
    """The request failed in transport: no usable response was received.

    `request_sent` is False only when the request provably never reached the server
    (connection refused, connect or pool timeout), so it is safe to send again.
    """

    def __init__(
        self, message: str, *, request: WireRequest | httpx.Request, request_sent: bool
    ) -> None:
        self.method = request.method
        self.url = without_userinfo(str(request.url))
        self.request_sent = request_sent
        super().__init__(f"{message} - {self.method} {self.url}")


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read, write, waiting for a pooled connection, or its
    whole deadline: connect, send and the entire body).
    """


class ResponseTooLargeError(WirelessError):
    """The response (as sent, or once decompressed) was larger than the client accepts.

    Attributes:
        limit: the cap in bytes (`WirelessClient(max_response_bytes=...)`).
        method, url: the request, without credentials.
    """

    def __init__(self, message: str, *, request: WireRequest | httpx.Request, limit: int) -> None:
        self.method = request.method
        self.url = without_userinfo(str(request.url))
        self.limit = limit
        super().__init__(f"{message} - {self.method} {self.url}")


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


MAX_MESSAGE_CHARS = 500
"""An error's `message` keeps at most this many characters of what the server sent."""
_BODY_EXCERPT_CHARS = 200


def error_from_response(response: WireResponse | httpx.Response) -> APIError:
    """Build the typed error for a non-2xx response; never fails on an odd body."""
    status = response.status_code
    error_type = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIError)
    code: int | None = None
    more_info: str | None = None
    message = response.reason_phrase or "unexpected response"
    content = response.content
    try:
        body = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        body = None
    except RecursionError:  # nested deeper than the parser's stack: not a Twilio error body
        body = _TOO_DEEP
    if isinstance(body, dict):
        value = body.get("code")
        # Twilio's codes are five digits; a bool or a 1000-digit number is not one.
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**9:
            code = value
        if isinstance(body.get("message"), str) and body["message"]:
            message = body["message"]
        if isinstance(body.get("more_info"), str):
            more_info = body["more_info"]
    elif body is _TOO_DEEP:
        message = f"{message} (a JSON body of {len(content)} bytes, nested too deeply to read)"
    elif content:
        content_type = _excerpt(response.headers.get("Content-Type", "unknown type"), 100)
        text = content[: _BODY_EXCERPT_CHARS * 4].decode("utf-8", "replace")
        message = (
            f"{message} (non-JSON body of {len(content)} bytes, {content_type}: "
            f"{_excerpt(text, _BODY_EXCERPT_CHARS)})"
        )
    return error_type(message, response=response, code=code, more_info=more_info)


_TOO_DEEP = object()


def _secrets(authorization: str | None) -> tuple[str, ...]:
    """What of an Authorization header must never appear in a message: the Basic token,
    the decoded `user:password` and the password (if long enough to be told from words)."""
    if not authorization or not authorization.startswith("Basic "):
        return ()
    token = authorization[6:].strip()
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return (token,)
    password = decoded.partition(":")[2]
    return tuple(secret for secret in (token, decoded, password) if len(secret) >= 8)


def _excerpt(text: str, limit: int, secrets: tuple[str, ...] = ()) -> str:
    """`text` on one line (control characters escaped), at most `limit` characters of it,
    any of `secrets` replaced with `***`."""
    for secret in secrets:
        text = text.replace(secret, "***")
    cut = text[:limit]
    if not cut.isprintable():
        cut = "".join(c if c.isprintable() else repr(c)[1:-1] for c in cut)
    return cut if len(text) <= limit else f"{cut}... ({len(text)} characters in all)"


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


def without_userinfo(url: str) -> str:
    """`url` without its userinfo (credentials), for messages."""
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
