"""The ASGI app: routing, auth, form parsing, the operations (`OPERATIONS`), faults, the
account's in-flight limit, the admin routes and the request log."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import datetime as dt
import functools
import json
import logging
import operator
import re
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

import anyio
import httpx

from ._admin import ADMIN_PREFIX, admin_answer
from ._delivery import (
    ConnectionDropped,
    close_connection,
    fault_body,
    send_shaped,
    shaped_chunks,
)
from ._errors import (
    METHOD_NOT_ALLOWED,
    TOO_MANY_REQUESTS,
    UNAUTHENTICATED,
    ApiError,
    code_for_status,
    error_body,
    html_error_body,
    invalid,
    not_found,
)
from ._faults import Fault
from ._pagination import META_FIELDS, Collection, PageRequest, page_meta, select
from ._records import CommandRecord, RatePlanRecord, Record, SimRecord
from ._usage import data_rate, data_sessions, parse_period, usage_record

if TYPE_CHECKING:
    from ._simulator import WirelessSimulator

__all__ = ["ConnectionDropped", "RecordedRequest", "SimulatorApp"]

logger = logging.getLogger("twilio_wireless.simulator")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
Query = dict[str, list[str]]

_JSON = [(b"content-type", b"application/json")]
_HTML = [(b"content-type", b"text/html")]
_HOST = re.compile(r"[A-Za-z0-9.\-_:\[\]]+\Z")
_ACCOUNT = re.compile(r"AC[0-9a-fA-F]{32}\Z")
_COMMAND_SID = re.compile(r"DC[0-9a-fA-F]{32}\Z")
_METHODS = ("GET", "POST")
_INCLUDE_SID = ("none", "start", "end")
_METERING = ("payg", "quota-1", "quota-10", "quota-50")
_ROAMING = ("data", "messaging", "voice")
_STRATEGIES = ("block", "throttle")
MAX_DATA_LIMIT = 2_000_000  # MB: Twilio's 2 TB
MAX_TEXT = 160
MAX_TEXT_WITH_SID = 128
MAX_BINARY = 140


@dataclasses.dataclass(slots=True, eq=False)
class RecordedRequest:
    """One request the simulator received (`simulator.requests`).

    Logged when the request arrives; `status`, `applied` and `fault` are filled in as it
    is handled, so a request the client gave up on (during an injected delay) is there
    too, with `status` None.

    Attributes:
        method, path: e.g. `POST`, `/v1/Sims/DE...` (percent-decoded).
        query, form: parameters, each name with its list of values.
        headers: lower-cased names, without `authorization`.
        operation: the operation id (`UpdateSim`, ...), or None if no route matched.
        time: the simulator clock's monotonic time when it arrived.
        timestamp: the simulator clock's wall time when it arrived.
        status: the status answered (its headers went out, even if a fault then cut the
            body short), or None if no answer was sent (dropped connection, or still in
            progress).
        applied: whether the request changed the state (a successful write), even if
            the answer was then replaced by a fault.
        fault: the fault injected into it, if any.
    """

    method: str
    path: str
    query: Mapping[str, list[str]]
    form: Mapping[str, list[str]]
    headers: Mapping[str, str]
    operation: str | None
    time: float
    timestamp: dt.datetime
    status: int | None = None
    applied: bool = False
    fault: Fault | None = None

    def param(self, name: str) -> str | None:
        """The last value of a form or query parameter."""
        values = self.form.get(name) or self.query.get(name)
        return values[-1] if values else None


class _Response:
    __slots__ = ("applied", "body", "headers", "status")

    def __init__(
        self,
        status: int,
        body: bytes,
        headers: list[tuple[bytes, bytes]] | None = None,
        applied: bool = False,
    ) -> None:
        self.status = status
        self.body = body
        self.headers = _JSON if headers is None else headers
        self.applied = applied


def _api_headers(request_id: bytes, in_flight: int) -> list[tuple[bytes, bytes]]:
    """The headers Twilio puts on every API answer.

    `Twilio-Concurrent-Requests` is the account's requests in flight, this one included
    (Twilio documents it as the header to watch before 20429s start:
    https://www.twilio.com/docs/api/errors/20429; captured answers show `1` for a lone
    request).
    """
    return [
        (b"twilio-request-id", request_id),
        (b"twilio-concurrent-requests", str(in_flight).encode()),
    ]


def _too_many_requests() -> _Response:
    """Twilio's answer beyond the account's concurrency: 429, code 20429.

    No `Retry-After`: Twilio documents none for 20429 (its docs say only to back off and
    retry, https://www.twilio.com/docs/errors/20429), so a client must back off by itself.
    """
    return _Response(429, error_body(429, TOO_MANY_REQUESTS, "Too many requests"), list(_JSON))


def _error(exc: ApiError) -> _Response:
    headers = list(_JSON)
    if exc.code == UNAUTHENTICATED:
        headers.append((b"www-authenticate", b'Basic realm="Twilio API"'))
    return _Response(exc.status, error_body(exc.status, exc.code, exc.message), headers)


# --- routing ----------------------------------------------------------------------------

# (segment count, literal segments by position) -> {method: operation id}
_ROUTES: dict[tuple[str, ...], dict[str, str]] = {
    ("Sims",): {"GET": "ListSim"},
    ("Sims", "*"): {"GET": "FetchSim", "POST": "UpdateSim", "DELETE": "DeleteSim"},
    ("Sims", "*", "UsageRecords"): {"GET": "ListUsageRecord"},
    ("Sims", "*", "DataSessions"): {"GET": "ListDataSession"},
    ("Commands",): {"GET": "ListCommand", "POST": "CreateCommand"},
    ("Commands", "*"): {"GET": "FetchCommand", "DELETE": "DeleteCommand"},
    ("RatePlans",): {"GET": "ListRatePlan", "POST": "CreateRatePlan"},
    ("RatePlans", "*"): {
        "GET": "FetchRatePlan",
        "POST": "UpdateRatePlan",
        "DELETE": "DeleteRatePlan",
    },
    ("UsageRecords",): {"GET": "ListAccountUsageRecord"},
}
OPERATIONS = frozenset(operation for methods in _ROUTES.values() for operation in methods.values())
"""The operation IDs of the spec the simulator implements."""


def resolve(raw_path: str) -> tuple[dict[str, str] | None, str | None]:
    """(the route's operations by method, the path parameter) for a raw path."""
    parts = raw_path.split("/")
    if len(parts) < 3 or parts[0] != "" or parts[1] != "v1":
        return None, None
    segments = parts[2:]
    if segments and segments[-1] == "" and len(segments) > 1:
        segments = segments[:-1]  # a trailing slash
    if len(segments) == 1:
        return _ROUTES.get((segments[0],)), None
    if len(segments) in (2, 3):
        key = (segments[0], "*", *segments[2:])
        param = unquote(segments[1])
        if param == "":
            return None, None
        return _ROUTES.get(key), param
    return None, None


# --- parameter parsing ------------------------------------------------------------------


class _Form:
    """Form or query parameters with Twilio's value rules."""

    __slots__ = ("values",)

    def __init__(self, values: Query) -> None:
        self.values = values

    def text(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[-1] if found else None

    def has(self, name: str) -> bool:
        return name in self.values

    def boolean(self, name: str) -> bool | None:
        raw = self.text(name)
        if raw is None:
            return None
        lowered = raw.strip().lower()
        if lowered in {"true", "false"}:
            return lowered == "true"
        raise invalid(f"{name} must be true or false, got {raw!r}")

    def integer(self, name: str, *, maximum: int) -> int | None:
        raw = self.text(name)
        if raw is None:
            return None
        text = raw.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if not digits.isdigit() or not digits.isascii() or len(digits) > 18:
            raise invalid(f"{name} must be an integer, got {raw!r}")
        value = int(text)
        if not 0 <= value <= maximum:
            raise invalid(f"{name} must be between 0 and {maximum}, got {value}")
        return value

    def choice(self, name: str, allowed: tuple[str, ...] | frozenset[str]) -> str | None:
        raw = self.text(name)
        if raw is None:
            return None
        if raw not in allowed:
            raise invalid(f"{name} must be one of {', '.join(sorted(allowed))}; got {raw!r}")
        return raw

    def method(self, name: str) -> str | None:
        raw = self.text(name)
        if raw is None:
            return None
        if raw.upper() not in _METHODS:
            raise invalid(f"{name} must be GET or POST, got {raw!r}")
        return raw.upper()

    def url(self, name: str) -> str | None:
        """A URL; an empty value clears the field (returns "")."""
        raw = self.text(name)
        if raw is None or raw == "":
            return raw
        if not _absolute_http_url(raw):
            raise invalid(f"{name} must be an absolute http:// or https:// URL, got {raw!r}")
        return raw

    def filter(self, name: str) -> str | None:
        raw = self.text(name)
        return raw if raw else None


@functools.lru_cache(maxsize=256)  # a fleet's updates name the same callback URL
def _absolute_http_url(raw: str) -> bool:
    try:
        parsed = httpx.URL(raw)
    except (httpx.InvalidURL, ValueError, TypeError):
        return False
    return parsed.scheme in {"http", "https"} and bool(parsed.host)


def _parse_query(raw: bytes) -> Query:
    if not raw:
        return {}
    try:
        return parse_qs(raw.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        raise invalid("the query string is not valid UTF-8") from None


# --- the app ----------------------------------------------------------------------------


class SimulatorApp:
    """The ASGI application of one `WirelessSimulator` (its `app` attribute)."""

    def __init__(self, simulator: WirelessSimulator) -> None:
        self._sim = simulator
        self._state = simulator._state
        self._bases: dict[tuple[str, str], tuple[str, bytes]] = {}
        self._expected_auth = b"Basic " + base64.b64encode(
            f"{simulator.account_sid}:{simulator.auth_token}".encode()
        )
        self._request_number = 0
        self._meta_extras = self._state.vocabulary.extra_fields("PageMeta", META_FIELDS)
        self._handlers: dict[str, Callable[[_Call], _Response]] = {
            "ListSim": self._list_sims,
            "FetchSim": self._fetch_sim,
            "UpdateSim": self._update_sim,
            "DeleteSim": self._delete_sim,
            "ListUsageRecord": self._list_sim_usage,
            "ListDataSession": self._list_data_sessions,
            "ListCommand": self._list_commands,
            "CreateCommand": self._create_command,
            "FetchCommand": self._fetch_command,
            "DeleteCommand": self._delete_command,
            "ListRatePlan": self._list_rate_plans,
            "CreateRatePlan": self._create_rate_plan,
            "FetchRatePlan": self._fetch_rate_plan,
            "UpdateRatePlan": self._update_rate_plan,
            "DeleteRatePlan": self._delete_rate_plan,
            "ListAccountUsageRecord": self._list_account_usage,
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "lifespan":
            await self._lifespan(receive, send)
            return
        if kind != "http":
            return
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        if scope["path"].startswith(ADMIN_PREFIX):
            await self._admin(scope, body, send)
            return
        await self._handle(scope, receive, body, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._sim.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _base(self, scope: Scope, headers: Mapping[str, str]) -> tuple[str, bytes]:
        scheme = scope.get("scheme", "http")
        host = headers.get("host", "")
        key = (scheme, host)
        found = self._bases.get(key)
        if found is None:
            if not host or not _HOST.match(host):
                server = scope.get("server") or ("localhost", None)
                host = server[0] if server[1] is None else f"{server[0]}:{server[1]}"
            text = f"{scheme}://{host}"
            found = (text, text.encode("ascii", "replace"))
            if len(self._bases) < 64:
                self._bases[key] = found
        return found

    def _request_id(self) -> bytes:
        """Twilio's `Twilio-Request-Id`: RQ and 32 hex digits, one per answer."""
        self._request_number += 1
        return f"RQ{self._request_number:032x}".encode()

    async def _admin(self, scope: Scope, body: bytes, send: Send) -> None:
        status, headers, text = admin_answer(
            self._sim, scope["method"], scope["path"], scope.get("client"), body
        )
        answer = _Response(status, text, headers)
        await self._send(send, answer, [(b"twilio-request-id", self._request_id())])

    async def _handle(self, scope: Scope, receive: Receive, body: bytes, send: Send) -> None:
        sim = self._sim
        sim.settle()
        method: str = scope["method"]
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        path_text = raw_path.decode("latin-1").partition("?")[0]
        headers: dict[str, str] = {}
        for name, value in scope.get("headers", ()):
            headers[name.decode("latin-1").lower()] = value.decode("latin-1")
        routes, param = resolve(path_text)
        operation = routes.get(method) if routes is not None else None
        query: Query = {}
        form: Query = {}
        response: _Response | None = None
        try:
            query = _parse_query(scope.get("query_string", b""))
            if method == "POST":
                form = self._parse_form(headers, body)
        except ApiError as exc:
            response = _error(exc)
        # Logged on arrival, completed below: a request whose answer never left (dropped,
        # or the client gave up during a delay) stays in the log with status None.
        clock = sim.clock
        logged = {name: value for name, value in headers.items() if name != "authorization"}
        entry = RecordedRequest(
            method=method,
            path=scope["path"],
            query=query,
            form=form,
            headers=logged,
            operation=operation,
            time=clock.monotonic(),
            timestamp=clock.now(),
        )
        sim.requests.append(entry)
        request_id = self._request_id()
        limits = sim._limits
        in_flight = limits.admit()
        if in_flight is None:
            # Twilio refuses a request beyond the account's concurrency at once; it was
            # never processed (https://www.twilio.com/docs/api/errors/20429).
            entry.status = 429
            await self._send(send, _too_many_requests(), _api_headers(request_id, limits.in_flight))
            return
        try:
            outcome = await self._outcome(
                scope, headers, entry, method, routes, operation, param, query, form, response
            )
        finally:
            limits.release()
        if outcome is None:
            await close_connection(scope, receive)
            return
        answer, fault = outcome
        entry.status = answer.status
        extra = _api_headers(request_id, in_flight)
        if fault is None or not fault.streams:
            await self._send(send, answer, extra)
            return
        body_headers, declared, total, blocks = fault_body(fault, answer.body)
        replaced = {name for name, _ in body_headers}
        sent_headers = [
            *(header for header in answer.headers if header[0] not in replaced),
            *body_headers,
            *extra,
        ]
        if declared is not None:
            sent_headers.append((b"content-length", str(declared).encode()))
        chunks = shaped_chunks(fault, blocks, declared, total)
        await send_shaped(scope, receive, send, answer.status, sent_headers, chunks)

    async def _outcome(
        self,
        scope: Scope,
        headers: dict[str, str],
        entry: RecordedRequest,
        method: str,
        routes: dict[str, str] | None,
        operation: str | None,
        param: str | None,
        query: Query,
        form: Query,
        response: _Response | None,
    ) -> tuple[_Response, Fault | None] | None:
        """The answer and the fault shaping it, or None to drop the connection."""
        sim = self._sim
        fault: Fault | None = None
        header_fault = headers.get("x-simulator-fault")
        if header_fault is not None:
            try:
                fault = Fault.parse(header_fault)
            except ValueError as exc:
                response = _error(invalid(f"X-Simulator-Fault: {exc}"))
        elif sim.faults:
            fault = sim.faults.match(method, scope["path"], operation)
        entry.fault = fault
        await sim._limits.wait_latency()
        if fault is not None and not fault.after:
            if fault.delay:
                await anyio.sleep(fault.delay)
            if fault.replaces:
                return self._replacement(fault)
        if response is None:
            try:
                response = self._dispatch(
                    scope, headers, method, routes, operation, param, query, form
                )
            except ApiError as exc:
                response = _error(exc)
            except Exception:
                logger.exception("simulator failure on %s %s", method, scope["path"])
                response = _Response(500, error_body(500, 20500, "Internal simulator error"))
        entry.applied = response.applied
        sim.after_request()
        if fault is not None and fault.after:
            if fault.delay:
                await anyio.sleep(fault.delay)
            if fault.replaces:
                return self._replacement(fault)
        return response, fault

    def _replacement(self, fault: Fault) -> tuple[_Response, Fault] | None:
        """The answer a fault replaces the real one with (None: drop the connection)."""
        if fault.drop:
            return None
        status = fault.status
        if status is None:
            # A synthetic body (oversize, endless, bomb) on a success status.
            return _Response(200, b"", list(_JSON)), fault
        if status == 429:
            self._sim._limits.too_many["fault"] += 1
        headers: list[tuple[bytes, bytes]]
        if fault.html:
            body = html_error_body(status)
            headers = list(_HTML)
        else:
            body = error_body(status, code_for_status(status), _fault_message(status))
            headers = list(_JSON)
        if fault.retry_after is not None:
            headers.append((b"retry-after", f"{fault.retry_after:g}".encode()))
        return _Response(status, body, headers), fault

    async def _send(
        self, send: Send, response: _Response, extra: list[tuple[bytes, bytes]]
    ) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [
                    *response.headers,
                    (b"content-length", str(len(response.body)).encode()),
                    *extra,
                ],
            }
        )
        await send({"type": "http.response.body", "body": response.body})

    def _parse_form(self, headers: Mapping[str, str], body: bytes) -> Query:
        if not body:
            return {}
        content_type = headers.get("content-type", "application/x-www-form-urlencoded")
        if content_type.split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
            raise invalid(
                f"Content-Type must be application/x-www-form-urlencoded, got {content_type!r}"
            )
        try:
            return parse_qs(body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError:
            raise invalid("the request body is not valid UTF-8") from None

    def _authenticated(self, headers: Mapping[str, str]) -> bool:
        given = headers.get("authorization")
        if given is None:
            return False
        raw = given.encode("latin-1")
        if raw == self._expected_auth:
            return True
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return False
        username, _, password = decoded.partition(":")
        return username == self._sim.account_sid and password == self._sim.auth_token

    def _dispatch(
        self,
        scope: Scope,
        headers: Mapping[str, str],
        method: str,
        routes: dict[str, str] | None,
        operation: str | None,
        param: str | None,
        query: Query,
        form: Query,
    ) -> _Response:
        if routes is None:
            raise not_found(scope["path"])
        if not self._authenticated(headers):
            raise ApiError(401, UNAUTHENTICATED, "Authenticate")
        if operation is None:
            allowed = ", ".join(sorted(routes))
            response = _error(
                ApiError(405, METHOD_NOT_ALLOWED, f"Method {method} not allowed; use {allowed}")
            )
            response.headers = [*response.headers, (b"allow", allowed.encode())]
            return response
        base, base_bytes = self._base(scope, headers)
        raw_path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
        call = _Call(raw_path.partition("?")[0], base, base_bytes, param, _Form(query), _Form(form))
        return self._handlers[operation](call)

    # --- lookups -----------------------------------------------------------------------

    def _sim_at(self, call: _Call) -> SimRecord:
        assert call.param is not None
        found = self._state.sims.lookup(call.param)
        if found is None:
            raise not_found(call.path)
        return found

    def _plan_at(self, call: _Call) -> RatePlanRecord:
        assert call.param is not None
        found = self._state.rate_plans.lookup(call.param)
        if found is None:
            raise not_found(call.path)
        return found

    def _command_at(self, call: _Call) -> CommandRecord:
        assert call.param is not None
        found = self._state.commands.by_sid.get(call.param)
        if found is None:
            raise not_found(call.path)
        return found

    # --- SIMs ----------------------------------------------------------------------------

    def _list_sims(self, call: _Call) -> _Response:
        query = call.query
        status = _one_of(query, "Status", self._state.vocabulary.sim_statuses, "a Sim status")
        iccid = query.filter("Iccid")
        plan_key = query.filter("RatePlan")
        e_id = query.filter("EId")
        code = query.filter("SimRegistrationCode")
        request = PageRequest.from_query(query.values)
        plan_sid: str | None = None
        if plan_key is not None:
            plan = self._state.rate_plans.lookup(plan_key)
            plan_sid = plan.sid if plan is not None else "-"  # unknown plan: no SIM matches
        filters, predicate = _filters(
            ("Status", status, "status", status),
            ("Iccid", iccid, "iccid", iccid),
            ("RatePlan", plan_key, "rate_plan_sid", plan_sid),
            ("EId", e_id, "e_id", e_id),
            ("SimRegistrationCode", code, "sim_registration_code", code),
        )
        return self._page(call, "sims", self._state.sims, request, predicate, filters)

    def _page(
        self,
        call: _Call,
        key: str,
        collection: Collection[Any],
        request: PageRequest,
        predicate: Callable[[Any], bool] | None,
        filters: list[tuple[str, str]],
        *,
        newest_first: bool = False,
    ) -> _Response:
        found, more = collection.select(request, predicate, newest_first=newest_first)
        base_bytes = call.base_bytes
        items: list[Record] = found
        meta = page_meta(
            key=key,
            base=call.base,
            path=call.path,
            filters=filters,
            request=request,
            first=items[0].seq if items else None,
            last=items[-1].seq if items else None,
            more=more,
            extra=self._meta_extras,
        )
        body = b"".join(
            (
                b'{"',
                key.encode(),
                b'":[',
                b",".join([record.json_bytes(base_bytes) for record in items]),
                b'],"meta":',
                meta,
                b"}",
            )
        )
        return _Response(200, body)

    def _fetch_sim(self, call: _Call) -> _Response:
        return _Response(200, self._sim_at(call).json_bytes(call.base_bytes))

    def _update_sim(self, call: _Call) -> _Response:
        state = self._state
        sim = self._sim_at(call)
        form = call.form
        # Check everything first: a refused update changes nothing.
        callback_url = form.url("CallbackUrl") or None
        callback_method = form.method("CallbackMethod") or "POST"
        urls = {
            name: form.url(param)
            for name, param in (
                ("commands_callback_url", "CommandsCallbackUrl"),
                ("sms_url", "SmsUrl"),
                ("sms_fallback_url", "SmsFallbackUrl"),
                ("voice_url", "VoiceUrl"),
                ("voice_fallback_url", "VoiceFallbackUrl"),
            )
        }
        methods = {
            name: form.method(param)
            for name, param in (
                ("commands_callback_method", "CommandsCallbackMethod"),
                ("sms_method", "SmsMethod"),
                ("sms_fallback_method", "SmsFallbackMethod"),
                ("voice_method", "VoiceMethod"),
                ("voice_fallback_method", "VoiceFallbackMethod"),
            )
        }
        unique_name = form.text("UniqueName")
        if unique_name:
            state.check_unique_name(unique_name, "DE", sim)
        friendly_name = form.text("FriendlyName")
        account_sid = form.text("AccountSid")
        if account_sid is not None and not _ACCOUNT.match(account_sid):
            raise invalid(f"AccountSid {account_sid!r} is not an Account SID (AC...)")
        plan: RatePlanRecord | None = None
        plan_key = form.text("RatePlan")
        if plan_key:
            plan = state.rate_plans.lookup(plan_key)
            if plan is None:
                raise not_found(f"/v1/RatePlans/{plan_key}")
        status = form.text("Status")
        status_outcome = "same"
        if status is not None and status != "":
            status_outcome = state.check_status_change(
                sim, status, plan is not None or sim.rate_plan_sid is not None
            )
        reset = form.text("ResetStatus")
        reset_running = False
        if reset is not None and reset != "":
            if reset != "resetting":
                raise invalid(f"ResetStatus must be resetting, got {reset!r}")
            reset_running = state.check_reset(sim)
        # Apply.
        if unique_name is not None:
            state.rename_sim(sim, unique_name or None)
        if friendly_name is not None:
            sim.friendly_name = friendly_name
        if account_sid is not None:
            sim.account_sid = account_sid
        if plan is not None:
            state.assign_rate_plan(sim, plan)
        for name, value in urls.items():
            if value is not None:
                setattr(sim, name, value or None)
        for name, value in methods.items():
            if value is not None:
                setattr(sim, name, value)
        accepted = False
        if status_outcome == "change":
            assert status is not None
            state.start_status_change(sim, status, callback_url, callback_method)
            accepted = True
        elif status_outcome == "pending":
            accepted = True
        if reset is not None and reset != "":
            if not reset_running:
                state.start_reset(sim, callback_url, callback_method)
            accepted = True
        sim.touch(state.now_text())
        if callback_url is not None and not accepted:
            state.sim_callback(sim, callback_url, callback_method, {})
        return _Response(202 if accepted else 200, sim.json_bytes(call.base_bytes), applied=True)

    def _delete_sim(self, call: _Call) -> _Response:
        self._state.delete_sim(self._sim_at(call))
        return _Response(204, b"", [], applied=True)

    def _list_sim_usage(self, call: _Call) -> _Response:
        sim = self._sim_at(call)
        times = self._state.command_times.get(sim.sid, ([], []))
        return self._usage_page(call, sim.sid, sim.sid, self._rate(sim), times)

    def _rate(self, sim: SimRecord) -> float:
        return data_rate(sim.sid, sim.status)

    def _usage_page(
        self,
        call: _Call,
        key: str,
        sim_sid: str | None,
        rate: float,
        times: tuple[list[dt.datetime], list[dt.datetime]],
    ) -> _Response:
        query = call.query
        period = parse_period(query.values, self._sim.clock.now())
        request = PageRequest.from_query(query.values)
        indices = range(period.count)
        found, more = select(indices, indices, request, None)
        records = [
            usage_record(
                key=key,
                account_sid=self._state.account_sid,
                rate=rate,
                period=period,
                index=index,
                to_sim_times=times[0],
                from_sim_times=times[1],
                sim_sid=sim_sid,
            )
            for index in found
        ]
        model = "SimUsageRecord" if sim_sid is not None else "AccountUsageRecord"
        complete = self._state.vocabulary.complete
        records = [complete(model, record) for record in records]
        filters = [
            (name, value)
            for name in ("Start", "End", "Granularity")
            if (value := query.filter(name)) is not None
        ]
        return self._computed_page(call, "usage_records", records, found, more, request, filters)

    def _computed_page(
        self,
        call: _Call,
        key: str,
        records: list[dict[str, Any]],
        indices: list[int],
        more: bool,
        request: PageRequest,
        filters: list[tuple[str, str]],
    ) -> _Response:
        meta = page_meta(
            key=key,
            base=call.base,
            path=call.path,
            filters=filters,
            request=request,
            first=indices[0] if indices else None,
            last=indices[-1] if indices else None,
            more=more,
            extra=self._meta_extras,
        )
        items = json.dumps(records, separators=(",", ":")).encode()
        return _Response(
            200, b"".join((b'{"', key.encode(), b'":', items, b',"meta":', meta, b"}"))
        )

    def _list_data_sessions(self, call: _Call) -> _Response:
        sim = self._sim_at(call)
        request = PageRequest.from_query(call.query.values)
        sessions = data_sessions(sim.sid, sim.account_sid, sim.status, self._state.epoch)
        indices = range(len(sessions))
        found, more = select(indices, indices, request, None)
        complete = self._state.vocabulary.complete
        page = [complete("DataSession", sessions[i]) for i in found]
        return self._computed_page(call, "data_sessions", page, list(found), more, request, [])

    def _list_account_usage(self, call: _Call) -> _Response:
        state = self._state
        times = state.command_times.get("", ([], []))
        return self._usage_page(call, state.account_sid, None, state.account_rate(), times)

    # --- Commands ------------------------------------------------------------------------

    def _list_commands(self, call: _Call) -> _Response:
        query = call.query
        sim_key = query.filter("Sim")
        vocabulary = self._state.vocabulary
        status = _one_of(query, "Status", vocabulary.command_statuses, "a Command status")
        direction = _one_of(query, "Direction", vocabulary.command_directions, "a direction")
        transport = _one_of(query, "Transport", vocabulary.command_transports, "a transport")
        request = PageRequest.from_query(query.values)
        sim_sid: str | None = None
        if sim_key is not None:
            sim = self._state.sims.lookup(sim_key)
            sim_sid = sim.sid if sim is not None else "-"  # unknown SIM: no Command matches
        filters, predicate = _filters(
            ("Sim", sim_key, "sim_sid", sim_sid),
            ("Status", status, "status", status),
            ("Direction", direction, "direction", direction),
            ("Transport", transport, "transport", transport),
        )
        return self._page(
            call, "commands", self._state.commands, request, predicate, filters, newest_first=True
        )

    def _create_command(self, call: _Call) -> _Response:
        form = call.form
        text = form.text("Command")
        if text is None or text == "":
            raise invalid("Missing required parameter Command in the post body")
        sim_key = form.text("Sim")
        if not sim_key:
            raise invalid("Missing required parameter Sim in the post body")
        mode = form.choice("CommandMode", ("text", "binary")) or "text"
        include_sid = form.choice("IncludeSid", _INCLUDE_SID) or "none"
        receipt = form.boolean("DeliveryReceiptRequested")
        callback_url = form.url("CallbackUrl") or None
        callback_method = form.method("CallbackMethod") or "POST"
        if mode == "binary":
            if include_sid != "none":
                raise invalid("IncludeSid is only supported for text mode Commands")
            try:
                payload = base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                raise invalid("Command must be base64 in binary mode") from None
            if not 1 <= len(payload) <= MAX_BINARY:
                raise invalid(f"a binary Command must be 1 to {MAX_BINARY} bytes")
        else:
            limit = MAX_TEXT if include_sid == "none" else MAX_TEXT_WITH_SID
            if len(text) > limit:
                raise invalid(f"a text Command must be at most {limit} characters")
        sim = self._state.sims.lookup(sim_key)
        if sim is None:
            raise not_found(f"/v1/Sims/{sim_key}")
        command = self._state.add_command(
            sim,
            text,
            command_mode=mode,
            delivery_receipt_requested=True if receipt is None else receipt,
            include_sid=include_sid,
            callback_url=callback_url,
            callback_method=callback_method,
        )
        return _Response(201, command.json_bytes(call.base_bytes), applied=True)

    def _fetch_command(self, call: _Call) -> _Response:
        self._check_command_sid(call)
        return _Response(200, self._command_at(call).json_bytes(call.base_bytes))

    def _delete_command(self, call: _Call) -> _Response:
        self._check_command_sid(call)
        self._state.delete_command(self._command_at(call))
        return _Response(204, b"", [], applied=True)

    def _check_command_sid(self, call: _Call) -> None:
        if call.param is None or not _COMMAND_SID.match(call.param):
            raise not_found(call.path)

    # --- Rate Plans ----------------------------------------------------------------------

    def _list_rate_plans(self, call: _Call) -> _Response:
        request = PageRequest.from_query(call.query.values)
        return self._page(call, "rate_plans", self._state.rate_plans, request, None, [])

    def _create_rate_plan(self, call: _Call) -> _Response:
        form = call.form
        state = self._state
        fields: dict[str, Any] = {}
        unique_name = form.text("UniqueName")
        if unique_name:
            state.check_unique_name(unique_name, "WP", None)
            fields["unique_name"] = unique_name
        friendly_name = form.text("FriendlyName")
        if friendly_name is not None:
            fields["friendly_name"] = friendly_name
        for name, param in (
            ("data_enabled", "DataEnabled"),
            ("messaging_enabled", "MessagingEnabled"),
            ("voice_enabled", "VoiceEnabled"),
            ("national_roaming_enabled", "NationalRoamingEnabled"),
        ):
            flag = form.boolean(param)
            if flag is not None:
                fields[name] = flag
        for name, param in (
            ("data_limit", "DataLimit"),
            ("national_roaming_data_limit", "NationalRoamingDataLimit"),
            ("international_roaming_data_limit", "InternationalRoamingDataLimit"),
        ):
            limit = form.integer(param, maximum=MAX_DATA_LIMIT)
            if limit is not None:
                fields[name] = limit
        metering = form.choice("DataMetering", _METERING)
        if metering is not None:
            fields["data_metering"] = metering
        strategy = form.choice("DataLimitStrategy", _STRATEGIES)
        if strategy is not None:
            fields["data_limit_strategy"] = strategy
        roaming = form.values.get("InternationalRoaming")
        if roaming is not None:
            services = [item for value in roaming for item in value.split(",") if item]
            for service in services:
                if service not in _ROAMING:
                    raise invalid(
                        f"InternationalRoaming values must be data, messaging or voice; "
                        f"got {service!r}"
                    )
            fields["international_roaming"] = list(dict.fromkeys(services))
        plan = state.add_rate_plan(**fields)
        return _Response(201, plan.json_bytes(call.base_bytes), applied=True)

    def _fetch_rate_plan(self, call: _Call) -> _Response:
        return _Response(200, self._plan_at(call).json_bytes(call.base_bytes))

    def _update_rate_plan(self, call: _Call) -> _Response:
        state = self._state
        plan = self._plan_at(call)
        form = call.form
        unique_name = form.text("UniqueName")
        if unique_name:
            state.check_unique_name(unique_name, "WP", plan)
        friendly_name = form.text("FriendlyName")
        if unique_name is not None:
            state.rename_rate_plan(plan, unique_name or None)
        if friendly_name is not None:
            plan.friendly_name = friendly_name
        plan.touch(state.now_text())
        return _Response(200, plan.json_bytes(call.base_bytes), applied=True)

    def _delete_rate_plan(self, call: _Call) -> _Response:
        self._state.delete_rate_plan(self._plan_at(call))
        return _Response(204, b"", [], applied=True)


class _Call:
    """What a handler needs from one request."""

    __slots__ = ("base", "base_bytes", "form", "param", "path", "query")

    def __init__(
        self, path: str, base: str, base_bytes: bytes, param: str | None, query: _Form, form: _Form
    ) -> None:
        self.path = path
        self.base = base
        self.base_bytes = base_bytes
        self.param = param
        self.query = query
        self.form = form


def _fault_message(status: int) -> str:
    if status == 429:
        return "Too Many Requests"
    if status >= 500:
        return "Service unavailable, please retry" if status == 503 else "Internal Server Error"
    return "Injected error"


def _one_of(query: _Form, name: str, allowed: frozenset[str], what: str) -> str | None:
    """A list filter that must be one of the values the spec documents (or None)."""
    value = query.filter(name)
    if value is not None and value not in allowed:
        raise invalid(
            f"{name} {value!r} is not {what}; expected one of {', '.join(sorted(allowed))}"
        )
    return value


def _filters(
    *conditions: tuple[str, str | None, str, str | None],
) -> tuple[list[tuple[str, str]], Callable[[Any], bool] | None]:
    """From (query name, query value, record attribute, value it must have) conditions:
    the filters a list echoes in its page URLs, and the predicate selecting its records."""
    echoed = [(name, value) for name, value, _, _ in conditions if value is not None]
    wanted = [(attr, expected) for _, value, attr, expected in conditions if value is not None]
    if not wanted:
        return echoed, None

    # One C-level attrgetter and a tuple comparison per record keeps filtered pages cheap.
    get = operator.attrgetter(*(attr for attr, _ in wanted))
    target: Any = wanted[0][1] if len(wanted) == 1 else tuple(value for _, value in wanted)

    def predicate(record: Any) -> bool:
        return bool(get(record) == target)

    return echoed, predicate
