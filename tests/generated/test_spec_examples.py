"""Every response example in Twilio's own spec parses through the generated layer and
round-trips to the same JSON (needs the patches: some examples carry reset_status: null).
A field an example leaves out reads as None, so `to_dict()` gives it back as null: every
other value must come back unchanged.

Nothing here counts the spec: the examples, operations and schemas are read from it, so a
newer spec with more of them is checked in full, and one whose examples vanish (or move
where `response_examples` does not look) fails `test_every_example_in_the_spec_is_collected`.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

API_PACKAGE = "twilio_wireless_openapi.api"


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")


def _operations(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for item in spec["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict) and "responses" in operation:
                yield operation


def _media_examples(media: dict[str, Any]) -> list[tuple[str, Any]]:
    """(name, value) of a media type's `examples` map, and of its single `example`."""
    found = [(name, example["value"]) for name, example in media.get("examples", {}).items()]
    if "example" in media:
        found.append(("example", media["example"]))
    return found


def response_examples(spec: dict[str, Any]) -> list[tuple[str, str, int, Any]]:
    """(label, endpoint module, status, example) for every response example of the spec."""
    found = []
    for operation in _operations(spec):
        module = f"{API_PACKAGE}.{_snake(operation['tags'][0])}.{_snake(operation['operationId'])}"
        for status, response in operation["responses"].items():
            for media in response.get("content", {}).values():
                for name, value in _media_examples(media):
                    label = f"{operation['operationId']}:{name}"
                    found.append((label, module, int(status), value))
    return found


def test_every_example_in_the_spec_is_collected(upstream_spec: dict[str, Any]) -> None:
    found = response_examples(upstream_spec)
    labels = [label for label, _, _, _ in found]
    assert len(labels) == len(set(labels)), "example labels must be unique"
    # Every response (operation and status) that documents examples contributes all of
    # them: each response schema with examples is proven by at least one.
    expected: dict[tuple[str, int], int] = {}
    for operation in _operations(upstream_spec):
        for status, response in operation["responses"].items():
            for media in response.get("content", {}).values():
                count = len(media.get("examples", {})) + ("example" in media)
                if count:
                    key = (operation["operationId"], int(status))
                    expected[key] = expected.get(key, 0) + count
    assert expected, "the spec has no response examples at all: where did they go?"
    collected: dict[tuple[str, int], int] = {}
    for label, _, status, _ in found:
        key = (label.split(":", 1)[0], status)
        collected[key] = collected.get(key, 0) + 1
    assert collected == expected


def test_single_example_values_are_collected_too() -> None:
    spec = {
        "paths": {
            "/v1/Things": {
                "get": {
                    "operationId": "ListThing",
                    "tags": ["WirelessV1Thing"],
                    "responses": {
                        "200": {
                            "content": {
                                "application/json": {
                                    "examples": {"a": {"value": 1}, "b": {"value": 2}},
                                    "example": 3,
                                }
                            }
                        },
                        "204": {"description": "no content"},
                    },
                },
                "parameters": [],
            }
        }
    }
    assert response_examples(spec) == [
        ("ListThing:a", f"{API_PACKAGE}.wireless_v1_thing.list_thing", 200, 1),
        ("ListThing:b", f"{API_PACKAGE}.wireless_v1_thing.list_thing", 200, 2),
        ("ListThing:example", f"{API_PACKAGE}.wireless_v1_thing.list_thing", 200, 3),
    ]


def round_trip_differences(parsed: Any, example: Any, path: str = "") -> list[str]:
    """Where `parsed` (a to_dict()) differs from `example`, but for fields the example
    leaves out coming back as null."""
    if isinstance(parsed, dict) and isinstance(example, dict):
        found = [f"{path}{key}: missing" for key in example if key not in parsed]
        for key, value in parsed.items():
            if key in example:
                found += round_trip_differences(value, example[key], f"{path}{key}.")
            elif value is not None:
                found.append(f"{path}{key}: {value!r} where the example has nothing")
        return found
    if isinstance(parsed, list) and isinstance(example, list) and len(parsed) == len(example):
        return [
            difference
            for index, (a, b) in enumerate(zip(parsed, example, strict=True))
            for difference in round_trip_differences(a, b, f"{path}{index}.")
        ]
    return [] if parsed == example and type(parsed) is type(example) else [f"{path}: {parsed!r}"]


def test_round_trip_differences() -> None:
    assert round_trip_differences({"a": 1, "b": None}, {"a": 1}) == []
    assert round_trip_differences({"a": {"b": [1, {"c": None}]}}, {"a": {"b": [1, {}]}}) == []
    assert round_trip_differences({"a": 2}, {"a": 1}) == ["a.: 2"]
    assert round_trip_differences({"b": 0}, {"a": 1}) == [
        "a: missing",
        "b: 0 where the example has nothing",
    ]
    assert round_trip_differences([1], [1, 2]) == [": [1]"]
    assert round_trip_differences({"a": 1.0}, {"a": 1}) == ["a.: 1.0"]


def test_every_example_parses_and_round_trips(upstream_spec: dict[str, Any]) -> None:
    failures = []
    checked = 0
    for label, module_name, status, example in response_examples(upstream_spec):
        module = importlib.import_module(module_name)
        parsed = module.parse_response(httpx.Response(status, json=example))
        failures += [f"{label}: {d}" for d in round_trip_differences(parsed.to_dict(), example)]
        checked += 1
    assert failures == []
    assert checked == len(response_examples(upstream_spec)) > 0


def test_examples_with_null_reset_status_parse_to_none(upstream_spec: dict[str, Any]) -> None:
    """Why `nullable_enum_refs` exists: Twilio's own examples send reset_status: null."""
    nulls = [
        (label, module_name, status)
        for label, module_name, status, example in response_examples(upstream_spec)
        if isinstance(example, dict)
        and "reset_status" in example
        and example["reset_status"] is None
    ]
    assert nulls, "no example carries reset_status: null; is the patch still needed?"
    assert {label.split(":", 1)[0] for label, _, _ in nulls} >= {"FetchSim", "UpdateSim"}
    for label, module_name, status in nulls:
        example = next(e for found, _, _, e in response_examples(upstream_spec) if found == label)
        parsed = importlib.import_module(module_name).parse_response(
            httpx.Response(status, json=example)
        )
        assert parsed.reset_status is None, label


@pytest.mark.parametrize("status", [200, 201, 204])
def test_an_undocumented_success_status_raises_instead_of_returning_none(status: int) -> None:
    from twilio_wireless_openapi import errors
    from twilio_wireless_openapi.api.wireless_v1_sim import fetch_sim

    with pytest.raises(errors.UnexpectedStatus) as info:
        fetch_sim.parse_response(httpx.Response(status + 2, json={}))
    assert info.value.status_code == status + 2
