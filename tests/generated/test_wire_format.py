"""What the generated layer puts on the wire, captured with pytest-httpx.

Each endpoint module's `request_kwargs()` is sent as is by a plain httpx client on the
base URL, as the facade's requester does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import httpx
import pytest
from pytest_httpx import HTTPXMock

from tests import bodies
from twilio_wireless_openapi.api.wireless_v1_rate_plan import create_rate_plan
from twilio_wireless_openapi.api.wireless_v1_sim import fetch_sim, update_sim
from twilio_wireless_openapi.api.wireless_v1_usage_record import list_usage_record
from twilio_wireless_openapi.models.create_rate_plan_request import CreateRatePlanRequest
from twilio_wireless_openapi.models.rate_plan import RatePlan
from twilio_wireless_openapi.models.sim import Sim
from twilio_wireless_openapi.models.sim_status import SimStatus
from twilio_wireless_openapi.models.sim_usage_record_granularity import (
    SimUsageRecordGranularity,
)
from twilio_wireless_openapi.models.sim_usage_record_page import SimUsageRecordPage
from twilio_wireless_openapi.models.update_sim_request import UpdateSimRequest
from twilio_wireless_openapi.types import format_datetime

BASE = "https://wireless.test"
SIM_SID = "DE" + "a" * 32
RATE_PLAN_SID = "WP" + "a" * 32
PAGE = {
    "usage_records": [],
    "meta": bodies.meta("usage_records", f"Sims/{SIM_SID}/UsageRecords", page_size=1000),
}


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=BASE) as client:
        yield client


async def test_booleans_are_lowercase_and_arrays_repeat_their_key(
    httpx_mock: HTTPXMock, http: httpx.AsyncClient
) -> None:
    httpx_mock.add_response(status_code=201, json=bodies.rate_plan(RATE_PLAN_SID))
    body = CreateRatePlanRequest(
        unique_name="fleet plan",
        data_enabled=True,
        messaging_enabled=False,
        international_roaming=["data", "messaging"],
        data_limit=1000,
    )
    response = await http.request(**create_rate_plan.request_kwargs(body=body))
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.content == (
        b"UniqueName=fleet+plan&DataEnabled=true&DataLimit=1000&MessagingEnabled=false"
        b"&InternationalRoaming=data&InternationalRoaming=messaging"
    )
    assert isinstance(create_rate_plan.parse_response(response), RatePlan)


async def test_request_kwargs_from_checked_values_matches_the_model_body(
    httpx_mock: HTTPXMock, http: httpx.AsyncClient
) -> None:
    # The facade's path: values keyed by python name; absent ones are not sent.
    httpx_mock.add_response(status_code=201, json=bodies.rate_plan(RATE_PLAN_SID))
    kwargs = create_rate_plan.request_kwargs_from(
        params={
            "unique_name": "fleet plan",
            "data_enabled": True,
            "messaging_enabled": False,
            "international_roaming": ["data", "messaging"],
            "data_limit": 1000,
        }
    )
    await http.request(**kwargs)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.content == (
        b"UniqueName=fleet+plan&DataEnabled=true&DataLimit=1000&MessagingEnabled=false"
        b"&InternationalRoaming=data&InternationalRoaming=messaging"
    )


async def test_update_sim_form_body(httpx_mock: HTTPXMock, http: httpx.AsyncClient) -> None:
    httpx_mock.add_response(status_code=200, json=bodies.sim(SIM_SID, status="active"))
    kwargs = update_sim.request_kwargs(
        SIM_SID, body=UpdateSimRequest(status=SimStatus.ACTIVE, friendly_name="pump 7")
    )
    response = await http.request(**kwargs)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.content == b"FriendlyName=pump+7&Status=active"
    sim = update_sim.parse_response(response)
    assert isinstance(sim, Sim)
    assert sim.status is SimStatus.ACTIVE


async def test_start_and_end_are_sent_in_utc_with_z(
    httpx_mock: HTTPXMock, http: httpx.AsyncClient
) -> None:
    httpx_mock.add_response(json=PAGE)
    plus_two = dt.timezone(dt.timedelta(hours=2))
    kwargs = list_usage_record.request_kwargs(
        SIM_SID,
        start=dt.datetime(2015, 7, 30, 22, 0, 0, 123456, tzinfo=plus_two),
        end=dt.datetime(2015, 7, 31, 20, 0, 0, tzinfo=dt.UTC),
        granularity=SimUsageRecordGranularity.DAILY,
        page_size=1000,
    )
    response = await http.request(**kwargs)
    request = httpx_mock.get_request()
    assert request is not None
    assert (
        request.url.raw_path
        == (
            f"/v1/Sims/{SIM_SID}/UsageRecords"
            "?End=2015-07-31T20%3A00%3A00Z&Start=2015-07-30T20%3A00%3A00Z"
            "&Granularity=daily&PageSize=1000"
        ).encode()
    )
    page = list_usage_record.parse_response(response)
    assert isinstance(page, SimUsageRecordPage)
    assert page.usage_records == []


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        format_datetime(dt.datetime(2015, 7, 30, 20, 0))


@pytest.mark.parametrize(
    ("sid", "raw_path"),
    [
        ("my-unique-name", b"/v1/Sims/my-unique-name"),
        ("a/b", b"/v1/Sims/a%2Fb"),
        ("pump 7?x=1#frag", b"/v1/Sims/pump%207%3Fx%3D1%23frag"),
        ("100%", b"/v1/Sims/100%25"),
        ("caf\u00e9", b"/v1/Sims/caf%C3%A9"),
    ],
)
async def test_path_parameters_are_percent_encoded(
    httpx_mock: HTTPXMock, http: httpx.AsyncClient, sid: str, raw_path: bytes
) -> None:
    httpx_mock.add_response(json=bodies.sim(SIM_SID))
    response = await http.request(**fetch_sim.request_kwargs(sid))
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path == raw_path
    assert fetch_sim.parse_response(response).sid == SIM_SID


@pytest.mark.parametrize(
    ("sid", "raw_path"), [("..", b"/v1"), (".", b"/v1/Sims"), ("", b"/v1/Sims/")]
)
async def test_dot_and_empty_ids_escape_encoding(
    httpx_mock: HTTPXMock, http: httpx.AsyncClient, sid: str, raw_path: bytes
) -> None:
    # Why the facade must reject these ids itself: encoding leaves them as they are, and
    # URL normalisation turns them into requests for another endpoint.
    httpx_mock.add_response(json={})
    await http.request(**fetch_sim.request_kwargs(sid))
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path == raw_path
