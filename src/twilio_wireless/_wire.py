"""What crosses the transport seam: a request as it goes on the wire, and its answer.

The default path (aiohttp) sends these as they are: httpx is not even imported. An
httpx.Response is made only where someone asks for one (`APIError.response`), and the
httpx transport converts at its edge. A transport that fails raises `TransportError`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

if TYPE_CHECKING:
    import httpx

# Failures that prove the request never reached the server (httpx's names for them).
_NOT_SENT = frozenset({"ConnectError", "ConnectTimeout", "PoolTimeout", "UnsupportedProtocol"})


class TransportError(Exception):
    """A request failed below HTTP. `kind` is httpx's name for the failure (ReadTimeout,
    ConnectError, RemoteProtocolError, ...); `sent` is False only when the request provably
    never reached the server; `timeout` tells a timeout from other failures.
    """

    def __init__(
        self, message: str, *, kind: str, timeout: bool | None = None, sent: bool | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        # sent=False where the transport knows no byte of the request was written (Go's
        # nothingWrittenError): a create may then be sent again.
        self.sent = kind not in _NOT_SENT if sent is None else sent
        self.timeout = kind.endswith("Timeout") or kind == "TimeoutException"
        if timeout is not None:
            self.timeout = timeout


# The default cap on a response body, as sent and once decompressed: a 1000-SIM page is
# about 1.3 MB, so this leaves room while one broken proxy cannot exhaust a gateway's memory.
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024


def too_large(limit: int, what: str) -> TransportError:
    """The failure of a response whose body passed `limit` bytes (`what`: as sent/decoded)."""
    return TransportError(
        f"the response body {what} is larger than max_response_bytes={limit}",
        kind="ResponseTooLarge",
        timeout=False,
    )


class WireRequest:
    """One request: method, absolute encoded URL, headers, body and timeouts (seconds).

    `deadline`: seconds the whole exchange may take, connect, send and the entire body
    (None: no limit). `max_bytes`: the largest body accepted, as sent and once decoded.
    """

    __slots__ = ("body", "deadline", "headers", "max_bytes", "method", "path", "timeout", "url")

    def __init__(
        self,
        method: str,
        url: str,
        path: str,
        headers: Mapping[str, str],
        body: bytes | None,
        timeout: Mapping[str, float | None],
        deadline: float | None = None,
        max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.method = method
        self.url = url
        # The encoded path and query after the base URL, for logs.
        self.path = path
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.deadline = deadline
        self.max_bytes = max_bytes

    def with_deadline(self, deadline: float) -> WireRequest:
        """The same request with another deadline (an attempt near a retry deadline)."""
        return WireRequest(
            self.method,
            self.url,
            self.path,
            self.headers,
            self.body,
            self.timeout,
            deadline,
            self.max_bytes,
        )

    def to_httpx(self) -> httpx.Request:
        """The same request as an httpx.Request (httpx transport, error reports)."""
        import httpx  # deferred: the default path never needs it

        return httpx.Request(
            self.method,
            self.url,
            headers=self.headers,
            content=self.body,
            extensions={"timeout": dict(self.timeout)},
        )

    def __repr__(self) -> str:
        return f"<WireRequest {self.method} {self.url}>"


class WireResponse:
    """A response read whole: status, headers (case-insensitive), decoded body."""

    __slots__ = ("__weakref__", "_httpx", "content", "headers", "request", "status_code")

    def __init__(
        self,
        status_code: int,
        headers: Mapping[str, str],
        content: bytes,
        request: WireRequest,
        *,
        as_httpx: httpx.Response | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self.request = request
        self._httpx = as_httpx

    @property
    def reason_phrase(self) -> str:
        try:
            return HTTPStatus(self.status_code).phrase
        except ValueError:
            return ""

    def to_httpx(self) -> httpx.Response:
        """This response as an httpx.Response (made on first use, then kept)."""
        if self._httpx is None:
            # The body is already decoded: the Content-Encoding header must not apply again.
            import httpx  # deferred: the default path never needs it

            headers = [
                (name, value)
                for name, value in _items(self.headers)
                if name.lower() not in ("content-encoding", "content-length")
            ]
            self._httpx = httpx.Response(
                self.status_code,
                headers=headers,
                content=self.content,
                request=self.request.to_httpx(),
            )
        return self._httpx

    def __repr__(self) -> str:
        return f"<WireResponse {self.status_code} {self.request.method} {self.request.url}>"


def _items(headers: Mapping[str, str]) -> Iterable[tuple[str, str]]:
    items = getattr(headers, "multi_items", None)  # httpx.Headers keeps repeated headers
    return items() if items is not None else headers.items()


def _text(value: Any) -> str:
    # How httpx writes a primitive into a query or form: JSON-style booleans, "" for None.
    if value is True:
        return "true"
    if value is False:
        return "false"
    return "" if value is None else str(value)


def encode_pairs(fields: Mapping[str, Any]) -> str:
    """`application/x-www-form-urlencoded` text for fields (lists repeat the key), as httpx.

    `urlencode(pairs)`, pair for pair (a test holds them equal).
    """
    return "&".join(
        f"{_quoted(name)}={_quoted(_text(item))}"
        for name, value in fields.items()
        for item in (value if isinstance(value, list | tuple) else (value,))
    )


def _quoted(text: str) -> str:
    # A fleet operation sends the same names and values (a status, a callback URL) with
    # every SIM: quoting a URL goes character by character, so short texts are cached.
    return _quoted_short(text) if len(text) <= _CACHED_LENGTH else quote_plus(text)


_CACHED_LENGTH = 200
_quoted_short = functools.lru_cache(maxsize=256)(quote_plus)
