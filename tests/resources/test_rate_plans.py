"""client.rate_plans: create, fetch, update, delete, list on the wire."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

import twilio_wireless as tw

from .conftest import (
    BAD_IDS,
    COMMAND_SID,
    RATE_PLAN_SID,
    SIM_SID,
    Example,
    assert_wire,
    only_request,
)

CREATED = dt.datetime(2019, 7, 30, 20, 0, tzinfo=dt.UTC)
PLAN_PATH = f"/v1/RatePlans/{RATE_PLAN_SID}"


def assert_example_plan(plan: object) -> None:
    assert isinstance(plan, tw.RatePlan)
    assert plan.sid == RATE_PLAN_SID
    assert plan.account_sid == "AC" + "a" * 32
    assert plan.unique_name == "unique_name"
    assert plan.friendly_name == "friendly_name"
    assert plan.data_enabled is True
    assert plan.data_limit == 1000
    assert plan.data_metering == "payg"
    assert plan.messaging_enabled is True
    assert plan.voice_enabled is True
    assert plan.national_roaming_enabled is True
    assert plan.national_roaming_data_limit == 1000
    assert plan.international_roaming == ["data", "messaging", "voice"]
    assert plan.international_roaming_data_limit == 1000
    assert plan.date_created == CREATED
    assert plan.date_updated == CREATED


# --- create ------------------------------------------------------------------------------


async def test_create_repeats_list_keys_and_lowercases_booleans(
    httpx_mock: HTTPXMock,
    client: tw.WirelessClient,
    example: Example,
    example_status: Callable[[str], int],
) -> None:
    assert example_status("CreateRatePlan") == 201
    httpx_mock.add_response(status_code=201, json=example("CreateRatePlan"))

    plan = await client.rate_plans.create(
        international_roaming=["data", "messaging"], data_enabled=True, messaging_enabled=False
    )

    assert_wire(
        only_request(httpx_mock),
        "POST",
        "/v1/RatePlans",
        body=(
            b"DataEnabled=true&MessagingEnabled=false"
            b"&InternationalRoaming=data&InternationalRoaming=messaging"
        ),
    )
    assert_example_plan(plan)


async def test_create_with_every_field_sends_the_exact_form_body(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(status_code=201, json=example("CreateRatePlan"))

    await client.rate_plans.create(
        unique_name="fleet plan",
        friendly_name="Fleet & pumps",
        data_enabled=False,
        data_limit=0,
        data_metering="quota-10",
        data_limit_strategy=tw.DataLimitStrategy.THROTTLE,
        messaging_enabled=True,
        voice_enabled=False,
        national_roaming_enabled=True,
        national_roaming_data_limit=2_000_000,
        international_roaming=("voice",),
        international_roaming_data_limit=500,
    )

    assert_wire(
        only_request(httpx_mock),
        "POST",
        "/v1/RatePlans",
        body=(
            b"UniqueName=fleet+plan&FriendlyName=Fleet+%26+pumps&DataEnabled=false"
            b"&DataLimit=0&DataMetering=quota-10&MessagingEnabled=true&VoiceEnabled=false"
            b"&NationalRoamingEnabled=true&InternationalRoaming=voice"
            b"&NationalRoamingDataLimit=2000000&InternationalRoamingDataLimit=500"
            b"&DataLimitStrategy=throttle"
        ),
    )


async def test_create_sends_values_the_spec_leaves_open_as_given(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    # The spec declares DataMetering and InternationalRoaming's items as plain strings,
    # and no bounds on the limits or names: the documented values and the 2 TB cap are
    # prose, and the API is the authority on them.
    httpx_mock.add_response(status_code=201, json=example("CreateRatePlan"))

    await client.rate_plans.create(
        unique_name="",
        data_limit=2_000_001,
        data_metering="pooled",
        international_roaming=["data", "sms"],
        national_roaming_data_limit=-5,
    )

    assert_wire(
        only_request(httpx_mock),
        "POST",
        "/v1/RatePlans",
        body=(
            b"UniqueName=&DataLimit=2000001&DataMetering=pooled"
            b"&InternationalRoaming=data&InternationalRoaming=sms"
            b"&NationalRoamingDataLimit=-5"
        ),
    )


async def test_create_with_nothing_posts_an_empty_form(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(status_code=201, json=example("CreateRatePlan"))

    plan = await client.rate_plans.create()

    assert_wire(only_request(httpx_mock), "POST", "/v1/RatePlans", body=b"")
    assert isinstance(plan, tw.RatePlan)


# --- fetch -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sid", "raw_path"),
    [(RATE_PLAN_SID, PLAN_PATH), ("fleet plan/eu", "/v1/RatePlans/fleet%20plan%2Feu")],
    ids=["sid", "unique-name"],
)
async def test_fetch_sends_a_get_and_parses_the_spec_example(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example, sid: str, raw_path: str
) -> None:
    httpx_mock.add_response(json=example("FetchRatePlan"))

    plan = await client.rate_plans.fetch(sid)

    assert_wire(only_request(httpx_mock), "GET", raw_path)
    assert_example_plan(plan)


async def test_unknown_fields_in_a_rate_plan_survive(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    body = example("FetchRatePlan")
    body["international_roaming"] = ["data", "satellite"]
    body["data_limit_strategy"] = "throttle"
    httpx_mock.add_response(json=body)

    plan = await client.rate_plans.fetch(RATE_PLAN_SID)

    assert plan.international_roaming == ["data", "satellite"]
    assert plan["data_limit_strategy"] == "throttle"


# --- update ------------------------------------------------------------------------------


async def test_update_sends_the_names(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("UpdateRatePlan"))

    plan = await client.rate_plans.update(
        RATE_PLAN_SID, unique_name="fleet-eu", friendly_name="Fleet (EU)"
    )

    assert_wire(
        only_request(httpx_mock),
        "POST",
        PLAN_PATH,
        body=b"UniqueName=fleet-eu&FriendlyName=Fleet+%28EU%29",
    )
    assert_example_plan(plan)


async def test_update_by_unique_name_with_one_field(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("UpdateRatePlan"))

    await client.rate_plans.update("fleet plan", friendly_name="")

    assert_wire(
        only_request(httpx_mock), "POST", "/v1/RatePlans/fleet%20plan", body=b"FriendlyName="
    )


async def test_update_sends_an_empty_unique_name_as_given(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("UpdateRatePlan"))

    await client.rate_plans.update(RATE_PLAN_SID, unique_name="")

    assert_wire(only_request(httpx_mock), "POST", PLAN_PATH, body=b"UniqueName=")


# --- delete ------------------------------------------------------------------------------


async def test_delete_sends_a_delete_and_returns_none(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(status_code=204)

    result = await client.rate_plans.delete(RATE_PLAN_SID)

    assert_wire(only_request(httpx_mock), "DELETE", PLAN_PATH)
    assert result is None


# --- list --------------------------------------------------------------------------------


async def test_list_sends_the_page_size_and_parses_plans(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("ListRatePlan", "readFull"))

    plans = await client.rate_plans.list(page_size=1000).to_list()

    assert_wire(only_request(httpx_mock), "GET", "/v1/RatePlans", query="PageSize=1000")
    assert len(plans) == 1
    assert_example_plan(plans[0])


async def test_list_of_an_empty_page_with_a_limit(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("ListRatePlan", "readEmpty"))

    plans = await client.rate_plans.list(limit=5000).to_list()

    assert_wire(only_request(httpx_mock), "GET", "/v1/RatePlans", query="PageSize=1000")
    assert plans == []


async def test_list_with_limit_zero_sends_nothing(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    assert await client.rate_plans.list(limit=0).to_list() == []
    assert httpx_mock.get_requests() == []


# --- validation: nothing is sent ---------------------------------------------------------

AsyncCall = Callable[[tw.WirelessClient], Awaitable[object]]


def _create(**kwargs: Any) -> AsyncCall:
    return lambda c: c.rate_plans.create(**kwargs)


ASYNC_CASES: list[tuple[str, AsyncCall]] = [
    ("international_roaming", _create(international_roaming="data")),
    ("international_roaming", _create(international_roaming=b"data")),
    ("international_roaming", _create(international_roaming=["data", 7])),
    ("international_roaming", _create(international_roaming=7)),
    ("international_roaming", _create(international_roaming=[])),
    ("data_enabled", _create(data_enabled="yes")),
    ("messaging_enabled", _create(messaging_enabled=1)),
    ("voice_enabled", _create(voice_enabled="false")),
    ("national_roaming_enabled", _create(national_roaming_enabled=0)),
    ("data_limit", _create(data_limit=1.5)),
    ("data_limit", _create(data_limit="10")),
    ("data_limit", _create(data_limit=True)),
    ("national_roaming_data_limit", _create(national_roaming_data_limit="5")),
    ("international_roaming_data_limit", _create(international_roaming_data_limit=1.5)),
    ("data_metering", _create(data_metering=5)),
    ("data_limit_strategy", _create(data_limit_strategy="stop")),
    ("unique_name", _create(unique_name=5)),
    ("friendly_name", _create(friendly_name=["x"])),
    *[("sid", lambda c, bad=bad: c.rate_plans.fetch(bad)) for bad in BAD_IDS],
    ("sid", lambda c: c.rate_plans.fetch(SIM_SID)),
    ("sid", lambda c: c.rate_plans.fetch(COMMAND_SID)),
    *[("sid", lambda c, bad=bad: c.rate_plans.update(bad, friendly_name="x")) for bad in BAD_IDS],
    ("sid", lambda c: c.rate_plans.update(SIM_SID, friendly_name="x")),
    ("unique_name", lambda c: c.rate_plans.update(RATE_PLAN_SID, unique_name=["x"])),
    ("data_limit", lambda c: c.rate_plans.update(RATE_PLAN_SID, data_limit=5)),
    ("friendly_name", lambda c: c.rate_plans.update(RATE_PLAN_SID, friendly_name=1)),
    *[("sid", lambda c, bad=bad: c.rate_plans.delete(bad)) for bad in BAD_IDS],
    ("sid", lambda c: c.rate_plans.delete(SIM_SID)),
]

ListCall = Callable[[tw.WirelessClient], object]
LIST_CASES: list[tuple[str, ListCall]] = [
    ("page_size", lambda c: c.rate_plans.list(page_size="10")),
    ("page_size", lambda c: c.rate_plans.list(page_size=0)),
    ("page_size", lambda c: c.rate_plans.list(page_size=1001)),
    ("limit", lambda c: c.rate_plans.list(limit=-1)),
    ("page_url", lambda c: c.rate_plans.list(page_url="https://wireless.test/v1/Sims")),
]


async def test_a_bare_string_for_international_roaming_asks_for_a_list(
    httpx_mock: HTTPXMock, offline_client: tw.WirelessClient
) -> None:
    with pytest.raises(ValueError, match=r"^international_roaming: 'data' is not valid") as info:
        await offline_client.rate_plans.create(international_roaming="data")  # type: ignore[arg-type]
    assert str(info.value).endswith("expected a list of str")

    assert httpx_mock.get_requests() == []
