"""client.sims: fetch, update, delete, list, usage_records, data_sessions on the wire."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

import twilio_wireless as tw
from twilio_wireless.testing import FakeClock

from ..clients import over_httpx
from .conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BAD_IDS,
    BASE_URL,
    COMMAND_SID,
    RATE_PLAN_SID,
    SIM_SID,
    Example,
    assert_wire,
    only_request,
)

UTC = dt.UTC
CREATED = dt.datetime(2015, 7, 30, 20, 0, tzinfo=UTC)
SIM_PATH = f"/v1/Sims/{SIM_SID}"


# --- fetch -------------------------------------------------------------------------------


async def test_fetch_sends_a_get_and_parses_the_spec_example(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("FetchSim"))

    sim = await client.sims.fetch(SIM_SID)

    assert_wire(only_request(httpx_mock), "GET", SIM_PATH)
    assert isinstance(sim, tw.Sim)
    assert sim.sid == SIM_SID
    assert sim.account_sid == "AC" + "a" * 32
    assert sim.rate_plan_sid == RATE_PLAN_SID
    assert sim.unique_name == "unique_name"
    assert sim.iccid == "iccid"
    assert sim.status == "new"
    assert sim.status is tw.SimStatus.NEW
    assert sim.reset_status is None
    assert sim.commands_callback_method is tw.HttpMethod.POST
    assert sim.commands_callback_url == "http://www.example.com"
    assert sim.date_created == CREATED
    assert sim.date_updated == CREATED
    assert sim.ip_address == "192.168.1.1"
    assert isinstance(sim.links, tw.SimLinks)
    assert sim.links["usage_records"] == (
        f"https://wireless.twilio.com/v1/Sims/{'DE' + 'a' * 32}/UsageRecords"
    )


async def test_fetch_by_unique_name_percent_encodes_the_whole_segment(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("FetchSim"))

    sim = await client.sims.fetch("pump 7/a")

    assert_wire(only_request(httpx_mock), "GET", "/v1/Sims/pump%207%2Fa")
    assert isinstance(sim, tw.Sim)


async def test_unknown_fields_and_enum_values_in_a_response_survive(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    body = example("FetchSim")
    body["status"] = "hibernating"
    body["reset_status"] = "rebooting"
    body["brand_new"] = {"nested": [1, 2]}
    httpx_mock.add_response(json=body)

    sim = await client.sims.fetch(SIM_SID)

    assert sim.status == "hibernating"
    assert isinstance(sim.status, tw.SimStatus)
    assert sim.reset_status == "rebooting"
    assert sim["brand_new"] == {"nested": [1, 2]}
    assert sim.to_dict()["brand_new"] == {"nested": [1, 2]}
    assert sim.to_dict()["status"] == "hibernating"


# --- update ------------------------------------------------------------------------------


def settled(body: dict[str, Any], status: str) -> dict[str, Any]:
    """A spec example answering an update as already settled in `status`."""
    return {**body, "status": status}


@pytest.mark.parametrize("status", ["active", tw.SimStatus.ACTIVE], ids=["str", "enum"])
async def test_update_status_as_str_or_enum_sends_the_same_form(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example, status: Any
) -> None:
    httpx_mock.add_response(json=settled(example("UpdateSim", "update"), "active"))

    sim = await client.sims.update(SIM_SID, status=status)

    assert_wire(only_request(httpx_mock), "POST", SIM_PATH, body=b"Status=active")
    assert isinstance(sim, tw.Sim)
    assert sim.status is tw.SimStatus.ACTIVE
    assert sim.reset_status is None
    assert sim.ip_address == "192.168.1.30"
    assert sim.date_updated == CREATED


async def test_update_with_many_fields_sends_the_exact_form_body(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=settled(example("UpdateSim", "updateMoveToSubaccount"), "ready"))
    subaccount = "AC" + "b" * 32

    sim = await client.sims.update(
        "pump 7",
        status=tw.SimStatus.READY,
        unique_name="pump 7b",
        friendly_name="Pump #7 & co",
        rate_plan="WP" + "b" * 32,
        callback_url="https://example.com/done?x=1",
        callback_method="GET",
        commands_callback_url="https://example.com/cmd",
        commands_callback_method=tw.HttpMethod.POST,
        account_sid=subaccount,
        sms_url="http://example.com/sms",
        sms_method="POST",
        sms_fallback_url="https://example.com/sms-fb",
        sms_fallback_method="GET",
        voice_url="https://example.com/voice",
        voice_method="GET",
        voice_fallback_url="https://example.com/voice-fb",
        voice_fallback_method="POST",
    )

    assert_wire(
        only_request(httpx_mock),
        "POST",
        "/v1/Sims/pump%207",
        body=(
            b"UniqueName=pump+7b"
            b"&CallbackMethod=GET"
            b"&CallbackUrl=https%3A%2F%2Fexample.com%2Fdone%3Fx%3D1"
            b"&FriendlyName=Pump+%237+%26+co"
            b"&RatePlan=WPbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
            b"&Status=ready"
            b"&CommandsCallbackMethod=POST"
            b"&CommandsCallbackUrl=https%3A%2F%2Fexample.com%2Fcmd"
            b"&SmsFallbackMethod=GET"
            b"&SmsFallbackUrl=https%3A%2F%2Fexample.com%2Fsms-fb"
            b"&SmsMethod=POST"
            b"&SmsUrl=http%3A%2F%2Fexample.com%2Fsms"
            b"&VoiceFallbackMethod=POST"
            b"&VoiceFallbackUrl=https%3A%2F%2Fexample.com%2Fvoice-fb"
            b"&VoiceMethod=GET"
            b"&VoiceUrl=https%3A%2F%2Fexample.com%2Fvoice"
            b"&AccountSid=ACbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
        ),
    )
    assert sim.account_sid == subaccount
    assert sim.rate_plan_sid == "WP" + "b" * 32
    assert sim.status is tw.SimStatus.READY


async def test_update_reset_connectivity_without_waiting(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("UpdateSim", "updateResetConnectivity"))

    sim = await client.sims.update(SIM_SID, reset_status="resetting", wait=False)

    assert_wire(only_request(httpx_mock), "POST", SIM_PATH, body=b"ResetStatus=resetting")
    assert sim.reset_status is tw.SimResetStatus.RESETTING
    assert sim.status is tw.SimStatus.ACTIVE
    assert sim.commands_callback_method is tw.HttpMethod.GET


async def test_update_answered_202_returns_the_sim_still_updating(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(
        status_code=202, json=settled(example("UpdateSim", "update"), "updating")
    )

    sim = await client.sims.update(SIM_SID, status="active", wait=False)

    assert_wire(only_request(httpx_mock), "POST", SIM_PATH, body=b"Status=active")
    assert isinstance(sim, tw.Sim)
    assert sim.status == "updating"
    assert sim.status is tw.SimStatus.UPDATING


async def test_update_answered_202_then_polls_the_sim_until_it_settles(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    clock = FakeClock()
    client.clock = clock
    body = example("UpdateSim", "update")
    httpx_mock.add_response(method="POST", status_code=202, json=settled(body, "updating"))
    httpx_mock.add_response(method="GET", json=settled(body, "updating"))
    httpx_mock.add_response(method="GET", json=settled(body, "active"))

    sim = await client.sims.update(SIM_SID, status="active")

    post, *polls = httpx_mock.get_requests()
    assert_wire(post, "POST", SIM_PATH, body=b"Status=active")
    assert len(polls) == 2
    for poll in polls:
        assert_wire(poll, "GET", SIM_PATH)
    assert sim.status is tw.SimStatus.ACTIVE
    assert len(clock.sleeps) == 2  # one wait before each poll, none of it real


@pytest.mark.httpx_mock(
    assert_all_responses_were_requested=False, assert_all_requests_were_expected=False
)
async def test_update_that_renames_polls_by_the_sid_it_was_answered_with(
    httpx_mock: HTTPXMock, example: Example
) -> None:
    body = {**example("UpdateSim", "update"), "unique_name": "pump-7b"}
    httpx_mock.add_response(method="POST", status_code=202, json=settled(body, "updating"))
    httpx_mock.add_response(method="GET", url=BASE_URL + SIM_PATH, json=settled(body, "active"))
    httpx_mock.add_response(
        method="GET", url=BASE_URL + "/v1/Sims/pump%207", status_code=404, json={}
    )
    # No retries: the 404 for the old name must surface at once.
    async with over_httpx(
        ACCOUNT_SID, AUTH_TOKEN, base_url=BASE_URL, retry=tw.RetryPolicy.none(), clock=FakeClock()
    ) as client:
        sim = await client.sims.update("pump 7", unique_name="pump-7b", status="active")

    assert sim.status is tw.SimStatus.ACTIVE
    assert httpx_mock.get_requests()[-1].url.raw_path == SIM_PATH.encode()


async def test_update_sends_any_uri_scheme_as_given(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    # `format: uri` asks for a scheme, not for http(s): the API judges the rest.
    httpx_mock.add_response(json=example("UpdateSim", "update"))

    await client.sims.update(SIM_SID, callback_url="ftp://x")

    assert_wire(only_request(httpx_mock), "POST", SIM_PATH, body=b"CallbackUrl=ftp%3A%2F%2Fx")


async def test_update_with_no_fields_posts_an_empty_form(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("UpdateSim", "update"))

    sim = await client.sims.update(SIM_SID)

    assert_wire(only_request(httpx_mock), "POST", SIM_PATH, body=b"")
    assert sim.status is tw.SimStatus.NEW


# --- delete ------------------------------------------------------------------------------


async def test_delete_sends_a_delete_and_returns_none(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(status_code=204)

    result = await client.sims.delete(SIM_SID)

    assert_wire(only_request(httpx_mock), "DELETE", SIM_PATH)
    assert result is None


# --- list --------------------------------------------------------------------------------


async def test_list_sends_filters_in_order_and_parses_sims(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("ListSim", "readFull"))

    pager = client.sims.list(
        status="active",
        iccid="8901 23",
        rate_plan=RATE_PLAN_SID,
        e_id="e1",
        sim_registration_code="code",
        page_size=20,
    )
    assert httpx_mock.get_requests() == []  # lazy until iterated
    sims = await pager.to_list()

    assert_wire(
        only_request(httpx_mock),
        "GET",
        "/v1/Sims",
        query=(
            f"Status=active&Iccid=8901+23&RatePlan={RATE_PLAN_SID}&EId=e1"
            "&SimRegistrationCode=code&PageSize=20"
        ),
    )
    assert len(sims) == 1
    (sim,) = sims
    assert isinstance(sim, tw.Sim)
    assert sim.sid == SIM_SID
    assert sim.status is tw.SimStatus.NEW
    assert sim.reset_status is tw.SimResetStatus.RESETTING
    assert sim.date_created == CREATED


async def test_list_sends_what_the_spec_leaves_open_as_given(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    # The spec declares no length for Iccid: an empty one is the API's to judge.
    httpx_mock.add_response(json=example("ListSim", "readEmpty"))

    await client.sims.list(iccid="").to_list()

    assert_wire(only_request(httpx_mock), "GET", "/v1/Sims", query="Iccid=")


async def test_list_without_arguments_sends_no_query_and_an_empty_page_is_empty(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("ListSim", "readEmpty"))

    sims = await client.sims.list().to_list()

    assert_wire(only_request(httpx_mock), "GET", "/v1/Sims")
    assert sims == []


async def test_list_limit_sets_the_page_size_and_truncates(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    body = example("ListSim", "readFull")
    body["sims"] = [dict(body["sims"][0], sid="DE" + str(i) * 32) for i in range(3)]
    body["sims"][2]["status"] = "hibernating"
    httpx_mock.add_response(json=body)

    sims = await client.sims.list(limit=2).to_list()

    assert_wire(only_request(httpx_mock), "GET", "/v1/Sims", query="PageSize=2")
    assert [sim.sid for sim in sims] == ["DE" + "0" * 32, "DE" + "1" * 32]


async def test_list_keeps_unknown_status_values(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    body = example("ListSim", "readFull")
    body["sims"][0]["status"] = "hibernating"
    body["sims"][0]["brand_new"] = True
    httpx_mock.add_response(json=body)

    (sim,) = await client.sims.list().to_list()

    assert sim.status == "hibernating"
    assert sim["brand_new"] is True


# --- usage_records -----------------------------------------------------------------------


async def test_usage_records_sends_utc_times_and_parses_records(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("ListUsageRecord"))
    plus_two = dt.timezone(dt.timedelta(hours=2))
    minus_half = dt.timezone(-dt.timedelta(hours=3, minutes=30))

    records = await client.sims.usage_records(
        SIM_SID,
        start=dt.datetime(2015, 7, 30, 22, 0, 0, 999_999, tzinfo=plus_two),
        end=dt.datetime(2015, 7, 31, 16, 30, tzinfo=minus_half),
        granularity="daily",
        page_size=100,
    ).to_list()

    assert_wire(
        only_request(httpx_mock),
        "GET",
        f"{SIM_PATH}/UsageRecords",
        query=(
            "End=2015-07-31T20%3A00%3A00Z&Start=2015-07-30T20%3A00%3A00Z"
            "&Granularity=daily&PageSize=100"
        ),
    )
    assert len(records) == 2
    assert all(isinstance(record, tw.SimUsageRecord) for record in records)
    first = records[0]
    assert first.sim_sid == SIM_SID
    assert first.account_sid == "AC" + "a" * 32
    assert isinstance(first.period, tw.UsagePeriod)
    assert (first.period.start, first.period.end) == (CREATED, CREATED)
    assert isinstance(first.commands, tw.CommandsUsage)
    assert first.commands.total == 3
    assert isinstance(first.commands.home, tw.CommandsUsageDetail)
    assert first.commands.home.from_sim == 1
    assert first.commands.international_roaming == []
    assert isinstance(first.data, tw.DataUsage)
    assert first.data.download == 2763049
    assert first.data.units == "bytes"
    assert first.data.billed == 0.35
    # The second record's objects are empty: every field reads as None.
    empty = records[1]
    assert empty.period is not None
    assert (empty.period.start, empty.period.end) == (None, None)
    assert empty.data is not None
    assert (empty.data.total, empty.data.units) == (None, None)
    assert empty.commands is not None
    assert empty.commands.total is None


async def test_usage_records_of_a_unique_name_with_enum_granularity(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("ListUsageRecord"))

    records = await client.sims.usage_records(
        "pump 7", granularity=tw.SimUsageRecordGranularity.HOURLY, limit=1
    ).to_list()

    assert_wire(
        only_request(httpx_mock),
        "GET",
        "/v1/Sims/pump%207/UsageRecords",
        query="Granularity=hourly&PageSize=1",
    )
    assert len(records) == 1


# --- data_sessions -----------------------------------------------------------------------


async def test_data_sessions_sends_a_get_and_parses_sessions(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("ListDataSession"))

    sessions = await client.sims.data_sessions(SIM_SID, page_size=10).to_list()

    assert_wire(only_request(httpx_mock), "GET", f"{SIM_PATH}/DataSessions", query="PageSize=10")
    assert len(sessions) == 2
    assert all(isinstance(session, tw.DataSession) for session in sessions)
    open_session, closed = sessions
    assert open_session.sid == "WN" + "a" * 32
    assert open_session.sim_sid == SIM_SID
    assert open_session.radio_link == "LTE"
    assert open_session.start == CREATED
    assert open_session.last_updated == CREATED
    assert open_session.end is None
    assert open_session.imei is None
    assert open_session.packets_uploaded == 0
    assert isinstance(open_session.cell_location_estimate, tw.CellLocationEstimate)
    assert (open_session.cell_location_estimate.lat, open_session.cell_location_estimate.lon) == (
        None,
        None,
    )
    assert closed.radio_link == "3G"
    assert closed.end == CREATED
    assert closed.imei == "014931000129700"


async def test_data_sessions_without_arguments_sends_no_query(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("ListDataSession"))

    sessions = await client.sims.data_sessions("pump 7/a").to_list()

    assert_wire(only_request(httpx_mock), "GET", "/v1/Sims/pump%207%2Fa/DataSessions")
    assert len(sessions) == 2


# --- validation: nothing is sent ---------------------------------------------------------

NAIVE = dt.datetime(2015, 7, 30, 20, 0)

AsyncCall = Callable[[tw.WirelessClient], Awaitable[object]]
ASYNC_CASES: list[tuple[str, AsyncCall]] = [
    *[("sid", lambda c, bad=bad: c.sims.fetch(bad)) for bad in BAD_IDS],
    ("sid", lambda c: c.sims.fetch(RATE_PLAN_SID)),
    ("sid", lambda c: c.sims.fetch(COMMAND_SID)),
    ("sid", lambda c: c.sims.fetch(None)),  # type: ignore[arg-type]
    ("sid", lambda c: c.sims.update("..", status="active")),
    ("sid", lambda c: c.sims.update("WP" + "a" * 32, status="active")),
    ("status", lambda c: c.sims.update(SIM_SID, status="actve")),
    ("status", lambda c: c.sims.update(SIM_SID, status="ACTIVE")),
    ("status", lambda c: c.sims.update(SIM_SID, status=tw.SimStatus("hibernating"))),
    ("reset_status", lambda c: c.sims.update(SIM_SID, reset_status="reset")),
    ("account_sid", lambda c: c.sims.update(SIM_SID, account_sid="not-an-ac")),
    ("account_sid", lambda c: c.sims.update(SIM_SID, account_sid=SIM_SID)),
    ("rate_plan", lambda c: c.sims.update(SIM_SID, rate_plan=SIM_SID)),
    ("rate_plan", lambda c: c.sims.update(SIM_SID, rate_plan="")),
    ("callback_url", lambda c: c.sims.update(SIM_SID, callback_url="/relative/callback")),
    ("callback_method", lambda c: c.sims.update(SIM_SID, callback_method="PUT")),
    ("sms_url", lambda c: c.sims.update(SIM_SID, sms_url="example.com/sms")),
    ("voice_method", lambda c: c.sims.update(SIM_SID, voice_method="get")),
    ("friendly_name", lambda c: c.sims.update(SIM_SID, friendly_name=7)),  # type: ignore[arg-type]
    *[("sid", lambda c, bad=bad: c.sims.delete(bad)) for bad in BAD_IDS],
    ("sid", lambda c: c.sims.delete(ACCOUNT_SID)),
]

ListCall = Callable[[tw.WirelessClient], object]
LIST_CASES: list[tuple[str, ListCall]] = [
    ("status", lambda c: c.sims.list(status="actve")),
    ("page_size", lambda c: c.sims.list(page_size="10")),  # type: ignore[arg-type]
    ("page_size", lambda c: c.sims.list(page_size=0)),
    ("page_size", lambda c: c.sims.list(page_size=1001)),
    ("page_size", lambda c: c.sims.list(page_size=True)),  # type: ignore[arg-type]
    ("limit", lambda c: c.sims.list(limit=-1)),
    ("limit", lambda c: c.sims.list(limit=1.5)),  # type: ignore[arg-type]
    ("rate_plan", lambda c: c.sims.list(rate_plan=SIM_SID)),
    ("iccid", lambda c: c.sims.list(iccid=8901)),  # type: ignore[arg-type]
    # the pager owns Twilio's paging parameters
    ("page", lambda c: c.sims.list(page=3)),  # type: ignore[call-arg]
    ("page_token", lambda c: c.sims.list(page_token="PT1")),  # type: ignore[call-arg]
    *[("sim_sid", lambda c, bad=bad: c.sims.usage_records(bad)) for bad in BAD_IDS],
    ("sim_sid", lambda c: c.sims.usage_records(COMMAND_SID)),
    ("start", lambda c: c.sims.usage_records(SIM_SID, start=NAIVE)),
    ("end", lambda c: c.sims.usage_records(SIM_SID, end=NAIVE)),
    ("start", lambda c: c.sims.usage_records(SIM_SID, start="2015-07-30")),  # type: ignore[arg-type]
    ("granularity", lambda c: c.sims.usage_records(SIM_SID, granularity="weekly")),
    ("page_size", lambda c: c.sims.usage_records(SIM_SID, page_size=1001)),
    ("limit", lambda c: c.sims.usage_records(SIM_SID, limit=-1)),
    *[("sim_sid", lambda c, bad=bad: c.sims.data_sessions(bad)) for bad in BAD_IDS],
    ("sim_sid", lambda c: c.sims.data_sessions(RATE_PLAN_SID)),
    ("page_size", lambda c: c.sims.data_sessions(SIM_SID, page_size=0)),
    ("limit", lambda c: c.sims.data_sessions(SIM_SID, limit=-1)),
]


async def test_a_sid_of_another_resource_is_named_in_the_error(
    httpx_mock: HTTPXMock, offline_client: tw.WirelessClient
) -> None:
    with pytest.raises(ValueError, match="Rate Plan SID; expected a SIM SID") as info:
        offline_client.sims.data_sessions(RATE_PLAN_SID)
    assert "unique name" in str(info.value)
    assert httpx_mock.get_requests() == []


async def test_a_naive_datetime_is_refused_with_a_hint(
    httpx_mock: HTTPXMock, offline_client: tw.WirelessClient
) -> None:
    with pytest.raises(ValueError, match=r"^start: naive datetime") as info:
        offline_client.sims.usage_records(SIM_SID, start=NAIVE)
    assert "tzinfo" in str(info.value)

    assert httpx_mock.get_requests() == []


async def test_an_unknown_update_field_is_refused(
    httpx_mock: HTTPXMock, offline_client: tw.WirelessClient
) -> None:
    with pytest.raises(
        ValueError, match=r"^statuss: not a parameter of UpdateSim; expected some of \[.*'status'"
    ):
        await offline_client.sims.update(SIM_SID, statuss="active")  # type: ignore[call-arg]
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize("page_size", [0, 1001])
async def test_page_size_is_checked_against_the_spec_bounds(
    httpx_mock: HTTPXMock, offline_client: tw.WirelessClient, page_size: int
) -> None:
    expected = f"page_size: {page_size} is not valid; expected a number >= 1 and <= 1000"
    with pytest.raises(ValueError, match=r"^page_size: ") as info:
        offline_client.sims.list(page_size=page_size)
    assert str(info.value) == expected
    assert httpx_mock.get_requests() == []


async def test_an_unknown_list_filter_is_refused(
    httpx_mock: HTTPXMock, offline_client: tw.WirelessClient
) -> None:
    with pytest.raises(ValueError, match=r"^stats: not a parameter of ListSim; expected some of"):
        offline_client.sims.list(stats="active")  # type: ignore[call-arg]
    assert httpx_mock.get_requests() == []
