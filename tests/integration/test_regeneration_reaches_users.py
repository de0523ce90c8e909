"""A regenerated spec reaches users through the public API with no facade edit.

The next spec here adds what Twilio's changes usually add: an enum value, a response
field, a ListSim query parameter, an UpdateRatePlan body parameter and an operation. It is
generated with codegen.py into a temporary folder, and a script run against that folder
(first on the path) uses the new surface through `twilio_wireless` as it is.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import codegen

ROOT = Path(codegen.__file__).parent

SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys
    import httpx
    import twilio_wireless as tw

    SIM = "DE" + "a" * 32
    PLAN = "WP" + "a" * 32
    seen = []

    def body(kind, sid, **fields):
        base = {"sid": sid, "account_sid": "AC" + "0" * 32, "url": "https://x/" + sid,
                "date_created": "2026-11-01T00:00:00Z"}
        return {**base, **fields}

    def handler(request):
        seen.append((request.method, request.url.path, request.url.query.decode(),
                     request.content.decode()))
        if request.url.path == "/v1/Sims":
            meta = {"key": "sims", "page": 0, "page_size": 50, "url": "https://x/v1/Sims",
                    "first_page_url": "https://x/v1/Sims", "next_page_url": None}
            sim = body("sim", SIM, status="hibernating", imei="356938035643809")
            return httpx.Response(200, json={"sims": [sim], "meta": meta})
        return httpx.Response(200, json=body("plan", PLAN, data_limit_strategy="throttle"))

    async def main():
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        async with tw.WirelessClient("AC" + "0" * 32, "token", base_url="https://x",
                                     http_client=http) as client:
            sims = await client.sims.list(imei="356938035643809").to_list()
            plan = await client.rate_plans.update(PLAN, data_limit_strategy="throttle")
            try:
                client.sims.list(status="sleeping")
            except ValueError as error:
                refused = str(error)
        await http.aclose()
        print(json.dumps({
            "status": sims[0].status.value, "known": sims[0].status in list(tw.SimStatus),
            "imei": sims[0].imei, "plan": plan.sid, "refused": refused, "seen": seen,
        }))

    asyncio.run(main())
    """
)


def next_spec(spec: dict[str, Any]) -> dict[str, Any]:
    newer = copy.deepcopy(spec)
    schemas = newer["components"]["schemas"]
    schemas["sim_enum_status"]["enum"].append("hibernating")
    schemas["wireless.v1.sim"]["properties"]["imei"] = {"type": "string", "nullable": True}
    newer["paths"]["/v1/Sims"]["get"]["parameters"].append(
        {"name": "Imei", "in": "query", "schema": {"type": "string"}}
    )
    update = newer["paths"]["/v1/RatePlans/{Sid}"]["post"]["requestBody"]["content"]
    update["application/x-www-form-urlencoded"]["schema"]["properties"]["DataLimitStrategy"] = {
        "$ref": "#/components/schemas/rate_plan_enum_data_limit_strategy"
    }
    fetch = copy.deepcopy(newer["paths"]["/v1/Sims/{Sid}"]["get"])
    fetch["operationId"] = "FetchSimProfile"
    newer["paths"]["/v1/Sims/{Sid}/Profile"] = {"get": fetch}
    return newer


@pytest.fixture(scope="module")
def regenerated(upstream_spec: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding twilio_wireless_openapi generated from the next spec."""
    folder = tmp_path_factory.mktemp("next-spec")
    codegen.generate(next_spec(upstream_spec), folder / codegen.PACKAGE)
    return folder


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(folder), str(ROOT / "src")])}
    return subprocess.run(
        [sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def test_new_parameters_fields_and_values_reach_users(regenerated: Path) -> None:
    result = run(regenerated, "-c", SCRIPT)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "hibernating"
    assert outcome["known"] is True  # a member of tw.SimStatus, not an unknown value
    assert outcome["imei"] == "356938035643809"
    assert outcome["plan"] == "WP" + "a" * 32
    assert "'hibernating'" in outcome["refused"]  # the new value is in the allowed list
    (list_call, update_call) = outcome["seen"]
    assert list_call[:3] == ["GET", "/v1/Sims", "Imei=356938035643809"]
    assert update_call[:2] == ["POST", "/v1/RatePlans/" + "WP" + "a" * 32]
    assert update_call[3] == "DataLimitStrategy=throttle"


def test_a_new_operation_fails_the_coverage_test_by_name(regenerated: Path) -> None:
    result = run(
        regenerated,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "tests/facade/test_spec_coverage.py",
    )
    assert result.returncode == 1, result.stdout
    assert "generated operations no facade method sends: ['FetchSimProfile']" in result.stdout
    assert "1 failed" in result.stdout
