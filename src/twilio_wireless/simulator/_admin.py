"""The admin routes under `/__simulator/`: change a running server's faults, read its stats.

They are not part of Twilio's API (the spec does not know them; the request log and the
statistics leave them out) and need no Basic auth, but answer only clients on the
loopback interface (127.0.0.0/8, ::1): anyone else gets 403.

    GET    /__simulator/faults   {"rules": [{"pattern", "fault", "times", "skip",
                                   "probability", "matched", "fired", "remaining"}, ...]}
    POST   /__simulator/faults   add a rule; JSON body {"rule": "PATTERN=SPEC"} or
                                 {"pattern": ..., "fault": "503" | 503, "times": 3 | null,
                                 "skip": 0, "probability": 0.05}; answers 201 and the rule
    DELETE /__simulator/faults   remove every rule; answers 204
    GET    /__simulator/stats    {"requests", "in_flight", "in_flight_peak",
                                  "too_many_requests": {"concurrency": n, "fault": n}}
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._errors import error_body

if TYPE_CHECKING:
    from ._simulator import WirelessSimulator

__all__ = ["ADMIN_PREFIX", "admin_answer", "is_loopback"]

ADMIN_PREFIX = "/__simulator/"
FORBIDDEN = 20403  # Twilio's "Forbidden" code
_JSON = [(b"content-type", b"application/json")]

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


def is_loopback(client: Any) -> bool:
    """Whether an ASGI `client` (host, port) is on the loopback interface."""
    if not isinstance(client, list | tuple) or not client or not isinstance(client[0], str):
        return False
    try:
        address = ipaddress.ip_address(client[0].split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def _json(status: int, document: Any) -> Answer:
    return status, list(_JSON), json.dumps(document, separators=(",", ":")).encode()


def _error(status: int, code: int, message: str) -> Answer:
    return status, list(_JSON), error_body(status, code, message)


def admin_answer(
    simulator: WirelessSimulator, method: str, path: str, client: Any, body: bytes
) -> Answer:
    """(status, headers, body) for an admin request."""
    if not is_loopback(client):
        return _error(403, FORBIDDEN, "The simulator's admin routes answer loopback clients only")
    methods = _ROUTES.get(path.rstrip("/"))
    if methods is None:
        return _error(404, 20404, f"The requested resource {path} was not found")
    handler = methods.get(method)
    if handler is None:
        allowed = ", ".join(methods)
        status, headers, text = _error(405, 20004, f"Method {method} not allowed; use {allowed}")
        return status, [*headers, (b"allow", allowed.encode())], text
    return handler(simulator, body)


def _list(simulator: WirelessSimulator, body: bytes) -> Answer:
    del body
    return _json(200, {"rules": [rule.to_json() for rule in simulator.faults]})


def _add(simulator: WirelessSimulator, body: bytes) -> Answer:
    try:
        document = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _error(400, 20001, "the body must be JSON")
    if not isinstance(document, dict):
        return _error(400, 20001, 'expected a JSON object: {"rule": "PATTERN=SPEC"}')
    try:
        if "rule" in document:
            if set(document) != {"rule"} or not isinstance(document["rule"], str):
                raise ValueError('"rule" is a PATTERN=SPEC string, and comes alone')
            rule = simulator.faults.add_rule(document["rule"])
        else:
            unknown = set(document) - {"pattern", "fault", "times", "skip", "probability"}
            if unknown:
                raise ValueError(f"unknown fields {sorted(unknown)}")
            pattern, fault = document.get("pattern"), document.get("fault")
            if not isinstance(pattern, str) or not isinstance(fault, str | int):
                raise ValueError(
                    '"pattern" (a string) and "fault" (a string or status) are required'
                )
            options = {
                name: document[name]
                for name in ("times", "skip", "probability")
                if name in document
            }
            for name, value in options.items():
                wanted = (int, float) if name == "probability" else (int,)
                if name == "times" and value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, wanted):
                    kind = "0 < p <= 1" if name == "probability" else "an integer"
                    raise ValueError(f"{name} must be a number ({kind})")
            rule = simulator.faults.add(pattern, fault, **options)
    except (ValueError, TypeError) as exc:
        return _error(400, 20001, str(exc))
    return _json(201, rule.to_json())


def _clear(simulator: WirelessSimulator, body: bytes) -> Answer:
    del body
    simulator.faults.clear()
    return 204, [], b""


def _stats(simulator: WirelessSimulator, body: bytes) -> Answer:
    del body
    return _json(200, simulator.stats.to_json())


_ROUTES: dict[str, dict[str, Callable[[WirelessSimulator, bytes], Answer]]] = {
    "/__simulator/faults": {"GET": _list, "POST": _add, "DELETE": _clear},
    "/__simulator/stats": {"GET": _stats},
}
