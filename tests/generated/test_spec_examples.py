"""Every response example in Twilio's own spec parses through the generated layer and
round-trips to the same JSON (needs the patches: three examples carry reset_status: null)."""

from __future__ import annotations

import importlib
from typing import Any

import httpx
import pytest

from twilio_wireless_openapi.api import (
    wireless_v1_command,
    wireless_v1_data_session,
    wireless_v1_rate_plan,
    wireless_v1_sim,
    wireless_v1_usage_record,
)

EXPECTED_EXAMPLE_COUNT = 21
TAG_PACKAGES = {
    "WirelessV1Command": wireless_v1_command,
    "WirelessV1DataSession": wireless_v1_data_session,
    "WirelessV1RatePlan": wireless_v1_rate_plan,
    "WirelessV1Sim": wireless_v1_sim,
    "WirelessV1UsageRecord": wireless_v1_usage_record,
}


def _snake(operation_id: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in operation_id).lstrip("_")


def response_examples(spec: dict[str, Any]) -> list[tuple[str, str, int, Any]]:
    found = []
    for item in spec["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            module = importlib.import_module(
                f"{TAG_PACKAGES[operation['tags'][0]].__name__}.{_snake(operation['operationId'])}"
            )
            for status, response in operation["responses"].items():
                for media in response.get("content", {}).values():
                    for name, example in media.get("examples", {}).items():
                        found.append((f"{operation['operationId']}:{name}", module.__name__, int(status), example["value"]))
    return found


def test_the_spec_has_the_21_examples_we_prove(upstream_spec: dict[str, Any]) -> None:
    assert len(response_examples(upstream_spec)) == EXPECTED_EXAMPLE_COUNT


def test_every_example_parses_and_round_trips(upstream_spec: dict[str, Any]) -> None:
    failures = []
    for label, module_name, status, example in response_examples(upstream_spec):
        module = importlib.import_module(module_name)
        parsed = module.parse_response(httpx.Response(status, json=example))
        if parsed.to_dict() != example:
            failures.append(label)
    assert failures == []


def test_examples_with_null_reset_status_are_among_them(upstream_spec: dict[str, Any]) -> None:
    labels = [
        label
        for label, _, _, example in response_examples(upstream_spec)
        if isinstance(example, dict) and "reset_status" in example and example["reset_status"] is None
    ]
    assert sorted(labels) == ["FetchSim:fetch", "UpdateSim:update", "UpdateSim:updateMoveToSubaccount"]


@pytest.mark.parametrize("status", [200, 201, 204])
def test_an_undocumented_success_status_raises_instead_of_returning_none(status: int) -> None:
    from twilio_wireless_openapi import errors
    from twilio_wireless_openapi.api.wireless_v1_sim import fetch_sim

    with pytest.raises(errors.UnexpectedStatus) as info:
        fetch_sim.parse_response(httpx.Response(status + 2, json={}))
    assert info.value.status_code == status + 2
