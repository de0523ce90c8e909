"""What users see of a patched spec, and how that changed between two specs.

`surface()` is the snapshot stored in openapi/inventory.json: every operation with its
parameters and response types, every schema's fields, every enum's values.
`describe_changes()` compares two snapshots and marks each change breaking or not;
`change_report()` and `changelog_section()` write it for a reviewer and for CHANGELOG.md.
codegen.py uses these; they are pure functions of dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

Spec = dict[str, Any]
# (breaking, text): one difference between two surfaces, as the report lists it.
Change = tuple[bool, str]
CHANGES_NAME = "CHANGES.md"
UNRELEASED = "## Unreleased"


# --- the surface snapshot (openapi/inventory.json) -------------------------------------

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


class _Surface:
    """Collects what users see of a patched spec: operations, fields and enum values."""

    def __init__(self, spec: Spec) -> None:
        """Start empty; `spec` resolves $refs to components."""
        self.spec = spec
        self.schemas: dict[str, dict[str, Any]] = {}
        self.enums: dict[str, list[str]] = {}

    def resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """`node`, or the component a local `$ref` in it points to."""
        if "$ref" not in node:
            return node
        target: Any = self.spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target.get(part, {}) if isinstance(target, dict) else {}
        return target if isinstance(target, dict) else {}

    def schema(self, name: str, schema: dict[str, Any]) -> None:
        """Record an enum's values, or an object's fields (type, nullable, required)."""
        if "enum" in schema:
            self.enums[name] = sorted(str(value) for value in schema["enum"])
            return
        required = set(schema.get("required", []))
        self.schemas[name] = {
            field: {
                "type": self.type(f"{name}.{field}", prop),
                "nullable": bool(prop.get("nullable", False)),
                "required": field in required,
            }
            for field, prop in schema.get("properties", {}).items()
        }

    def type(self, where: str, schema: Any) -> str:
        """One string for type/format/$ref/items; inline objects and enums go under `where`."""
        if not isinstance(schema, dict):
            return "any"
        if "$ref" in schema:
            return str(schema["$ref"]).rsplit("/", 1)[-1]
        for key in ("allOf", "oneOf", "anyOf"):
            if key in schema:
                parts = [self.type(where, part) for part in schema[key]]
                # The patches wrap a $ref in a one-item allOf only to add `nullable`.
                return (
                    parts[0] if key == "allOf" and len(parts) == 1 else f"{key}[{', '.join(parts)}]"
                )
        if "properties" in schema:
            self.schema(where, schema)
            return where
        if "enum" in schema:
            self.enums[where] = sorted(str(value) for value in schema["enum"])
        kind = str(schema.get("type", "any"))
        if "format" in schema:
            kind += f"/{schema['format']}"
        if "items" in schema:
            kind += f"[{self.type(f'{where}[]', schema['items'])}]"
        if isinstance(schema.get("additionalProperties"), dict):
            kind += "{" + self.type(f"{where}{{}}", schema["additionalProperties"]) + "}"
        return kind

    def operation(self, name: str, op: dict[str, Any], shared: list[Any]) -> dict[str, Any]:
        """An operation's parameters (query, path, header, body) and response types."""
        parameters: dict[str, dict[str, Any]] = {}
        for parameter in map(self.resolve, [*shared, *op.get("parameters", [])]):
            key = f"{parameter.get('in')} {parameter.get('name')}"
            parameters[key] = {
                "type": self.type(f"{name} {key}", parameter.get("schema", {})),
                "required": bool(parameter.get("required", False)),
            }
        for media in op.get("requestBody", {}).get("content", {}).values():
            body = self.resolve(media.get("schema", {}))
            required = set(body.get("required", []))
            for field, prop in body.get("properties", {}).items():
                parameters[f"body {field}"] = {
                    "type": self.type(f"{name} body {field}", prop),
                    "required": field in required,
                }
        responses = {
            str(status): self.response(name, str(status), self.resolve(response))
            for status, response in op.get("responses", {}).items()
        }
        return {"parameters": parameters, "responses": responses}

    def response(self, name: str, status: str, response: dict[str, Any]) -> str:
        """A response's body type; an inline object is recorded under its title."""
        bodies = [media.get("schema") for media in response.get("content", {}).values()]
        if not bodies or not isinstance(bodies[0], dict):
            return "no body"
        body = bodies[0]
        if "properties" in body:
            title = str(body.get("title") or f"{name} {status} response")
            self.schema(title, body)
            return title
        return self.type(f"{name} {status} response", body)


def surface(patched: Spec) -> dict[str, Any]:
    """The reviewable surface of a patched spec, as openapi/inventory.json stores it."""
    collector = _Surface(patched)
    for name, schema in patched.get("components", {}).get("schemas", {}).items():
        collector.schema(name, schema if isinstance(schema, dict) else {})
    operations: dict[str, Any] = {}
    for path, item in patched.get("paths", {}).items():
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                op_id = str(op.get("operationId", "?"))
                key = f"{method.upper()} {path} {op_id}"
                operations[key] = collector.operation(op_id, op, item.get("parameters", []))
    return {"operations": operations, "schemas": collector.schemas, "enums": collector.enums}


# --- the change report ---------------------------------------------------------------


def _split(old: dict[str, Any], new: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """Sorted keys only in `new`, only in `old`, and in both."""
    return (
        sorted(new.keys() - old.keys()),
        sorted(old.keys() - new.keys()),
        sorted(old.keys() & new.keys()),
    )


def _operation_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    """Operations added or removed, and changes inside the ones that stayed."""
    added, removed, common = _split(old, new)
    yield from ((False, f"added operation `{op}`") for op in added)
    yield from ((True, f"removed operation `{op}`") for op in removed)
    for op in common:
        label = f"`{op.rsplit(' ', 1)[-1]}`"
        yield from _parameter_changes(label, old[op]["parameters"], new[op]["parameters"])
        yield from _response_changes(label, old[op]["responses"], new[op]["responses"])


def _parameter_changes(op: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    """Parameters added, removed, retyped or made (not) required."""
    added, removed, common = _split(old, new)
    for name in added:
        required = new[name]["required"]
        kind = "required parameter" if required else "parameter"
        yield required, f"{op}: added {kind} `{name}` (`{new[name]['type']}`)"
    yield from ((True, f"{op}: removed parameter `{name}`") for name in removed)
    for name in common:
        before, after = old[name], new[name]
        if before["type"] != after["type"]:
            yield True, (f"{op}: parameter `{name}` type `{before['type']}` -> `{after['type']}`")
        if before["required"] != after["required"]:
            now = "now" if after["required"] else "no longer"
            yield after["required"], f"{op}: parameter `{name}` is {now} required"


def _response_changes(op: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    """Response statuses added or removed, and response bodies of another type."""
    added, removed, common = _split(old, new)
    yield from ((False, f"{op}: added response {s} (`{new[s]}`)") for s in added)
    yield from ((True, f"{op}: removed response {s} (`{old[s]}`)") for s in removed)
    for status in common:
        if old[status] != new[status]:
            yield True, f"{op}: response {status} type `{old[status]}` -> `{new[status]}`"


def _schema_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    """Schemas added or removed, and field changes in the ones that stayed."""
    added, removed, common = _split(old, new)
    yield from ((False, f"added schema `{name}`") for name in added)
    yield from ((True, f"removed schema `{name}`") for name in removed)
    for name in common:
        yield from _field_changes(f"`{name}`", old[name], new[name])


def _field_changes(schema: str, old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    """Fields added, removed, retyped, or changed in nullable/required."""
    added, removed, common = _split(old, new)
    yield from ((False, f"{schema}: added field `{f}` (`{new[f]['type']}`)") for f in added)
    yield from ((True, f"{schema}: removed field `{f}`") for f in removed)
    for field in common:
        before, after = old[field], new[field]
        if before["type"] != after["type"]:
            yield True, f"{schema}: field `{field}` type `{before['type']}` -> `{after['type']}`"
        # A response field that may now be null or absent breaks code that reads it.
        if before["nullable"] != after["nullable"]:
            now = "now" if after["nullable"] else "no longer"
            yield after["nullable"], f"{schema}: field `{field}` is {now} nullable"
        if before["required"] != after["required"]:
            now = "now" if after["required"] else "no longer"
            yield not after["required"], f"{schema}: field `{field}` is {now} required"


def _enum_changes(old: dict[str, Any], new: dict[str, Any]) -> Iterator[Change]:
    """Enums added or removed, and values added to or removed from the others."""
    added, removed, common = _split(old, new)
    yield from ((False, f"added enum `{name}` ({', '.join(new[name])})") for name in added)
    yield from ((True, f"removed enum `{name}`") for name in removed)
    for name in common:
        before, after = set(old[name]), set(new[name])
        yield from ((False, f"enum `{name}`: added value `{v}`") for v in sorted(after - before))
        yield from ((True, f"enum `{name}`: removed value `{v}`") for v in sorted(before - after))


def describe_changes(old: dict[str, Any], new: dict[str, Any]) -> list[Change]:
    """Every difference between two surfaces: breaking ones first, each group sorted."""
    changes = {
        *_operation_changes(old.get("operations", {}), new["operations"]),
        *_schema_changes(old.get("schemas", {}), new["schemas"]),
        *_enum_changes(old.get("enums", {}), new["enums"]),
    }
    return sorted(changes, key=lambda change: (not change[0], change[1]))


def change_lines(changes: Iterable[Change]) -> list[str]:
    """Markdown list items, breaking ones marked."""
    return [f"- **BREAKING** {text}" if breaking else f"- {text}" for breaking, text in changes]


def change_summary(changes: list[Change]) -> str:
    """`N changes to the SDK surface, M breaking`."""
    breaking = sum(1 for is_breaking, _ in changes if is_breaking)
    noun = "change" if len(changes) == 1 else "changes"
    return f"{len(changes)} {noun} to the SDK surface, {breaking} breaking"


def change_report(old_pin: dict[str, str], new_pin: dict[str, str], changes: list[Change]) -> str:
    """openapi/CHANGES.md: old and new pin, then every change to the patched spec's surface."""
    lines = [
        "# Upstream spec update",
        "",
        f"`{new_pin['path']}` from {new_pin['repository']}, with `openapi/patches.py` applied.",
        "",
        "| | commit | sha256 |",
        "|---|---|---|",
        f"| old | `{old_pin['commit']}` | `{old_pin['sha256']}` |",
        f"| new | `{new_pin['commit']}` | `{new_pin['sha256']}` |",
        "",
        f"{change_summary(changes)}{':' if changes else '.'}",
    ]
    if changes:
        lines += ["", *change_lines(changes)]
    return "\n".join(lines) + "\n"


def changelog_section(
    old_pin: dict[str, str], new_pin: dict[str, str], changes: list[Change]
) -> list[str]:
    """The CHANGELOG.md section for one spec update: heading, summary, the report's lines."""
    return [
        f"### Upstream spec {new_pin['repository']}@{new_pin['commit'][:12]}",
        "",
        f"Moved from `{old_pin['commit'][:12]}`: {change_summary(changes)} "
        f"(details: `openapi/{CHANGES_NAME}`).",
        *(["", *change_lines(changes)] if changes else []),
    ]


def updated_changelog(text: str, section: list[str]) -> str:
    """`text` with `section` first under `## Unreleased` (created if missing).

    A section with the same heading already under Unreleased is replaced, so running the
    same update twice gives one entry.
    """
    lines = text.splitlines()
    if UNRELEASED not in lines:
        at = next((i for i, line in enumerate(lines) if line.startswith("## ")), len(lines))
        lines[at:at] = [UNRELEASED, ""] if at < len(lines) else ["", UNRELEASED]
    start = lines.index(UNRELEASED) + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    if section[0] in lines[start:end]:
        old = lines.index(section[0], start, end)
        stop = next((i for i in range(old + 1, end) if lines[i].startswith(("## ", "### "))), end)
        del lines[old:stop]
    while start < len(lines) and not lines[start].strip():
        del lines[start]
    rest = lines[start:]
    lines[start:] = ["", *section, *([""] if rest else []), *rest]
    return "\n".join(lines).lstrip("\n") + "\n"
