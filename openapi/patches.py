"""The project's own fixes to Twilio's Wireless v1 OpenAPI description.

Each patch is a small named step with a one-line reason. It first asserts that the
spec still looks the way the patch expects and raises `PatchError` otherwise, so an
upstream change that fixes (or moves) the problem fails codegen loudly instead of
the patch silently doing nothing. `codegen.py` applies them in order.

Wire formats (lowercase booleans, repeated array keys, UTC `...Z` date-times,
percent-encoded path parameters) are not spec problems: the templates in
`openapi/templates/` and httpx's own encoding produce them.
"""

from __future__ import annotations

import ast
import copy
import linecache
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

Spec = dict[str, Any]


class PatchError(Exception):
    """The spec no longer matches what a patch expects: review the patch."""

    def __init__(self, message: str, failures: Sequence[PatchFailure] = ()) -> None:
        super().__init__(message)
        self.failures = tuple(failures)


@dataclass(frozen=True)
class PatchFailure:
    """One patch that did not fit the spec: what it expected, what it found, where."""

    name: str
    reason: str
    expected: str
    found: str
    where: str

    def __str__(self) -> str:
        """Several lines naming the patch, as the user reads them."""
        return (
            f"patch {self.name!r} ({self.reason})\n"
            f"    expected: {self.expected}\n"
            f"    found:    {self.found}\n"
            f"    at {self.where}"
        )


@dataclass(frozen=True)
class SpecPatch:
    name: str
    reason: str
    apply: Callable[[Spec], None]


PATCHES: list[SpecPatch] = []


def patch(reason: str) -> Callable[[Callable[[Spec], None]], Callable[[Spec], None]]:
    def register(fn: Callable[[Spec], None]) -> Callable[[Spec], None]:
        PATCHES.append(SpecPatch(fn.__name__, reason, fn))
        return fn

    return register


def expect(condition: bool, message: str) -> None:
    """Stop the patch with `message` (what it found instead) unless `condition` holds."""
    if not condition:
        raise PatchError(message)


def apply_patches(spec: Spec) -> Spec:
    """Return a patched deep copy of `spec`, or raise one PatchError naming every failure."""
    patched = copy.deepcopy(spec)
    failures: list[PatchFailure] = []
    for step in PATCHES:
        # Each patch works on a copy so a failed one leaves no half-applied change behind
        # and the later patches still run: the user sees every failure at once.
        candidate = copy.deepcopy(patched)
        try:
            step.apply(candidate)
        except Exception as exc:  # any exception inside a patch means the spec moved
            failures.append(_failure(step, exc))
        else:
            patched = candidate
    if failures:
        header = f"{len(failures)} of {len(PATCHES)} patches no longer fit the spec:"
        raise PatchError("\n".join([header, *map(str, failures)]), failures)
    return patched


def _failure(step: SpecPatch, exc: Exception) -> PatchFailure:
    """Describe `exc`, raised inside `step`, by the patch's own source line."""
    where, statement = _raising_statement(exc)
    if isinstance(exc, PatchError):
        return PatchFailure(step.name, step.reason, _condition(statement), str(exc), where)
    if isinstance(exc, KeyError):
        expected = f"key {exc.args[0]!r}, read by `{statement}`"
        return PatchFailure(step.name, step.reason, expected, "no such key (KeyError)", where)
    found = f"{type(exc).__name__}: {exc}"
    return PatchFailure(step.name, step.reason, f"`{statement}` to run", found, where)


def _raising_statement(exc: Exception) -> tuple[str, str]:
    """`FILE:LINE` and source of the innermost statement inside the patch that raised `exc`."""
    # The traceback starts in apply_patches (this file); the patch's own frames follow it.
    # Prefer the project's frames: an error deep in the stdlib says little about the patch.
    project = Path(__file__).resolve().parent.parent
    frames = [f for f in traceback.extract_tb(exc.__traceback__)[1:] if f.name != "expect"]
    ours = [f for f in frames if Path(f.filename).resolve().is_relative_to(project)]
    if not frames:
        return "?", "?"
    frame = (ours or frames)[-1]
    start = frame.lineno or 0
    lines = linecache.getlines(frame.filename)[max(start - 1, 0) : frame.end_lineno or start]
    source = " ".join(line.strip() for line in lines)
    path = Path(frame.filename).resolve()
    shown = path.relative_to(project) if path.is_relative_to(project) else path
    return f"{shown}:{start}", source


def _condition(statement: str) -> str:
    """The first argument of an `expect(...)` call, as source; else the statement."""
    try:
        call = ast.parse(statement.strip().rstrip(","), mode="eval").body
    except SyntaxError:
        return statement
    if isinstance(call, ast.Call) and call.args:
        return ast.unparse(call.args[0])
    return statement


def _schemas(spec: Spec) -> dict[str, Any]:
    schemas: dict[str, Any] = spec["components"]["schemas"]
    return schemas


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _operations(spec: Spec) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method in ("get", "post", "put", "patch", "delete"):
            if method in item:
                yield path, method, item[method]


def _operation(spec: Spec, operation_id: str) -> dict[str, Any]:
    found = [op for _, _, op in _operations(spec) if op.get("operationId") == operation_id]
    expect(len(found) == 1, f"expected one operation {operation_id!r}, found {len(found)}")
    return found[0]


# --- 1 ---------------------------------------------------------------------------

NULLABLE_ENUM_PROPERTIES = {
    "wireless.v1.sim": ("status", "reset_status"),
    "wireless.v1.command": ("command_mode", "transport", "status", "direction"),
}


@patch("the API returns null for these enum fields, but a bare $ref cannot be nullable")
def nullable_enum_refs(spec: Spec) -> None:
    schemas = _schemas(spec)
    for schema_name, properties in NULLABLE_ENUM_PROPERTIES.items():
        props = schemas[schema_name]["properties"]
        for prop in properties:
            current = props.get(prop)
            expect(
                isinstance(current, dict) and set(current) == {"$ref"},
                f"{schema_name}.{prop} is no longer a bare $ref: {current!r}",
            )
            props[prop] = {"allOf": [current], "nullable": True}


# --- 2 ---------------------------------------------------------------------------


@patch("UpdateSim answers 202 Accepted with the Sim while a status change runs")
def update_sim_accepts_202(spec: Spec) -> None:
    responses = _operation(spec, "UpdateSim")["responses"]
    expect(set(responses) == {"200"}, f"UpdateSim responses changed: {sorted(responses)}")
    accepted = copy.deepcopy(responses["200"])
    accepted["description"] = "Accepted: the change completes in the background"
    responses["202"] = accepted


# --- 3 ---------------------------------------------------------------------------

DOCUMENTED_ENUM_VALUES = {"sim_enum_status": ("deleted",)}


@patch("enum values listed in the description are missing from the enum")
def documented_enum_values(spec: Spec) -> None:
    schemas = _schemas(spec)
    for schema_name, values in DOCUMENTED_ENUM_VALUES.items():
        schema = schemas[schema_name]
        for value in values:
            expect(value not in schema["enum"], f"{schema_name} already lists {value!r}")
            expect(
                f"`{value}`" in schema.get("description", ""),
                f"{schema_name}'s description no longer documents {value!r}",
            )
            schema["enum"].append(value)


# --- 4 ---------------------------------------------------------------------------

ERROR_SCHEMA = "twilio_error_body"


@patch("Twilio's JSON error body has no schema; the facade parses it into this model")
def twilio_error_schema(spec: Spec) -> None:
    # Deliberately NOT referenced from any 4XX/5XX/default response: the generated
    # parser would then read 2xx bodies as errors and raise JSONDecodeError on an
    # HTML 502. The facade maps non-2xx responses itself.
    schemas = _schemas(spec)
    expect(ERROR_SCHEMA not in schemas, f"{ERROR_SCHEMA} already exists")
    schemas[ERROR_SCHEMA] = {
        "type": "object",
        "description": "The JSON body Twilio sends with a 4xx or 5xx response.",
        "properties": {
            "code": {
                "type": "integer",
                "nullable": True,
                "description": "Twilio's error code, e.g. 20404.",
            },
            "message": {"type": "string", "nullable": True},
            "more_info": {"type": "string", "format": "uri", "nullable": True},
            "status": {"type": "integer", "nullable": True, "description": "The HTTP status."},
        },
    }


# --- 5 ---------------------------------------------------------------------------

PAGE_META_SCHEMA = "page_meta"
LIST_OPERATIONS = (
    "ListSim",
    "ListCommand",
    "ListRatePlan",
    "ListDataSession",
    "ListUsageRecord",
    "ListAccountUsageRecord",
)


@patch("six list responses declare the same inline `meta`; generate one PageMeta model")
def shared_page_meta(spec: Spec) -> None:
    metas = []
    for operation_id in LIST_OPERATIONS:
        schema = _operation(spec, operation_id)["responses"]["200"]["content"]["application/json"][
            "schema"
        ]
        expect("meta" in schema["properties"], f"{operation_id} has no meta")
        metas.append((schema, schema["properties"]["meta"]))
    first = metas[0][1]
    expect(
        {"first_page_url", "next_page_url", "page", "page_size", "key", "url"}
        <= set(first.get("properties", {})),
        f"unexpected meta shape: {sorted(first.get('properties', {}))}",
    )
    for (_, meta), operation_id in zip(metas, LIST_OPERATIONS, strict=True):
        expect(meta == first, f"{operation_id}'s meta differs from ListSim's")
    _schemas(spec)[PAGE_META_SCHEMA] = copy.deepcopy(first)
    for schema, _ in metas:
        schema["properties"]["meta"] = _ref(PAGE_META_SCHEMA)


# --- 6 ---------------------------------------------------------------------------

HTTP_METHOD_SCHEMA = "http_method"
_INLINE_HTTP_METHOD = {"type": "string", "format": "http-method", "enum": ["GET", "POST"]}


def _http_method_properties(spec: Spec) -> Iterator[tuple[dict[str, Any], str]]:
    def walk(properties: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str]]:
        for name, prop in properties.items():
            if isinstance(prop, dict) and prop.get("format") == "http-method":
                yield properties, name

    for schema in _schemas(spec).values():
        yield from walk(schema.get("properties", {}))
    for _, _, operation in _operations(spec):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            yield from walk(media["schema"].get("properties", {}))


@patch("14 inline GET/POST enums would each become a class; share one HttpMethod")
def shared_http_method_enum(spec: Spec) -> None:
    found = list(_http_method_properties(spec))
    expect(len(found) >= 10, f"expected the inline http-method enums, found {len(found)}")
    for properties, name in found:
        prop = properties[name]
        core = {k: v for k, v in prop.items() if k in _INLINE_HTTP_METHOD}
        expect(core == _INLINE_HTTP_METHOD, f"{name} is not a GET/POST enum: {prop!r}")
        replacement: dict[str, Any] = {"allOf": [_ref(HTTP_METHOD_SCHEMA)]}
        for key in ("nullable", "description"):
            if key in prop:
                replacement[key] = prop[key]
        properties[name] = replacement
    _schemas(spec)[HTTP_METHOD_SCHEMA] = {
        "type": "string",
        "enum": ["GET", "POST"],
        "description": "The HTTP method Twilio uses to call a URL of yours.",
    }


# --- 7 ---------------------------------------------------------------------------


@patch("sim.links maps link names to URLs: declare it a string-to-string map")
def sim_links_as_mapping(spec: Spec) -> None:
    links = _schemas(spec)["wireless.v1.sim"]["properties"].get("links")
    expect(
        isinstance(links, dict)
        and links.get("type") == "object"
        and links.get("format") == "uri-map"
        and "properties" not in links
        and "additionalProperties" not in links,
        f"sim.links is no longer a bare uri-map object: {links!r}",
    )
    links["additionalProperties"] = {"type": "string", "format": "uri"}


# --- 8 ---------------------------------------------------------------------------

# Twilio documents these objects on its usage pages (the "Commands Usage Object" and the
# "Data Usage Object"), which the spec links to but leaves untyped. Every property is
# nullable: these are types to read responses with, never values validated before sending.
_NUMBER = {"type": "number", "nullable": True}
_INTEGER = {"type": "integer", "nullable": True}
_STRING = {"type": "string", "nullable": True}
_DATE_TIME = {"type": "string", "format": "date-time", "nullable": True}
USAGE_SCHEMAS: dict[str, dict[str, Any]] = {
    "usage_period": {"start": _DATE_TIME, "end": _DATE_TIME},
    "commands_usage_detail": {
        "billing_units": _STRING,
        "billed": _NUMBER,
        "total": _INTEGER,
        "from_sim": _INTEGER,
        "to_sim": _INTEGER,
    },
    "data_usage_detail": {
        "billing_units": _STRING,
        "billed": _NUMBER,
        "total": _INTEGER,
        "upload": _INTEGER,
        "download": _INTEGER,
        "units": _STRING,
    },
}
USAGE_RECORD_SCHEMAS = ("wireless.v1.sim.usage_record", "wireless.v1.account_usage_record")


def _usage_totals(detail: str, description: str) -> dict[str, Any]:
    properties = copy.deepcopy(USAGE_SCHEMAS[detail])
    properties["home"] = {"allOf": [_ref(detail)], "nullable": True}
    properties["national_roaming"] = {"allOf": [_ref(detail)], "nullable": True}
    properties["international_roaming"] = {
        "type": "array",
        "items": _ref(detail),
        "nullable": True,
    }
    return {"type": "object", "description": description, "properties": properties}


@patch("usage records' period, commands and data are documented objects the spec leaves untyped")
def usage_objects_typed(spec: Spec) -> None:
    schemas = _schemas(spec)
    for name, properties in USAGE_SCHEMAS.items():
        expect(name not in schemas, f"{name} already exists")
        schemas[name] = {"type": "object", "properties": copy.deepcopy(properties)}
    schemas["commands_usage"] = _usage_totals(
        "commands_usage_detail", "Commands sent and received in a usage period."
    )
    schemas["data_usage"] = _usage_totals("data_usage_detail", "Data used in a usage period.")
    targets = {"period": "usage_period", "commands": "commands_usage", "data": "data_usage"}
    for schema_name in USAGE_RECORD_SCHEMAS:
        properties = schemas[schema_name]["properties"]
        for prop, target in targets.items():
            current = properties.get(prop)
            expect(
                isinstance(current, dict) and not {"type", "$ref", "allOf"} & set(current),
                f"{schema_name}.{prop} is no longer untyped: {current!r}",
            )
            properties[prop] = {**current, "allOf": [_ref(target)]}


# --- 9 ---------------------------------------------------------------------------


@patch("a data session's cell_location_estimate is a documented lat/lon object left untyped")
def cell_location_typed(spec: Spec) -> None:
    properties = _schemas(spec)["wireless.v1.sim.data_session"]["properties"]
    current = properties.get("cell_location_estimate")
    expect(
        isinstance(current, dict) and not {"type", "$ref", "allOf"} & set(current),
        f"cell_location_estimate is no longer untyped: {current!r}",
    )
    _schemas(spec)["cell_location_estimate"] = {
        "type": "object",
        "properties": {"lat": _NUMBER, "lon": _NUMBER},
    }
    properties["cell_location_estimate"] = {**current, "allOf": [_ref("cell_location_estimate")]}


# --- 10 --------------------------------------------------------------------------


def _response_schemas(spec: Spec) -> Iterator[dict[str, Any]]:
    """Every object schema a 2xx response can contain, inline or by $ref, each once."""
    schemas = _schemas(spec)
    seen: set[int] = set()
    pending: list[Any] = [
        media["schema"]
        for _, _, operation in _operations(spec)
        for status, response in operation.get("responses", {}).items()
        if str(status).startswith("2")
        for media in response.get("content", {}).values()
    ]
    while pending:
        schema = pending.pop()
        if not isinstance(schema, dict):
            continue
        if "$ref" in schema:
            schema = schemas[schema["$ref"].rsplit("/", 1)[1]]
        if id(schema) in seen:
            continue
        seen.add(id(schema))
        if "properties" in schema:
            yield schema
            pending.extend(schema["properties"].values())
        pending.extend(schema.get("allOf", []))
        pending.append(schema.get("items"))
        pending.append(schema.get("additionalProperties"))


@patch("Twilio serializes every property of a response (null when unset): none is optional")
def response_fields_always_present(spec: Spec) -> None:
    # Without this every response field is typed `X | None | Unset` and users must test
    # for a sentinel the API never sends. A field missing from a body reads as None.
    found = list(_response_schemas(spec))
    expect(any("sid" in s["properties"] for s in found), "no response schema has a sid")
    for schema in found:
        schema["required"] = sorted(schema["properties"])


# --- 11 --------------------------------------------------------------------------

# The identity of a resource the API returns is always set: its own SID, its account, its
# URL and creation time, and the SIM a sub-resource belongs to.
IDENTITY_FIELDS = {
    "wireless.v1.sim": ("sid", "account_sid", "url", "date_created"),
    "wireless.v1.command": ("sid", "account_sid", "sim_sid", "url", "date_created"),
    "wireless.v1.rate_plan": ("sid", "account_sid", "url", "date_created"),
    "wireless.v1.sim.data_session": ("sid", "sim_sid", "account_sid"),
    "wireless.v1.sim.usage_record": ("sim_sid", "account_sid"),
    "wireless.v1.account_usage_record": ("account_sid",),
}


@patch("a resource's identity (sid, account_sid, url, date_created) is never null")
def identity_fields_never_null(spec: Spec) -> None:
    schemas = _schemas(spec)
    for schema_name, fields in IDENTITY_FIELDS.items():
        properties = schemas[schema_name]["properties"]
        for name in fields:
            prop = properties.get(name)
            expect(
                isinstance(prop, dict) and prop.get("nullable") is True,
                f"{schema_name}.{name} is no longer a nullable property: {prop!r}",
            )
            del prop["nullable"]


# --- 12 --------------------------------------------------------------------------

PYTHON_TYPE = "x-twilio-wireless-python-type"


@patch("a binary-mode Command is base64 of bytes: callers pass the bytes, the facade encodes")
def command_accepts_bytes(spec: Spec) -> None:
    # The type users see for the parameter (codegen hands it to the endpoint template); on
    # the wire it stays a string, which the facade produces (twilio_wireless._params).
    body = _operation(spec, "CreateCommand")["requestBody"]["content"]
    command = body["application/x-www-form-urlencoded"]["schema"]["properties"].get("Command")
    expect(
        isinstance(command, dict) and command.get("type") == "string",
        f"CreateCommand's Command is no longer a string: {command!r}",
    )
    expect("Base64" in command.get("description", ""), "Command no longer documents Base64")
    command[PYTHON_TYPE] = "str | bytes"


# --- 13 --------------------------------------------------------------------------

BYTES_VIEW = "x-twilio-wireless-bytes-view"


@patch("a binary Command comes back base64: the model also gives its bytes (command_bytes)")
def command_bytes_view(spec: Spec) -> None:
    # The model template adds a read-only property decoding the field when the mode field
    # says binary (codegen hands this to it); the field itself stays what the API sent.
    command = _schemas(spec)["wireless.v1.command"]
    properties = command.get("properties", {})
    expect("command" in properties, "wireless.v1.command has no `command` field any more")
    mode = properties.get("command_mode", {})
    refs = [mode.get("$ref", "")] + [part.get("$ref", "") for part in mode.get("allOf", [])]
    expect(
        any(ref.endswith("/command_enum_command_mode") for ref in refs),
        f"wireless.v1.command's command_mode is no longer the mode enum: {mode!r}",
    )
    modes = _schemas(spec).get("command_enum_command_mode", {}).get("enum", [])
    expect("binary" in modes, f"command_enum_command_mode has no `binary` value: {modes!r}")
    properties["command"][BYTES_VIEW] = {
        "name": "command_bytes",
        "mode_field": "command_mode",
        "mode": "binary",
    }
