"""Turning Python arguments into wire values, refusing bad ones before anything is sent.

Every check raises ValueError naming the parameter and what is allowed.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Iterable
from enum import Enum
from typing import TypeVar

from twilio_wireless_openapi.types import UNSET, Unset

E = TypeVar("E", bound=Enum)

_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}\Z")
SID_KINDS = {
    "AC": "Account",
    "DC": "Command",
    "DE": "SIM",
    "WP": "Rate Plan",
    "SK": "API Key",
}
MAX_PAGE_SIZE = 1000
MAX_TEXT_COMMAND = 160
MAX_BINARY_COMMAND = 140


def _invalid(param: str, value: object, allowed: str) -> ValueError:
    return ValueError(f"{param}: {value!r} is not valid; expected {allowed}")


def _sid_kind(value: str) -> str:
    return SID_KINDS.get(value[:2], value[:2])


def identifier(value: object, param: str, *, prefix: str, unique_name: bool = True) -> str:
    """A resource SID with `prefix`, or (when `unique_name`) the resource's unique name."""
    kind = SID_KINDS[prefix]
    wanted = f"a {kind} SID ({prefix} + 32 hex digits)" + (" or unique name" if unique_name else "")
    if not isinstance(value, str):
        raise _invalid(param, value, wanted)
    # Percent-encoding leaves these as they are, and URL normalisation then turns
    # /v1/Sims/.. into a request for another endpoint.
    if value.strip() in {"", ".", ".."}:
        raise _invalid(param, value, wanted)
    if _SID.match(value):
        if value[:2] != prefix:
            raise ValueError(f"{param}: {value!r} is a {_sid_kind(value)} SID; expected {wanted}")
        return value
    if not unique_name:
        raise _invalid(param, value, wanted)
    return value


def optional_identifier(
    value: object, param: str, *, prefix: str, unique_name: bool = True
) -> str | Unset:
    return (
        UNSET if value is None else identifier(value, param, prefix=prefix, unique_name=unique_name)
    )


def enum_value(value: object, enum_type: type[E], param: str) -> E | Unset:
    """A member of `enum_type`, given as the member or its string value; None is unset."""
    if value is None:
        return UNSET
    if isinstance(value, enum_type):
        if value not in list(enum_type):  # an unknown value the API once sent us
            raise _invalid(param, value.value, _one_of(enum_type))
        return value
    if isinstance(value, str):
        for member in enum_type:
            if member.value == value:
                return member
    raise _invalid(param, value, _one_of(enum_type))


def _one_of(enum_type: type[Enum]) -> str:
    return "one of " + ", ".join(repr(m.value) for m in enum_type)


def choice(value: object, allowed: tuple[str, ...], param: str) -> str | Unset:
    if value is None:
        return UNSET
    if isinstance(value, str) and value in allowed:
        return value
    raise _invalid(param, value, "one of " + ", ".join(map(repr, allowed)))


def utc_datetime(value: object, param: str) -> dt.datetime | Unset:
    """An aware datetime (sent as UTC YYYY-MM-DDTHH:MM:SSZ); naive ones are refused."""
    if value is None:
        return UNSET
    if not isinstance(value, dt.datetime):
        raise _invalid(param, value, "a timezone-aware datetime.datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{param}: naive datetime {value.isoformat()!r} is ambiguous; give it a timezone, "
            "e.g. datetime.datetime(..., tzinfo=datetime.timezone.utc)"
        )
    return value


def boolean(value: object, param: str) -> bool | Unset:
    if value is None:
        return UNSET
    if not isinstance(value, bool):
        raise _invalid(param, value, "True or False")
    return value


def integer(
    value: object, param: str, *, minimum: int = 0, maximum: int | None = None
) -> int | Unset:
    if value is None:
        return UNSET
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(param, value, "an int")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"<= {maximum}" if maximum is not None else "with no upper bound"
        raise _invalid(param, value, f"an int >= {minimum} and {bound}")
    return value


def text(value: object, param: str, *, allow_empty: bool = True) -> str | Unset:
    if value is None:
        return UNSET
    if not isinstance(value, str) or (not allow_empty and not value):
        raise _invalid(param, value, "a non-empty str" if not allow_empty else "a str")
    return value


def url(value: object, param: str) -> str | Unset:
    if value is None:
        return UNSET
    if not isinstance(value, str) or not value.lower().startswith(("https://", "http://")):
        raise _invalid(param, value, "an absolute http:// or https:// URL")
    return value


def string_list(value: object, param: str, *, allowed: tuple[str, ...]) -> list[str] | Unset:
    if value is None:
        return UNSET
    # A bare str is iterable too; "data" would become ["d", "a", "t", "a"].
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise _invalid(param, value, f"a list of {', '.join(map(repr, allowed))}")
    items = list(value)
    if not items:
        # An empty list encodes to nothing at all, so the API default would apply.
        raise ValueError(f"{param}: an empty list cannot be sent; omit it (None) for the default")
    for item in items:
        if item not in allowed:
            raise _invalid(param, item, f"list items from {', '.join(map(repr, allowed))}")
    return items


def page_size(value: object, limit: int | None) -> int | Unset:
    """PageSize to send: as given (1..1000), else no more than `limit` needs."""
    if value is None:
        return UNSET if limit is None else max(1, min(limit, MAX_PAGE_SIZE))
    return integer(value, "page_size", minimum=1, maximum=MAX_PAGE_SIZE)


def limit(value: object) -> int | None:
    if value is None:
        return None
    checked = integer(value, "limit", minimum=0)
    assert isinstance(checked, int)
    return checked


def command_body(command: object, mode: object) -> tuple[str, str]:
    """(wire text, command mode) for a Command: bytes go as base64 in binary mode."""
    if isinstance(command, bytes | bytearray | memoryview):
        data = bytes(command)
        if mode not in (None, "binary") and getattr(mode, "value", None) != "binary":
            raise ValueError(f"command_mode: {mode!r} conflicts with a bytes command (binary)")
        if not data or len(data) > MAX_BINARY_COMMAND:
            raise _invalid("command", data[:16], f"1 to {MAX_BINARY_COMMAND} bytes")
        return base64.b64encode(data).decode("ascii"), "binary"
    if isinstance(command, str):
        if mode not in (None, "text") and getattr(mode, "value", None) != "text":
            raise ValueError(
                f"command_mode: {mode!r} needs bytes; pass the payload as bytes and the SDK "
                "base64-encodes it for you"
            )
        if not command or len(command) > MAX_TEXT_COMMAND:
            raise _invalid("command", command[:32], f"1 to {MAX_TEXT_COMMAND} characters of text")
        return command, "text"
    raise _invalid("command", command, "str (text mode) or bytes (binary mode)")
