"""The simulator conforms to the project's patched upstream spec, on every operation.

Schemathesis generates positive (schema-valid) requests for each of the 16 operations and
checks each answer: no 5xx, a documented status code, a documented content type, the
documented headers, and a body matching the response schema.

Schema-valid is not the same as meaningful: a random SID is a 404 and a random status is
an invalid transition, and the spec documents no error responses. So `_make_meaningful`
points each generated request at live resources of the simulator (a SIM whose status
allows the generated target, a deletable SIM, a fresh Rate Plan to delete, ...), keeps
every other generated value, and each operation must answer 2xx for every example.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import hypothesis
import pytest
import schemathesis
from patches import apply_patches
from schemathesis import GenerationMode
from schemathesis.generation.case import Case

from twilio_wireless.simulator import CallbackCapture, ManualClock, WirelessSimulator
from twilio_wireless.simulator._errors import ApiError
from twilio_wireless.simulator._records import format_date
from twilio_wireless.simulator._state import TRANSITIONS
from twilio_wireless.simulator._usage import parse_datetime

OPERATION_IDS = [
    "ListAccountUsageRecord",
    "FetchCommand",
    "DeleteCommand",
    "ListCommand",
    "CreateCommand",
    "ListDataSession",
    "ListRatePlan",
    "CreateRatePlan",
    "FetchRatePlan",
    "UpdateRatePlan",
    "DeleteRatePlan",
    "FetchSim",
    "UpdateSim",
    "DeleteSim",
    "ListSim",
    "ListUsageRecord",
]
MAX_EXAMPLES = 25
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]

_SIMULATOR = WirelessSimulator(
    sims=120,
    seed=7,
    seed_commands=10,
    clock=ManualClock(),
    callback_transport=CallbackCapture(),
    status_mix={
        "new": 2,
        "ready": 2,
        "active": 3,
        "suspended": 2,
        "deactivated": 1,
        "canceled": 1,
        "scheduled": 1,
    },
)
_AUTH = "Basic " + base64.b64encode(
    f"{_SIMULATOR.account_sid}:{_SIMULATOR.auth_token}".encode()
).decode("ascii")
_COUNTER = itertools.count(1)


@pytest.fixture(scope="module")
def patched_schema(upstream_spec: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_dict(apply_patches(upstream_spec))


def test_every_operation_is_covered(patched_schema: Any) -> None:
    operations = {
        result.ok().definition.raw["operationId"] for result in patched_schema.get_all_operations()
    }
    assert operations == set(OPERATION_IDS)


@pytest.mark.parametrize("operation_id", OPERATION_IDS)
def test_operation_conforms(patched_schema: Any, operation_id: str) -> None:
    operation = patched_schema.find_operation_by_id(operation_id)
    statuses: list[int] = []

    @hypothesis.settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=operation.as_strategy(GenerationMode.POSITIVE))
    def run(case: Case) -> None:
        _make_meaningful(case, operation_id)
        response = case.call(app=_SIMULATOR.app, headers={"Authorization": _AUTH})
        case.validate_response(response, checks=CHECKS)
        statuses.append(response.status_code)
        assert 200 <= response.status_code < 300, (response.status_code, response.text)
        # Settle any status change the example started, so later ones see stable SIMs.
        _SIMULATOR.manual_clock.advance(3600)

    run()
    assert len(statuses) >= min(MAX_EXAMPLES, 3), statuses


# --- pointing generated requests at live resources ---------------------------------------


def _state() -> Any:
    return _SIMULATOR._state


def _sims(*statuses: str) -> Iterator[Any]:
    for sim in _state().sims.items:
        if not statuses or sim.status in statuses:
            yield sim


def _unique(value: Any, prefix: str) -> str:
    """Unique, and usable in a URL path (the name may address the resource later)."""
    text = (
        "".join(c for c in value if c.isascii() and c.isalnum()) if isinstance(value, str) else ""
    )
    return f"{prefix}{next(_COUNTER)}-{text[:20]}"


def _url(value: Any) -> str:
    return f"https://callbacks.example/{next(_COUNTER)}"


def _date(value: Any, fallback: dt.datetime) -> str:
    try:
        return format_date(parse_datetime(str(value), "date"))
    except ApiError:
        return format_date(fallback)


def _fix_paging(query: dict[str, Any]) -> None:
    query.pop("PageToken", None)  # tokens are the server's; a random one is a 400
    for name in ("Start", "End"):
        if name in query:
            query[name] = _date(query[name], dt.datetime(2024, 12, 1, tzinfo=dt.UTC))
    if "Start" in query and "End" in query and query["Start"] > query["End"]:
        query["Start"], query["End"] = query["End"], query["Start"]


def _make_meaningful(case: Case, operation: str) -> None:
    if case.query is None:
        case.query = {}
    if case.path_parameters is None:
        case.path_parameters = {}
    if case.operation.method.upper() == "POST" and not isinstance(case.body, dict):
        case.body = {}
    query = case.query
    params = case.path_parameters
    body = case.body if isinstance(case.body, dict) else {}
    state = _state()
    if operation.startswith("List"):
        _fix_paging(query)
    if operation in {"FetchSim", "ListUsageRecord", "ListDataSession"}:
        sim = next(_sims())
        key = "Sid" if "Sid" in params else "SimSid"
        params[key] = sim.unique_name if next(_COUNTER) % 2 else sim.sid
    elif operation == "UpdateSim":
        _update_sim_body(body, params)
    elif operation == "DeleteSim":
        params["Sid"] = _SIMULATOR.add_sim(status="canceled")["sid"]
    elif operation in {"FetchCommand", "DeleteCommand"}:
        sim = next(_sims("active"))
        params["Sid"] = _SIMULATOR.add_command(sim.sid, "ping")["sid"]
    elif operation == "CreateCommand":
        body["Sim"] = next(_sims("active")).sid
        _command_body(body)
    elif operation in {"FetchRatePlan", "UpdateRatePlan"}:
        plan = state.rate_plans.items[0]
        params["Sid"] = plan.unique_name if next(_COUNTER) % 2 else plan.sid
        if "UniqueName" in body:
            body["UniqueName"] = _unique(body["UniqueName"], "plan-")
    elif operation == "DeleteRatePlan":
        params["Sid"] = _SIMULATOR.add_rate_plan()["sid"]
    elif operation == "CreateRatePlan":
        _rate_plan_body(body)
    elif operation == "ListCommand" and "Sim" in query:
        query["Sim"] = next(_sims("active")).unique_name


def _update_sim_body(body: dict[str, Any], params: dict[str, Any]) -> None:
    status = body.get("Status")
    if "ResetStatus" in body:
        body.pop("Status", None)
        candidates = list(_sims("active"))
    elif status in (None, "deleted"):
        body.pop("Status", None)
        candidates = list(_sims())
    else:
        # A SIM already in that status (200), else one that may move to it (202).
        candidates = [sim for sim in _sims() if sim.status == status] or [
            sim
            for sim in _sims()
            if status in TRANSITIONS.get(sim.status, ()) and sim.rate_plan_sid is not None
        ]
    sim = candidates[next(_COUNTER) % len(candidates)]
    params["Sid"] = sim.sid
    if "UniqueName" in body:
        body["UniqueName"] = _unique(body["UniqueName"], "sim-x")
    if "RatePlan" in body:
        body["RatePlan"] = _state().rate_plans.items[0].sid
    if "AccountSid" in body:
        body["AccountSid"] = _SIMULATOR.account_sid
    for name in list(body):
        if name.endswith("Url"):
            body[name] = _url(body[name])


def _command_body(body: dict[str, Any]) -> None:
    mode = body.get("CommandMode", "text")
    text = body.get("Command")
    text = text if isinstance(text, str) and text else "ping"
    if mode == "binary":
        body["Command"] = base64.b64encode(text.encode()[:140] or b"\x00").decode()
        body.pop("IncludeSid", None)
    else:
        if body.get("IncludeSid") not in (None, "none", "start", "end"):
            body["IncludeSid"] = "start"
        limit = 160 if body.get("IncludeSid", "none") == "none" else 128
        body["Command"] = text[:limit]
    if "CallbackUrl" in body:
        body["CallbackUrl"] = _url(body["CallbackUrl"])


def _rate_plan_body(body: dict[str, Any]) -> None:
    if "UniqueName" in body:
        body["UniqueName"] = _unique(body["UniqueName"], "plan-")
    for name in ("DataLimit", "NationalRoamingDataLimit", "InternationalRoamingDataLimit"):
        if name in body:
            body[name] = abs(int(body[name])) % 2_000_001
    if "DataMetering" in body:
        body["DataMetering"] = "payg"
    if "InternationalRoaming" in body:
        body["InternationalRoaming"] = ["data", "messaging"][: len(body["InternationalRoaming"])]
