"""The surface snapshot (openapi/inventory.json), the change report and the CHANGELOG entry."""

from __future__ import annotations

import copy
from typing import Any

import pytest

import codegen

OLD_PIN = {"repository": "o/r", "path": "spec.yaml", "commit": "a" * 40, "sha256": "1" * 64}
NEW_PIN = {"repository": "o/r", "path": "spec.yaml", "commit": "b" * 40, "sha256": "2" * 64}


def _spec() -> dict[str, Any]:
    """A small spec with each kind of surface item the report covers."""
    return {
        "paths": {
            "/v1/Things/{Sid}": {
                "parameters": [{"name": "Sid", "in": "path", "required": True, "schema": {}}],
                "get": {
                    "operationId": "FetchThing",
                    "parameters": [{"name": "Expand", "in": "query", "schema": {"type": "string"}}],
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/thing"}
                                }
                            }
                        }
                    },
                },
                "post": {
                    "operationId": "UpdateThing",
                    "requestBody": {
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "required": ["Name"],
                                    "properties": {
                                        "Name": {"type": "string"},
                                        "Size": {"type": "integer"},
                                        "Mode": {"type": "string", "enum": ["a", "b"]},
                                    },
                                }
                            }
                        }
                    },
                    "responses": {"204": {"description": "no body"}},
                },
                "delete": {"operationId": "DeleteThing", "responses": {"204": {}}},
            },
            "/v1/Things": {
                "get": {
                    "operationId": "ListThing",
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "title": "ListThingResponse",
                                        "properties": {
                                            "things": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/thing"},
                                            }
                                        },
                                    }
                                }
                            }
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "thing": {
                    "type": "object",
                    "required": ["sid"],
                    "properties": {
                        "sid": {"type": "string"},
                        "status": {
                            "allOf": [{"$ref": "#/components/schemas/thing_status"}],
                            "nullable": True,
                        },
                        "url": {"type": "string", "format": "uri", "nullable": True},
                        "links": {"type": "object", "additionalProperties": {"type": "string"}},
                    },
                },
                "thing_status": {"type": "string", "enum": ["on", "off"]},
            }
        },
    }


def test_surface_records_operations_parameters_fields_and_enums() -> None:
    snapshot = codegen.surface(_spec())
    fetch = snapshot["operations"]["GET /v1/Things/{Sid} FetchThing"]
    assert fetch["parameters"] == {
        "path Sid": {"type": "any", "required": True},  # path-level parameters count too
        "query Expand": {"type": "string", "required": False},
    }
    assert fetch["responses"] == {"200": "thing"}
    update = snapshot["operations"]["POST /v1/Things/{Sid} UpdateThing"]
    assert update["parameters"]["body Name"] == {"type": "string", "required": True}
    assert update["responses"] == {"204": "no body"}
    listing = snapshot["operations"]["GET /v1/Things ListThing"]
    assert listing["responses"] == {"200": "ListThingResponse"}
    assert snapshot["schemas"]["ListThingResponse"]["things"]["type"] == "array[thing]"
    assert snapshot["schemas"]["thing"] == {
        "sid": {"type": "string", "nullable": False, "required": True},
        "status": {"type": "thing_status", "nullable": True, "required": False},
        "url": {"type": "string/uri", "nullable": True, "required": False},
        "links": {"type": "object{string}", "nullable": False, "required": False},
    }
    assert snapshot["enums"] == {"thing_status": ["off", "on"], "UpdateThing body Mode": ["a", "b"]}


def _changes(mutate: Any) -> list[str]:
    old = codegen.surface(_spec())
    newer = _spec()
    mutate(newer)
    return codegen.change_lines(codegen.describe_changes(old, codegen.surface(newer)))


def _thing(spec: dict[str, Any]) -> dict[str, Any]:
    thing: dict[str, Any] = spec["components"]["schemas"]["thing"]
    return thing


def _update_body(spec: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = spec["paths"]["/v1/Things/{Sid}"]["post"]["requestBody"]["content"][
        "application/x-www-form-urlencoded"
    ]["schema"]
    return body


def _add_query(name: str, required: bool) -> Any:
    parameter = {"name": name, "in": "query", "required": required, "schema": {"type": "string"}}
    return lambda s: s["paths"]["/v1/Things/{Sid}"]["get"]["parameters"].append(parameter)


@pytest.mark.parametrize(
    ("mutate", "line"),
    [
        (
            lambda s: s["paths"]["/v1/Things/{Sid}"].pop("delete"),
            "- **BREAKING** removed operation `DELETE /v1/Things/{Sid} DeleteThing`",
        ),
        (
            lambda s: s["paths"]["/v1/Things"].update(post={"operationId": "CreateThing"}),
            "- added operation `POST /v1/Things CreateThing`",
        ),
        (_add_query("Page", False), "- `FetchThing`: added parameter `query Page` (`string`)"),
        (
            _add_query("Region", True),
            "- **BREAKING** `FetchThing`: added required parameter `query Region` (`string`)",
        ),
        (
            lambda s: s["paths"]["/v1/Things/{Sid}"]["get"].pop("parameters"),
            "- **BREAKING** `FetchThing`: removed parameter `query Expand`",
        ),
        (
            lambda s: _update_body(s)["properties"]["Size"].update(format="int64"),
            "- **BREAKING** `UpdateThing`: parameter `body Size` type `integer` -> `integer/int64`",
        ),
        (
            lambda s: _update_body(s)["required"].append("Size"),
            "- **BREAKING** `UpdateThing`: parameter `body Size` is now required",
        ),
        (
            lambda s: _update_body(s).pop("required"),
            "- `UpdateThing`: parameter `body Name` is no longer required",
        ),
        (
            lambda s: _update_body(s)["properties"]["Mode"]["enum"].remove("b"),
            "- **BREAKING** enum `UpdateThing body Mode`: removed value `b`",
        ),
        (
            lambda s: s["paths"]["/v1/Things/{Sid}"]["post"]["responses"].update({"202": {}}),
            "- `UpdateThing`: added response 202 (`no body`)",
        ),
        (
            lambda s: s["paths"]["/v1/Things/{Sid}"]["get"]["responses"]["200"]["content"][
                "application/json"
            ].update(schema={"type": "string"}),
            "- **BREAKING** `FetchThing`: response 200 type `thing` -> `string`",
        ),
        (
            lambda s: _thing(s)["properties"].update(iccid={"type": "string"}),
            "- `thing`: added field `iccid` (`string`)",
        ),
        (
            lambda s: _thing(s)["properties"].pop("url"),
            "- **BREAKING** `thing`: removed field `url`",
        ),
        (
            lambda s: _thing(s)["properties"]["url"].update(format="uri-template"),
            "- **BREAKING** `thing`: field `url` type `string/uri` -> `string/uri-template`",
        ),
        (
            lambda s: _thing(s)["properties"]["links"].update(additionalProperties={}),
            "- **BREAKING** `thing`: field `links` type `object{string}` -> `object{any}`",
        ),
        (
            lambda s: _thing(s)["properties"]["sid"].update(nullable=True),
            "- **BREAKING** `thing`: field `sid` is now nullable",
        ),
        (
            lambda s: _thing(s)["properties"]["url"].pop("nullable"),
            "- `thing`: field `url` is no longer nullable",
        ),
        (
            lambda s: _thing(s).pop("required"),
            "- **BREAKING** `thing`: field `sid` is no longer required",
        ),
        (
            lambda s: _thing(s)["required"].append("url"),
            "- `thing`: field `url` is now required",
        ),
        (
            lambda s: s["components"]["schemas"]["thing_status"]["enum"].append("standby"),
            "- enum `thing_status`: added value `standby`",
        ),
        (
            lambda s: s["components"]["schemas"]["thing_status"]["enum"].remove("off"),
            "- **BREAKING** enum `thing_status`: removed value `off`",
        ),
        (
            lambda s: s["components"]["schemas"].update(gadget={"type": "object"}),
            "- added schema `gadget`",
        ),
        (
            lambda s: s["components"]["schemas"].update(level={"enum": ["hi", "lo"]}),
            "- added enum `level` (hi, lo)",
        ),
    ],
)
def test_each_kind_of_change_is_reported_and_classified(mutate: Any, line: str) -> None:
    assert _changes(mutate) == [line]


def test_nothing_changed_means_no_lines() -> None:
    assert _changes(lambda s: None) == []


def test_changes_are_sorted_breaking_first() -> None:
    def mutate(spec: dict[str, Any]) -> None:
        _thing(spec)["properties"].update(zeta={"type": "string"}, alpha={"type": "string"})
        spec["components"]["schemas"]["thing_status"]["enum"] = ["on", "standby"]
        spec["paths"]["/v1/Things/{Sid}"].pop("delete")

    assert _changes(mutate) == [
        "- **BREAKING** enum `thing_status`: removed value `off`",
        "- **BREAKING** removed operation `DELETE /v1/Things/{Sid} DeleteThing`",
        "- `thing`: added field `alpha` (`string`)",
        "- `thing`: added field `zeta` (`string`)",
        "- enum `thing_status`: added value `standby`",
    ]


def test_the_report_names_both_pins_and_lists_every_change() -> None:
    changes = [(True, "removed operation `X`"), (False, "added field `y`")]
    report = codegen.change_report(OLD_PIN, NEW_PIN, changes)
    assert f"| old | `{'a' * 40}` | `{'1' * 64}` |" in report
    assert f"| new | `{'b' * 40}` | `{'2' * 64}` |" in report
    assert "2 changes to the SDK surface, 1 breaking:" in report
    assert report.endswith("\n- **BREAKING** removed operation `X`\n- added field `y`\n")
    assert report == codegen.change_report(OLD_PIN, NEW_PIN, list(changes))
    quiet = codegen.change_report(OLD_PIN, NEW_PIN, [])
    assert quiet.endswith("0 changes to the SDK surface, 0 breaking.\n")


SECTION = codegen.changelog_section(OLD_PIN, NEW_PIN, [(True, "removed operation `X`")])


def test_changelog_section_repeats_the_report_lines() -> None:
    section = codegen.changelog_section(OLD_PIN, NEW_PIN, [(True, "removed operation `X`")])
    assert section == [
        f"### Upstream spec o/r@{'b' * 12}",
        "",
        f"Moved from `{'a' * 12}`: 1 change to the SDK surface, 1 breaking "
        "(details: `openapi/CHANGES.md`).",
        "",
        "- **BREAKING** removed operation `X`",
    ]


def test_changelog_entry_goes_first_under_unreleased() -> None:
    text = "# Changelog\n\n## Unreleased\n\n### Added\n- a thing\n\n## 0.1.0\n\n- first\n"
    updated = codegen.updated_changelog(text, SECTION)
    assert updated == (
        "# Changelog\n\n## Unreleased\n\n" + "\n".join(SECTION) + "\n\n"
        "### Added\n- a thing\n\n## 0.1.0\n\n- first\n"
    )
    assert codegen.updated_changelog(updated, SECTION) == updated  # the same update: one entry


def test_changelog_entry_replaces_only_its_own_section() -> None:
    other = ["### Upstream spec o/r@cccccccccccc", "", "- older update"]
    text = codegen.updated_changelog("# Changelog\n", other)
    first = codegen.updated_changelog(text, SECTION)
    changed = copy.deepcopy(SECTION)
    changed[-1] = "- added field `y`"
    again = codegen.updated_changelog(first, changed)
    assert "removed operation `X`" not in again
    assert again.count("### Upstream spec") == 2
    assert again.index("- added field `y`") < again.index("- older update")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "## Unreleased\n\n{section}\n"),
        ("# Changelog\n", "# Changelog\n\n## Unreleased\n\n{section}\n"),
        (
            "# Changelog\n\n## 0.1.0\n\n- first\n",
            "# Changelog\n\n## Unreleased\n\n{section}\n\n## 0.1.0\n\n- first\n",
        ),
    ],
)
def test_a_missing_unreleased_heading_is_created(text: str, expected: str) -> None:
    section = "\n".join(SECTION)
    assert codegen.updated_changelog(text, SECTION) == expected.format(section=section)
