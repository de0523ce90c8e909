"""Twilio-shaped error answers.

| code  | HTTP | when                                                                      |
| ----- | ---- | ------------------------------------------------------------------------- |
| 20001 | 400  | a parameter is missing or invalid: unknown enum value, malformed SID or   |
|       |      | URL, PageSize outside 1..1000, bad PageToken or date, non-base64 binary   |
|       |      | Command, text too long; an invalid SIM status transition; a reset of a    |
|       |      | SIM that is not active                                                    |
| 20003 | 401  | no credentials, or not the account SID / auth token the simulator accepts |
| 20004 | 405  | the path exists, but not with this method                                 |
| 20403 | 403  | an admin route (`/__simulator/...`) asked from a non-loopback address     |
| 20404 | 404  | no such resource at this path, or the Sim / RatePlan a body names         |
| 20409 | 409  | (simulator's choice) a unique name already in use; a status change while  |
|       |      | another one runs; deleting a Rate Plan SIMs use, or a SIM whose status    |
|       |      | does not allow it                                                         |
| 20429 | 429  | more requests in flight than `max_in_flight` (no `Retry-After`, as        |
|       |      | Twilio sends none); an injected rate limit (with `Retry-After`)           |
| 20500 | 5xx  | injected server error (500, 502, 504), or an unexpected simulator failure |
| 20503 | 503  | injected "service unavailable"                                            |
"""

from __future__ import annotations

import json

__all__ = [
    "CONFLICT",
    "INVALID_PARAMETER",
    "METHOD_NOT_ALLOWED",
    "NOT_FOUND",
    "UNAUTHENTICATED",
    "ApiError",
    "error_body",
    "html_error_body",
]

INVALID_PARAMETER = 20001
UNAUTHENTICATED = 20003
METHOD_NOT_ALLOWED = 20004
NOT_FOUND = 20404
CONFLICT = 20409
TOO_MANY_REQUESTS = 20429
INTERNAL_ERROR = 20500
SERVICE_UNAVAILABLE = 20503

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class ApiError(Exception):
    """Raised by a handler; becomes Twilio's JSON error body."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def invalid(message: str) -> ApiError:
    return ApiError(400, INVALID_PARAMETER, message)


def not_found(path: str) -> ApiError:
    return ApiError(404, NOT_FOUND, f"The requested resource {path} was not found")


def conflict(message: str) -> ApiError:
    return ApiError(409, CONFLICT, message)


def code_for_status(status: int) -> int:
    """The Twilio code an injected status carries."""
    if status == 429:
        return TOO_MANY_REQUESTS
    if status == 503:
        return SERVICE_UNAVAILABLE
    if status >= 500:
        return INTERNAL_ERROR
    if status == 401:
        return UNAUTHENTICATED
    if status == 404:
        return NOT_FOUND
    if status == 409:
        return CONFLICT
    return INVALID_PARAMETER


def error_body(status: int, code: int, message: str) -> bytes:
    return json.dumps(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        separators=(",", ":"),
    ).encode()


def reason(status: int) -> str:
    return _REASONS.get(status, "Error")


def html_error_body(status: int) -> bytes:
    """What a proxy in front of an API answers: not JSON."""
    text = f"{status} {reason(status)}"
    return (
        f"<html>\r\n<head><title>{text}</title></head>\r\n<body>\r\n"
        f"<center><h1>{text}</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode()
