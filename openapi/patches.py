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

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

Spec = dict[str, Any]


class PatchError(Exception):
    """The spec no longer matches what a patch expects: review the patch."""


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
    if not condition:
        raise PatchError(message)


def apply_patches(spec: Spec) -> Spec:
    """Return a patched deep copy of `spec`; the input is left untouched."""
    patched = copy.deepcopy(spec)
    for step in PATCHES:
        try:
            step.apply(patched)
        except PatchError as exc:
            raise PatchError(f"patch {step.name!r} ({step.reason}): {exc}") from None
    return patched


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


@patch("sim.links maps link names to URLs: a plain dict, not a model parsed per SIM")
def sim_links_as_mapping(spec: Spec) -> None:
    # A generated model for it had no fields of its own (only additional_properties) and
    # cost ~8% of streaming a fleet; users index it the same way either way.
    links = _schemas(spec)["wireless.v1.sim"]["properties"].get("links")
    expect(
        isinstance(links, dict)
        and links.get("type") == "object"
        and links.get("format") == "uri-map"
        and "properties" not in links,
        f"sim.links is no longer a bare uri-map object: {links!r}",
    )
    links.pop("type")
