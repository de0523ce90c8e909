"""Each spec patch, proved on the generated code."""

from __future__ import annotations

import httpx
import pytest

from twilio_wireless_openapi import errors
from twilio_wireless_openapi.api.wireless_v1_sim import fetch_sim, update_sim
from twilio_wireless_openapi.models.command import Command
from twilio_wireless_openapi.models.command_status import CommandStatus
from twilio_wireless_openapi.models.http_method import HttpMethod
from twilio_wireless_openapi.models.page_meta import PageMeta
from twilio_wireless_openapi.models.sim import Sim
from twilio_wireless_openapi.models.sim_page import SimPage
from twilio_wireless_openapi.models.sim_reset_status import SimResetStatus
from twilio_wireless_openapi.models.sim_status import SimStatus
from twilio_wireless_openapi.models.twilio_error_body import TwilioErrorBody

SIM_SID = "DE" + "a" * 32


# 1. nullable enum refs -------------------------------------------------------------


def test_null_sim_enums_parse_as_none_and_round_trip() -> None:
    sim = Sim.from_dict({"sid": SIM_SID, "status": None, "reset_status": None})
    assert sim.status is None
    assert sim.reset_status is None
    assert sim.to_dict() == {"sid": SIM_SID, "status": None, "reset_status": None}


def test_null_command_enums_parse_as_none() -> None:
    body = {"command_mode": None, "transport": None, "status": None, "direction": None}
    command = Command.from_dict(body)
    assert (command.command_mode, command.transport, command.status, command.direction) == (
        None,
        None,
        None,
        None,
    )
    assert command.to_dict() == body


def test_present_enum_values_become_enum_members() -> None:
    sim = Sim.from_dict({"status": "active", "reset_status": "resetting"})
    assert sim.status is SimStatus.ACTIVE
    assert sim.reset_status is SimResetStatus.RESETTING
    assert sim.status == "active"


# 2. UpdateSim answers 202 ----------------------------------------------------------


def test_update_sim_parses_a_202_body_as_a_sim() -> None:
    sim = update_sim.parse_response(httpx.Response(202, json={"sid": SIM_SID, "status": "updating"}))
    assert isinstance(sim, Sim)
    assert sim.status is SimStatus.UPDATING


async def test_update_sim_caller_can_tell_it_was_202(httpx_mock) -> None:  # type: ignore[no-untyped-def]
    from twilio_wireless_openapi.client import Client
    from twilio_wireless_openapi.models.update_sim_request import UpdateSimRequest

    httpx_mock.add_response(
        method="POST",
        url=f"https://wireless.test/v1/Sims/{SIM_SID}",
        status_code=202,
        json={"sid": SIM_SID, "status": "updating"},
    )
    async with Client(base_url="https://wireless.test") as client:
        response = await update_sim.asyncio_detailed(
            SIM_SID, client=client, body=UpdateSimRequest(status=SimStatus.ACTIVE)
        )
    assert response.status_code == 202
    assert isinstance(response.parsed, Sim)
    assert response.parsed.status == "updating"


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
    sim = Sim.from_dict({"sid": SIM_SID, "status": "hibernating"})
    assert sim.status == "hibernating"
    assert sim.to_dict() == {"sid": SIM_SID, "status": "hibernating"}


def test_a_non_string_enum_value_still_raises() -> None:
    with pytest.raises(ValueError, match="SimStatus"):
        SimStatus(42)


def test_unknown_fields_survive_a_round_trip() -> None:
    sim = Sim.from_dict({"sid": SIM_SID, "new_field": {"a": 1}})
    assert sim["new_field"] == {"a": 1}
    assert sim.to_dict()["new_field"] == {"a": 1}


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
    page = SimPage.from_dict(
        {
            "sims": [{"sid": SIM_SID}],
            "meta": {"page": 0, "page_size": 50, "next_page_url": None, "key": "sims"},
        }
    )
    assert isinstance(page.meta, PageMeta)
    assert page.meta.next_page_url is None
    assert isinstance(page.sims, list)
    assert page.sims[0].sid == SIM_SID


def test_sim_callback_methods_use_the_shared_http_method_enum() -> None:
    sim = Sim.from_dict({"commands_callback_method": "GET", "voice_method": None})
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
        "sim = fetch_sim.parse_response(httpx.Response(200, json={'sid': 'DE1', 'status': 'active'}))\n"
        "print(types.json_loads.__module__, sim.sid, sim.status)\n"
    )
    outputs = {
        mode: subprocess.run(
            [sys.executable, "-c", script, mode], capture_output=True, text=True, check=True
        ).stdout.split()
        for mode in ("stdlib", "default")
    }
    assert outputs["stdlib"] == ["json", "DE1", "active"]
    assert outputs["default"][1:] == ["DE1", "active"]
