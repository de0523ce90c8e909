"""Each spec patch, proved on the generated code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import httpx
import pytest
from pytest_httpx import HTTPXMock

import twilio_wireless as tw
from ..clients import over_httpx
from tests import bodies
from twilio_wireless_openapi import errors
from twilio_wireless_openapi.api.wireless_v1_sim import fetch_sim, update_sim
from twilio_wireless_openapi.models.account_usage_record import AccountUsageRecord
from twilio_wireless_openapi.models.command import Command
from twilio_wireless_openapi.models.command_status import CommandStatus
from twilio_wireless_openapi.models.data_session import DataSession
from twilio_wireless_openapi.models.http_method import HttpMethod
from twilio_wireless_openapi.models.page_meta import PageMeta
from twilio_wireless_openapi.models.rate_plan import RatePlan
from twilio_wireless_openapi.models.sim import Sim
from twilio_wireless_openapi.models.sim_page import SimPage
from twilio_wireless_openapi.models.sim_reset_status import SimResetStatus
from twilio_wireless_openapi.models.sim_status import SimStatus
from twilio_wireless_openapi.models.sim_usage_record import SimUsageRecord
from twilio_wireless_openapi.models.twilio_error_body import TwilioErrorBody
from twilio_wireless_openapi.models.update_sim_request import UpdateSimRequest

SIM_SID = "DE" + "a" * 32
COMMAND_SID = "DC" + "a" * 32

# Every field of a Sim, as the API serializes it (and as to_dict() writes it back).
FULL_SIM: dict[str, Any] = {
    "sid": SIM_SID,
    "unique_name": "pump-7",
    "account_sid": bodies.ACCOUNT_SID,
    "rate_plan_sid": "WP" + "a" * 32,
    "friendly_name": "pump 7",
    "iccid": "89883070000123456789",
    "e_id": None,
    "status": "active",
    "reset_status": None,
    "commands_callback_url": "https://example.com/commands",
    "commands_callback_method": "POST",
    "sms_fallback_method": "POST",
    "sms_fallback_url": None,
    "sms_method": "POST",
    "sms_url": None,
    "voice_fallback_method": "POST",
    "voice_fallback_url": None,
    "voice_method": "POST",
    "voice_url": None,
    "date_created": "2015-07-30T20:00:00Z",
    "date_updated": "2015-07-30T20:00:00Z",
    "url": f"{bodies.BASE}/Sims/{SIM_SID}",
    "links": {
        "usage_records": f"{bodies.BASE}/Sims/{SIM_SID}/UsageRecords",
        "rate_plan": f"{bodies.BASE}/RatePlans/WP{'a' * 32}",
    },
    "ip_address": "192.168.1.1",
}

# Every field of a Command.
FULL_COMMAND: dict[str, Any] = {
    "sid": COMMAND_SID,
    "account_sid": bodies.ACCOUNT_SID,
    "sim_sid": SIM_SID,
    "command": "reboot",
    "command_mode": "text",
    "transport": "sms",
    "delivery_receipt_requested": True,
    "status": "queued",
    "direction": "to_sim",
    "date_created": "2015-07-30T20:00:00Z",
    "date_updated": "2015-07-30T20:00:00Z",
    "url": f"{bodies.BASE}/Commands/{COMMAND_SID}",
}


def test_a_full_sim_round_trips() -> None:
    sim = Sim.from_dict(FULL_SIM)
    assert sim.status is SimStatus.ACTIVE
    assert sim.links is not None
    assert sim.links["usage_records"].endswith("/UsageRecords")
    assert sim.to_dict() == FULL_SIM


# 1. nullable enum refs -------------------------------------------------------------


def test_null_sim_enums_parse_as_none_and_round_trip() -> None:
    body = {**FULL_SIM, "status": None, "reset_status": None}
    sim = Sim.from_dict(body)
    assert sim.status is None
    assert sim.reset_status is None
    assert sim.to_dict() == body


def test_null_command_enums_parse_as_none() -> None:
    nulls = {"command_mode": None, "transport": None, "status": None, "direction": None}
    body = {**FULL_COMMAND, **nulls}
    command = Command.from_dict(body)
    assert (command.command_mode, command.transport, command.status, command.direction) == (
        None,
        None,
        None,
        None,
    )
    assert command.to_dict() == body


def test_present_enum_values_become_enum_members() -> None:
    sim = Sim.from_dict(bodies.sim(SIM_SID, status="active", reset_status="resetting"))
    assert sim.status is SimStatus.ACTIVE
    assert sim.reset_status is SimResetStatus.RESETTING
    assert sim.status == "active"


# required identity, nullable rest ---------------------------------------------------


def _nullable_fields(model: type) -> list[str]:
    return [
        field.name
        for field in attrs.fields(model)
        if field.name != "additional_properties" and "None" in str(field.type)
    ]


IDENTITY: list[tuple[type, Callable[[], dict[str, Any]], tuple[str, ...]]] = [
    (Sim, lambda: bodies.sim(SIM_SID), ("sid", "account_sid", "url", "date_created")),
    (
        Command,
        lambda: bodies.command(COMMAND_SID, sim_sid=SIM_SID),
        ("sid", "account_sid", "sim_sid", "url", "date_created"),
    ),
    (
        RatePlan,
        lambda: bodies.rate_plan("WP" + "a" * 32),
        ("sid", "account_sid", "url", "date_created"),
    ),
    (
        DataSession,
        lambda: {"sid": "WN" + "a" * 32, "sim_sid": SIM_SID, "account_sid": bodies.ACCOUNT_SID},
        ("sid", "sim_sid", "account_sid"),
    ),
    (
        SimUsageRecord,
        lambda: {"sim_sid": SIM_SID, "account_sid": bodies.ACCOUNT_SID},
        ("sim_sid", "account_sid"),
    ),
    (AccountUsageRecord, lambda: {"account_sid": bodies.ACCOUNT_SID}, ("account_sid",)),
    (
        PageMeta,
        lambda: {
            name: value
            for name, value in bodies.meta("sims", "Sims").items()
            if name not in ("next_page_url", "previous_page_url")
        },
        ("first_page_url", "key", "page", "page_size", "url"),
    ),
]
IDS = [model.__name__ for model, _, _ in IDENTITY]


@pytest.mark.parametrize(("model", "body", "identity"), IDENTITY, ids=IDS)
def test_a_field_missing_from_a_body_reads_as_none(
    model: type, body: Callable[[], dict[str, Any]], identity: tuple[str, ...]
) -> None:
    given = body()
    parsed = model.from_dict(given)  # type: ignore[attr-defined]
    missing = [name for name in _nullable_fields(model) if name not in given]
    assert missing  # the identity body leaves every other field out
    assert {name: getattr(parsed, name) for name in missing} == dict.fromkeys(missing)
    for name in identity:
        assert getattr(parsed, name) is not None


@pytest.mark.parametrize(
    ("model", "body", "field"),
    [(model, body, field) for model, body, identity in IDENTITY for field in identity],
    ids=[f"{model.__name__}.{field}" for model, _, identity in IDENTITY for field in identity],
)
def test_an_identity_field_missing_from_a_body_raises(
    model: type, body: Callable[[], dict[str, Any]], field: str
) -> None:
    given = body()
    del given[field]
    with pytest.raises(KeyError, match=field):
        model.from_dict(given)  # type: ignore[attr-defined]


def test_identity_fields_are_not_nullable() -> None:
    for model, _, identity in IDENTITY:
        nullable = set(_nullable_fields(model))
        assert nullable.isdisjoint(identity), model


async def test_a_body_missing_an_identity_field_is_an_api_error(httpx_mock: HTTPXMock) -> None:
    body = bodies.sim(SIM_SID, status="active")
    del body["account_sid"]
    httpx_mock.add_response(json=body)
    async with over_httpx(
        bodies.ACCOUNT_SID, "token", base_url="https://wireless.test"
    ) as client:
        with pytest.raises(tw.APIError, match="could not parse the 200 response") as info:
            await client.sims.fetch(SIM_SID)
    assert "account_sid" in info.value.message
    assert isinstance(info.value.__cause__, KeyError)


# 2. UpdateSim answers 202 ----------------------------------------------------------


def test_update_sim_parses_a_202_body_as_a_sim() -> None:
    response = httpx.Response(202, json=bodies.sim(SIM_SID, status="updating"))
    sim = update_sim.parse_response(response)
    assert isinstance(sim, Sim)
    assert sim.status is SimStatus.UPDATING


async def test_update_sim_caller_can_tell_it_was_202(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        method="POST",
        url=f"https://wireless.test/v1/Sims/{SIM_SID}",
        status_code=202,
        json=bodies.sim(SIM_SID, status="updating"),
    )
    kwargs = update_sim.request_kwargs(SIM_SID, body=UpdateSimRequest(status=SimStatus.ACTIVE))
    async with httpx.AsyncClient(base_url="https://wireless.test") as http:
        response = await http.request(**kwargs)
    assert response.status_code == 202
    parsed = update_sim.parse_response(response)
    assert isinstance(parsed, Sim)
    assert parsed.status == "updating"


# 3. open enums and documented values -----------------------------------------------


def test_documented_deleted_status_is_a_member() -> None:
    assert SimStatus("deleted") is SimStatus.DELETED


@pytest.mark.parametrize("enum_type", [SimStatus, CommandStatus, HttpMethod])
def test_unknown_enum_values_parse_compare_and_round_trip(enum_type: type) -> None:
    value = enum_type("brand_new_value")
    assert value == "brand_new_value"
    assert value.value == "brand_new_value"
    assert str(value) == "brand_new_value"
    assert isinstance(value, enum_type)
    assert value not in list(enum_type)  # documented members stay as they were


def test_unknown_status_in_a_sim_round_trips() -> None:
    body = {**FULL_SIM, "status": "hibernating"}
    sim = Sim.from_dict(body)
    assert sim.status == "hibernating"
    assert sim.to_dict() == body


def test_every_model_parses_enums_through_the_enums_own_lookup() -> None:
    # Models read each enum's value-to-member dict as a module global (an attribute read
    # on an Enum class is slow on 3.11): every alias must be that enum's own dict.
    import importlib
    import pkgutil

    import twilio_wireless_openapi.models as models

    aliases = 0
    for info in pkgutil.iter_modules(models.__path__):
        module = importlib.import_module(f"{models.__name__}.{info.name}")
        for name, value in vars(module).items():
            if name.startswith("_") and name.endswith("_by_value"):
                enum_type = getattr(module, name[1 : -len("_by_value")])
                assert value is enum_type._by_value, f"{info.name}.{name}"
                aliases += 1
    assert aliases >= 10  # Sim, UpdateSimRequest, Command, ...


def test_a_non_string_enum_value_still_raises() -> None:
    with pytest.raises(ValueError, match="SimStatus"):
        SimStatus(42)


def test_unknown_fields_survive_a_round_trip() -> None:
    sim = Sim.from_dict({**FULL_SIM, "new_field": {"a": 1}})
    assert sim["new_field"] == {"a": 1}
    assert sim.to_dict() == {**FULL_SIM, "new_field": {"a": 1}}


# 4. Twilio's error body -------------------------------------------------------------


def test_twilio_error_body_model_exists() -> None:
    body = {
        "code": 20404,
        "message": "The requested resource /Sims/DE123 was not found",
        "more_info": "https://www.twilio.com/docs/errors/20404",
        "status": 404,
    }
    error = TwilioErrorBody.from_dict(body)
    assert (error.code, error.status) == (20404, 404)
    assert error.to_dict() == body


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(502, text="<html>Bad gateway</html>", headers={"Content-Type": "text/html"}),
        httpx.Response(404, json={"code": 20404, "message": "not found", "status": 404}),
    ],
)
def test_error_statuses_are_not_parsed_as_models(response: httpx.Response) -> None:
    # The error body is not declared as a 4XX/5XX response: no JSONDecodeError on HTML,
    # and the status survives for the facade to map.
    with pytest.raises(errors.UnexpectedStatus) as info:
        fetch_sim.parse_response(response)
    assert info.value.status_code == response.status_code


# shared models ----------------------------------------------------------------------


def test_list_responses_share_one_page_meta_model() -> None:
    page = SimPage.from_dict({"sims": [bodies.sim(SIM_SID)], "meta": bodies.meta("sims", "Sims")})
    assert isinstance(page.meta, PageMeta)
    assert page.meta.next_page_url is None
    assert page.meta.key == "sims"
    assert isinstance(page.sims, list)
    assert page.sims[0].sid == SIM_SID


def test_sim_callback_methods_use_the_shared_http_method_enum() -> None:
    sim = Sim.from_dict(bodies.sim(SIM_SID, commands_callback_method="GET", voice_method=None))
    assert sim.commands_callback_method is HttpMethod.GET
    assert sim.voice_method is None


# JSON parsing: orjson when installed, the standard library otherwise --------------------


def test_responses_parse_with_and_without_orjson() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "if sys.argv[1] == 'stdlib': sys.modules['orjson'] = None\n"
        "import httpx\n"
        "from twilio_wireless_openapi import types\n"
        "from twilio_wireless_openapi.api.wireless_v1_sim import fetch_sim\n"
        "body = {'sid': 'DE1', 'account_sid': 'AC1', 'url': 'https://x/v1/Sims/DE1',\n"
        "        'date_created': '2015-07-30T20:00:00Z', 'status': 'active'}\n"
        "sim = fetch_sim.parse_response(httpx.Response(200, json=body))\n"
        "print(types.json_loads.__module__, sim.sid, sim.status, sim.date_created.year)\n"
    )
    outputs = {
        mode: subprocess.run(
            [sys.executable, "-c", script, mode], capture_output=True, text=True, check=True
        ).stdout.split()
        for mode in ("stdlib", "default")
    }
    assert outputs["stdlib"] == ["json", "DE1", "active", "2015"]
    assert outputs["default"][1:] == ["DE1", "active", "2015"]
