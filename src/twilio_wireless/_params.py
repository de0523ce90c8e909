"""Turning Python arguments into wire values, refusing bad ones before anything is sent.

What an operation accepts, and every rule it is checked against, comes from the generated
module of that operation (`PARAMETERS`: types, enums, required, and the spec's patterns,
lengths and ranges), so a regenerated spec reaches callers with no edit here. On top of
that, a few conversions are the SDK's own value added: identifiers (a SID of the right
kind, or a unique name), bytes Commands, and UTC datetimes. Nothing is taken from prose.

Every check raises ValueError naming the parameter and what is allowed.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from enum import Enum
from functools import cache
from typing import Any, Protocol, TypeVar

from twilio_wireless_openapi.types import Parameter, ResponseLike

_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}\Z")
SID_KINDS = {
    "AC": "Account",
    "DC": "Command",
    "DE": "SIM",
    "WP": "Rate Plan",
    "SK": "API Key",
}
# Kinds with a `unique_name` that can stand for the SID in a URL or parameter.
NAMED_KINDS = frozenset({"DE", "WP"})
E = TypeVar("E", bound=Enum)
# A URI per RFC 3986 starts with a scheme; the spec's `format: uri` asks for no more.
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+\Z")


class Operation(Protocol):
    """What the facade uses of a generated endpoint module."""

    OPERATION_ID: str
    METHOD: str
    PATH: str
    PARAMETERS: tuple[Parameter, ...]

    @property
    def request_kwargs_from(self) -> Callable[..., dict[str, Any]]:
        """(path parameters..., params=checked values) -> the request's kwargs."""

    @property
    def parse_response(self) -> Callable[[ResponseLike], Any]:
        """A 2xx response -> its model."""


def _invalid(param: str, value: object, allowed: str) -> ValueError:
    return ValueError(f"{param}: {value!r} is not valid; expected {allowed}")


class _Index:
    """An operation's parameters by python name, and which a caller may or must set."""

    def __init__(self, parameters: tuple[Parameter, ...]) -> None:
        self.parameters = parameters
        self.by_name = {p.python_name: p for p in parameters}
        self.settable = frozenset(p.python_name for p in parameters if p.location != "path")
        self.required = tuple(
            p.python_name for p in parameters if p.required and p.location != "path"
        )


_INDEXES: dict[int, _Index] = {}


def _index(operation: Operation) -> _Index:
    # By identity, not by hash: hashing a tuple of Parameters costs ~1.5 us per call.
    parameters = operation.PARAMETERS
    index = _INDEXES.get(id(parameters))
    if index is None or index.parameters is not parameters:
        index = _INDEXES[id(parameters)] = _Index(parameters)
    return index


def parameter(operation: Operation, name: str) -> Parameter:
    """The spec's declaration of one parameter of `operation`."""
    return _index(operation).by_name[name]


def check(
    operation: Operation,
    given: Mapping[str, object],
    *,
    identifiers: Mapping[str, str] = {},
    settable: frozenset[str] | None = None,
) -> dict[str, Any]:
    """`given` (python name -> value; None means not sent) checked against the spec.

    Returns the values to send, keyed by python name. `identifiers` maps parameters that
    name a resource to its SID prefix; `settable` limits which parameters a caller may
    pass (default: every query and body parameter).
    """
    index = _index(operation)
    declared = index.by_name
    allowed = settable if settable is not None else index.settable
    unknown = given.keys() - allowed
    if unknown:
        raise ValueError(
            f"{', '.join(sorted(unknown))}: not a parameter of {operation.OPERATION_ID}; "
            f"expected some of {sorted(allowed)}"
        )
    values: dict[str, Any] = {}
    for name, value in given.items():
        if value is None:
            continue
        checked = check_value(declared[name], value)
        if name in identifiers:
            checked = identifier(checked, name, prefix=identifiers[name])
        values[name] = checked
    for name in index.required:
        if name in allowed and name not in values:
            raise ValueError(f"{name}: required by {operation.OPERATION_ID}")
    return values


def settable_names(operation: Operation) -> frozenset[str]:
    """The query and body parameters of `operation` (path parameters go positionally)."""
    return _index(operation).settable


def check_value(spec: Parameter, value: object) -> Any:
    """One value checked against its declaration: type, enum, pattern, length, range."""
    name, kind = spec.python_name, spec.kind
    if kind is list:
        return _list(spec, value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        return enum_member(value, kind, name)
    if kind is dt.datetime:
        return utc_datetime(value, name)
    if kind is bool:
        if not isinstance(value, bool):
            raise _invalid(name, value, "True or False")
        return value
    if kind is int or kind is float:
        return _number(spec, value)
    if kind is str:
        return _text(spec, value)
    if not isinstance(value, kind):
        raise _invalid(name, value, f"a {kind.__name__}")
    return value


def _number(spec: Parameter, value: object) -> int | float:
    numbers = (int,) if spec.kind is int else (int, float)
    if isinstance(value, bool) or not isinstance(value, numbers):
        raise _invalid(spec.python_name, value, f"an {spec.kind.__name__}")
    low, high = spec.minimum, spec.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = " and ".join(
            f"{op} {_plain(bound)}"
            for op, bound in ((">=", low), ("<=", high))
            if bound is not None
        )
        raise _invalid(spec.python_name, value, f"a number {bounds}")
    return value


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


def _text(spec: Parameter, value: object) -> str:
    name = spec.python_name
    if not isinstance(value, str):
        raise _invalid(name, value, "a str")
    if spec.min_length is not None and len(value) < spec.min_length:
        raise _invalid(name, value, f"at least {spec.min_length} characters")
    if spec.max_length is not None and len(value) > spec.max_length:
        raise _invalid(name, value, f"at most {spec.max_length} characters")
    if spec.pattern is not None and not re.search(spec.pattern, value):
        raise _invalid(name, value, f"a str matching {spec.pattern}")
    if spec.format == "uri" and not _URI.match(value):
        raise _invalid(name, value, "an absolute URI such as https://example.com/status")
    return value


def _list(spec: Parameter, value: object) -> list[Any]:
    name = spec.python_name
    item = Parameter(name, spec.wire_name, spec.location, True, spec.item_kind or object)
    # A bare str is iterable too; "data" would become ["d", "a", "t", "a"].
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise _invalid(name, value, f"a list of {_kind_name(item.kind)}")
    items = list(value)
    if not items:
        # An empty list encodes to nothing at all, so the API default would apply.
        raise ValueError(f"{name}: an empty list cannot be sent; omit it (None) for the default")
    return [check_value(item, each) for each in items]


def _kind_name(kind: type) -> str:
    if issubclass(kind, Enum):
        return _one_of(kind)
    return getattr(kind, "__name__", str(kind))


def enum_member(value: object, enum_type: type[E], param: str) -> E:
    """A documented member of `enum_type`, given as the member or its string value."""
    documented = _documented(enum_type)
    if isinstance(value, enum_type):
        value = value.value  # an unknown value the API once sent us is refused below
    member: E | None = documented.get(value) if isinstance(value, str) else None
    if member is None:
        raise _invalid(param, value, _one_of(enum_type))
    return member


@cache
def _documented(enum_type: type[E]) -> dict[object, E]:
    # Iterating an open enum lists only its documented members, never pseudo-members.
    return {member.value: member for member in enum_type}


def _one_of(enum_type: type[Enum]) -> str:
    return "one of " + ", ".join(repr(m.value) for m in enum_type)


def is_sid(value: str, prefix: str) -> bool:
    """Whether `value` is a SID of the kind `prefix` names (e.g. "DE": a SIM's)."""
    return value[:2] == prefix and _SID.match(value) is not None


def _sid_kind(value: str) -> str:
    return SID_KINDS.get(value[:2], value[:2])


def identifier(value: object, param: str, *, prefix: str, unique_name: bool | None = None) -> str:
    """A resource SID with `prefix`, or the resource's unique name if its kind has one."""
    if unique_name is None:
        unique_name = prefix in NAMED_KINDS
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


def path_identifier(operation: Operation, name: str, value: object, *, prefix: str) -> str:
    """A path parameter naming a resource: the spec's rules, then the SID's kind."""
    spec = parameter(operation, name)
    # The spec's own pattern (e.g. Commands: DC + 32 hex) rules out unique names.
    by_sid_only = spec.pattern is not None
    if not by_sid_only:
        return identifier(value, name, prefix=prefix)
    identifier(value, name, prefix=prefix, unique_name=False)
    return str(check_value(spec, value))


def utc_datetime(value: object, param: str) -> dt.datetime:
    """An aware datetime (sent as UTC YYYY-MM-DDTHH:MM:SSZ); naive ones are refused."""
    if not isinstance(value, dt.datetime):
        raise _invalid(param, value, "a timezone-aware datetime.datetime")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{param}: naive datetime {value.isoformat()!r} is ambiguous; give it a timezone, "
            "e.g. datetime.datetime(..., tzinfo=datetime.timezone.utc)"
        )
    return value


def boolean(value: object, param: str) -> bool:
    if not isinstance(value, bool):
        raise _invalid(param, value, "True or False")
    return value


def limit(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _invalid("limit", value, "an int >= 0")
    return value


def command_body(command: object, mode: object) -> tuple[str, str]:
    """(wire text, command mode) for a Command: bytes go as base64 in binary mode."""
    if isinstance(command, bytes | bytearray | memoryview):
        if mode not in (None, "binary") and getattr(mode, "value", None) != "binary":
            raise ValueError(f"command_mode: {mode!r} conflicts with a bytes command (binary)")
        return base64.b64encode(bytes(command)).decode("ascii"), "binary"
    if isinstance(command, str):
        if mode not in (None, "text") and getattr(mode, "value", None) != "text":
            raise ValueError(
                f"command_mode: {mode!r} needs bytes; pass the payload as bytes and the SDK "
                "base64-encodes it for you"
            )
        return command, "text"
    raise _invalid("command", command, "str (text mode) or bytes (binary mode)")
