"""The simulator conforms to the project's patched upstream spec, on every operation.

Schemathesis generates positive (schema-valid) requests for each operation the spec
defines and checks each answer: no 5xx, a documented status code, a documented content
type, the documented headers, and a body matching the response schema. The operations
are read from the spec, so a newer spec's operation is checked as soon as the simulator
implements it (`OPERATIONS`); until then its test is skipped, naming it.

Schema-valid is not the same as meaningful: a random SID is a 404 and a random status is
an invalid transition, and the spec documents no error responses. So `_make_meaningful`
points each generated request at live resources of the simulator (a SIM whose status
allows the generated target, a deletable SIM, a fresh Rate Plan to delete, ...), keeps
every other generated value, and each operation must answer 2xx for every example. The
simulator is seeded with SIMs in every status the spec documents (statuses it does not
model included), so every generated `Status` has a SIM to ask it of. Request values the
simulator acts on but a newer spec may extend (`MODELLED_INPUTS`) are replaced by modelled
ones when they are not: the simulator cannot know what a new value means.

`test_a_newer_spec_still_conforms` runs the same checks on the spec plus enum values, a
response field, a parameter and an operation, with the generated enums and model changed
as regenerating from it would change them.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import itertools
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import attrs
import hypothesis
import pytest
import schemathesis
from patches import apply_patches
from schemathesis import GenerationMode
from schemathesis.generation.case import Case
from twilio_wireless_openapi import models

import codegen
from twilio_wireless.simulator import (
    OPERATIONS,
    TRANSITIONS,
    CallbackCapture,
    ManualClock,
    WirelessSimulator,
)
from twilio_wireless.simulator._errors import ApiError
from twilio_wireless.simulator._records import format_date
from twilio_wireless.simulator._usage import parse_datetime
from twilio_wireless.simulator._vocabulary import Vocabulary

MAX_EXAMPLES = 25
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.response_schema_conformance,
]
# Request parameters whose value changes what the simulator does, and the values it
# models (any name ending in "Method" is an HTTP method).
MODELLED_INPUTS: dict[str, tuple[str, ...]] = {
    "Granularity": ("all", "daily", "hourly"),
    "CommandMode": ("text", "binary"),
    "DataLimitStrategy": ("block", "throttle"),
    "ResetStatus": ("resetting",),
}
MODELLED_METHODS = ("GET", "POST")
# Where seeded SIMs go, by weight; every other status the spec documents gets weight 1.
STATUS_WEIGHTS = {"new": 2, "ready": 2, "active": 3, "suspended": 2}

_COUNTER = itertools.count(1)


def spec_operation_ids(spec: dict[str, Any]) -> list[str]:
    return [
        operation["operationId"]
        for item in spec["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "operationId" in operation
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per operation of the spec (one placeholder that skips when it is absent)."""
    if "operation_id" not in metafunc.fixturenames:
        return
    path = codegen.spec_path(None)
    ids = spec_operation_ids(codegen.load_spec(path)[1]) if path.is_file() else ["no-spec"]
    metafunc.parametrize("operation_id", ids)


def new_simulator() -> WirelessSimulator:
    seedable = Vocabulary.load().seedable_sim_statuses
    return WirelessSimulator(
        sims=120,
        seed=7,
        seed_commands=10,
        clock=ManualClock(),
        callback_transport=CallbackCapture(),
        status_mix={status: STATUS_WEIGHTS.get(status, 1) for status in seedable},
    )


@pytest.fixture(scope="module")
def patched_schema(upstream_spec: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_dict(apply_patches(upstream_spec))


@pytest.fixture(scope="module")
def simulator() -> WirelessSimulator:
    return new_simulator()


def test_the_simulator_implements_only_documented_operations(
    upstream_spec: dict[str, Any], patched_schema: Any
) -> None:
    documented = spec_operation_ids(upstream_spec)
    assert len(documented) == len(set(documented)), "operationIds must be unique"
    schema_ids = {
        result.ok().definition.raw["operationId"] for result in patched_schema.get_all_operations()
    }
    assert schema_ids == set(documented)
    assert OPERATIONS
    assert set(documented) >= OPERATIONS


def test_operation_conforms(
    patched_schema: Any, simulator: WirelessSimulator, operation_id: str
) -> None:
    if operation_id not in OPERATIONS:
        pytest.skip(f"{operation_id}: documented by the spec, not implemented by the simulator")
    statuses = run_operation(patched_schema, operation_id, simulator, MAX_EXAMPLES)
    assert len(statuses) >= min(MAX_EXAMPLES, 3), statuses


def run_operation(
    schema: Any, operation_id: str, simulator: WirelessSimulator, max_examples: int
) -> list[int]:
    """Check `max_examples` generated requests; returns the statuses answered."""
    operation = schema.find_operation_by_id(operation_id)
    statuses: list[int] = []

    @hypothesis.settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
    )
    @hypothesis.given(case=operation.as_strategy(GenerationMode.POSITIVE))
    def run(case: Case) -> None:
        statuses.append(check_case(case, operation_id, simulator))

    run()
    return statuses


def check_case(case: Case, operation_id: str, simulator: WirelessSimulator) -> int:
    """Make `case` meaningful, send it, validate the answer; it must be 2xx."""
    _make_meaningful(case, operation_id, simulator)
    response = case.call(app=simulator.app, headers={"Authorization": _auth(simulator)})
    case.validate_response(response, checks=CHECKS)
    assert 200 <= response.status_code < 300, (response.status_code, response.text)
    # Settle any status change the example started, so later ones see stable SIMs.
    simulator.manual_clock.advance(3600)
    return int(response.status_code)


def _auth(simulator: WirelessSimulator) -> str:
    token = f"{simulator.account_sid}:{simulator.auth_token}".encode()
    return "Basic " + base64.b64encode(token).decode("ascii")


# --- a newer spec ----------------------------------------------------------------------------


def _extended(name: str, value: str) -> type[StrEnum]:
    members = {member.name: member.value for member in getattr(models, name)}
    return StrEnum(name, {**members, value.upper(): value})


def _with_field(name: str, field: str) -> type:
    fields = {f.name: attrs.field(default=None) for f in attrs.fields(getattr(models, name))}
    return attrs.make_class(name, {**fields, field: attrs.field(default=None)})


def test_a_newer_spec_still_conforms(
    upstream_spec: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = copy.deepcopy(upstream_spec)
    schemas = spec["components"]["schemas"]
    schemas["sim_enum_status"]["enum"].append("hibernating")
    schemas["command_enum_status"]["enum"].append("expired")
    schemas["command_enum_command_mode"]["enum"].append("hex")
    schemas["wireless.v1.sim"]["properties"]["imei"] = {"type": "string", "nullable": True}
    list_sims = spec["paths"]["/v1/Sims"]["get"]
    list_sims["parameters"].append({"name": "Imei", "in": "query", "schema": {"type": "string"}})
    spec["paths"]["/v1/Sims/{Sid}/Hibernation"] = {
        "post": {
            "operationId": "CreateHibernation",
            "tags": list_sims["tags"],
            "parameters": [
                {"name": "Sid", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {"204": {"description": "The SIM hibernates."}},
        }
    }
    # What regenerating from that spec does to the generated code the simulator reads.
    monkeypatch.setattr(models, "Sim", _with_field("Sim", "imei"))
    monkeypatch.setattr(models, "SimStatus", _extended("SimStatus", "hibernating"))
    monkeypatch.setattr(models, "CommandStatus", _extended("CommandStatus", "expired"))
    monkeypatch.setattr(models, "CommandMode", _extended("CommandMode", "hex"))
    schema = schemathesis.openapi.from_dict(apply_patches(spec))
    simulator = new_simulator()
    assert simulator.sim_sids("hibernating")
    assert simulator.get_sim(simulator.sim_sids()[0])["imei"] is None  # type: ignore[index]

    checked = [op for op in spec_operation_ids(spec) if op in OPERATIONS]
    assert set(checked) == OPERATIONS
    assert set(spec_operation_ids(spec)) - OPERATIONS == {"CreateHibernation"}
    for operation_id in checked:
        assert run_operation(schema, operation_id, simulator, 5), operation_id
    # The new values themselves, whatever the generator happened to pick.
    explicit = [
        ("UpdateSim", {"path_parameters": {"Sid": "x"}, "body": {"Status": "hibernating"}}),
        ("ListSim", {"query": {"Status": "hibernating", "Imei": "35209900176148"}}),
        ("ListCommand", {"query": {"Status": "expired"}}),
        ("CreateCommand", {"body": {"Command": "ping", "Sim": "x", "CommandMode": "hex"}}),
    ]
    for operation_id, parts in explicit:
        case = schema.find_operation_by_id(operation_id).Case(**parts)
        assert check_case(case, operation_id, simulator) in {200, 201}, operation_id


# --- pointing generated requests at live resources ---------------------------------------


def _sims(simulator: WirelessSimulator, *statuses: str) -> Iterator[Any]:
    for sim in simulator._state.sims.items:
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


def _modelled_inputs(values: dict[str, Any]) -> None:
    """Replace values the simulator does not model (a newer spec's) with modelled ones."""
    for name, value in values.items():
        allowed = MODELLED_METHODS if name.endswith("Method") else MODELLED_INPUTS.get(name)
        if allowed is None or not isinstance(value, str):
            continue
        if (value.upper() if name.endswith("Method") else value) not in allowed:
            values[name] = allowed[0]


def _make_meaningful(case: Case, operation: str, simulator: WirelessSimulator) -> None:
    if case.query is None:
        case.query = {}
    if case.path_parameters is None:
        case.path_parameters = {}
    if case.operation.method.upper() == "POST" and not isinstance(case.body, dict):
        case.body = {}
    query = case.query
    params = case.path_parameters
    body = case.body if isinstance(case.body, dict) else {}
    _modelled_inputs(query)
    _modelled_inputs(body)
    state = simulator._state
    if operation.startswith("List"):
        _fix_paging(query)
    if operation in {"FetchSim", "ListUsageRecord", "ListDataSession"}:
        sim = next(_sims(simulator))
        key = "Sid" if "Sid" in params else "SimSid"
        params[key] = sim.unique_name if next(_COUNTER) % 2 else sim.sid
    elif operation == "UpdateSim":
        _update_sim_body(body, params, simulator)
    elif operation == "DeleteSim":
        params["Sid"] = simulator.add_sim(status="canceled")["sid"]
    elif operation in {"FetchCommand", "DeleteCommand"}:
        sim = next(_sims(simulator, "active"))
        params["Sid"] = simulator.add_command(sim.sid, "ping")["sid"]
    elif operation == "CreateCommand":
        body["Sim"] = next(_sims(simulator, "active")).sid
        _command_body(body)
    elif operation in {"FetchRatePlan", "UpdateRatePlan"}:
        plan = state.rate_plans.items[0]
        params["Sid"] = plan.unique_name if next(_COUNTER) % 2 else plan.sid
        if "UniqueName" in body:
            body["UniqueName"] = _unique(body["UniqueName"], "plan-")
    elif operation == "DeleteRatePlan":
        params["Sid"] = simulator.add_rate_plan()["sid"]
    elif operation == "CreateRatePlan":
        _rate_plan_body(body)
    elif operation == "ListCommand" and "Sim" in query:
        query["Sim"] = next(_sims(simulator, "active")).unique_name


def _update_sim_body(
    body: dict[str, Any], params: dict[str, Any], simulator: WirelessSimulator
) -> None:
    status = body.get("Status")
    candidates: list[Any] = []
    if "ResetStatus" in body:
        body.pop("Status", None)
        candidates = list(_sims(simulator, "active"))
    elif status is not None:
        # A SIM already in that status (200), else one that may move to it (202).
        candidates = list(_sims(simulator, status)) or [
            sim
            for sim in _sims(simulator)
            if status in TRANSITIONS.get(sim.status, ()) and sim.rate_plan_sid is not None
        ]
    if not candidates:
        # No SIM is in that status or may move to it (`deleted`, `updating`): any 2xx
        # answer would be wrong, so the request changes other fields only.
        body.pop("Status", None)
        candidates = list(_sims(simulator))
    sim = candidates[next(_COUNTER) % len(candidates)]
    params["Sid"] = sim.sid
    if "UniqueName" in body:
        body["UniqueName"] = _unique(body["UniqueName"], "sim-x")
    if "RatePlan" in body:
        body["RatePlan"] = simulator._state.rate_plans.items[0].sid
    if "AccountSid" in body:
        body["AccountSid"] = simulator.account_sid
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
