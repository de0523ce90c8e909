"""What the generated layer puts on the wire, captured with pytest-httpx."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from pytest_httpx import HTTPXMock

from twilio_wireless_openapi.api.wireless_v1_rate_plan import create_rate_plan
from twilio_wireless_openapi.api.wireless_v1_sim import fetch_sim, update_sim
from twilio_wireless_openapi.api.wireless_v1_usage_record import list_usage_record
from twilio_wireless_openapi.client import Client
from twilio_wireless_openapi.models.create_rate_plan_request import CreateRatePlanRequest
from twilio_wireless_openapi.models.sim_usage_record_granularity import (
    SimUsageRecordGranularity,
)
from twilio_wireless_openapi.models.sim_status import SimStatus
from twilio_wireless_openapi.models.update_sim_request import UpdateSimRequest
from twilio_wireless_openapi.types import format_datetime

BASE = "https://wireless.test"
SIM_SID = "DE" + "a" * 32
PAGE = {"usage_records": [], "meta": {"next_page_url": None}}


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    async with Client(base_url=BASE) as c:
        yield c


async def test_booleans_are_lowercase_and_arrays_repeat_their_key(
    httpx_mock: HTTPXMock, client: Client
) -> None:
    httpx_mock.add_response(status_code=201, json={"sid": "WP" + "a" * 32})
    body = CreateRatePlanRequest(
        unique_name="fleet plan",
        data_enabled=True,
        messaging_enabled=False,
        international_roaming=["data", "messaging"],
        data_limit=1000,
    )
    await create_rate_plan.asyncio_detailed(client=client, body=body)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.content == (
        b"UniqueName=fleet+plan&DataEnabled=true&DataLimit=1000&MessagingEnabled=false"
        b"&InternationalRoaming=data&InternationalRoaming=messaging"
    )


async def test_update_sim_form_body(httpx_mock: HTTPXMock, client: Client) -> None:
    httpx_mock.add_response(status_code=200, json={"sid": SIM_SID})
    await update_sim.asyncio_detailed(
        SIM_SID, client=client, body=UpdateSimRequest(status=SimStatus.ACTIVE, friendly_name="pump 7")
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.content == b"FriendlyName=pump+7&Status=active"


async def test_start_and_end_are_sent_in_utc_with_z(httpx_mock: HTTPXMock, client: Client) -> None:
    httpx_mock.add_response(json=PAGE)
    plus_two = dt.timezone(dt.timedelta(hours=2))
    await list_usage_record.asyncio_detailed(
        SIM_SID,
        client=client,
        start=dt.datetime(2015, 7, 30, 22, 0, 0, 123456, tzinfo=plus_two),
        end=dt.datetime(2015, 7, 31, 20, 0, 0, tzinfo=dt.UTC),
        granularity=SimUsageRecordGranularity.DAILY,
        page_size=1000,
    )
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path == (
        f"/v1/Sims/{SIM_SID}/UsageRecords"
        "?End=2015-07-31T20%3A00%3A00Z&Start=2015-07-30T20%3A00%3A00Z"
        "&Granularity=daily&PageSize=1000"
    ).encode()


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
    httpx_mock: HTTPXMock, client: Client, sid: str, raw_path: bytes
) -> None:
    httpx_mock.add_response(json={"sid": SIM_SID})
    await fetch_sim.asyncio_detailed(sid, client=client)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path == raw_path


@pytest.mark.parametrize(("sid", "raw_path"), [("..", b"/v1"), (".", b"/v1/Sims"), ("", b"/v1/Sims/")])
async def test_dot_and_empty_ids_escape_encoding(
    httpx_mock: HTTPXMock, client: Client, sid: str, raw_path: bytes
) -> None:
    # Why the facade must reject these ids itself: encoding leaves them as they are, and
    # URL normalisation turns them into requests for another endpoint.
    httpx_mock.add_response(json={})
    await fetch_sim.asyncio_detailed(sid, client=client)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.url.raw_path == raw_path
