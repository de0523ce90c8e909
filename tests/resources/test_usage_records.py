"""client.usage_records: the account-wide usage list on the wire."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from pytest_httpx import HTTPXMock

import twilio_wireless as tw

from .conftest import Example, assert_wire, only_request

START = "2015-07-30T20%3A00%3A00Z"
END = "2015-07-31T20%3A00%3A00Z"


async def test_list_sends_utc_times_and_parses_account_records(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("ListAccountUsageRecord"))

    records = await client.usage_records.list(
        start=dt.datetime(2015, 7, 30, 20, 0, tzinfo=dt.UTC),
        end=dt.datetime(2015, 7, 31, 20, 0, tzinfo=dt.UTC),
        granularity="hourly",
        page_size=50,
    ).to_list()

    assert_wire(
        only_request(httpx_mock),
        "GET",
        "/v1/UsageRecords",
        query=f"End={END}&Start={START}&Granularity=hourly&PageSize=50",
    )
    assert len(records) == 2
    assert all(isinstance(record, tw.AccountUsageRecord) for record in records)
    first, empty = records
    assert first.account_sid == "AC" + "a" * 32
    created = dt.datetime(2015, 7, 30, 20, 0, tzinfo=dt.UTC)
    assert isinstance(first.period, tw.UsagePeriod)
    assert (first.period.start, first.period.end) == (created, created)
    assert isinstance(first.commands, tw.CommandsUsage)
    assert first.commands.from_sim == 1
    assert first.commands.home is not None
    assert first.commands.home.to_sim == 2
    assert isinstance(first.data, tw.DataUsage)
    assert first.data.billed == 0.35
    assert first.data.international_roaming == []
    # Empty objects parse as models whose every field reads as None.
    for empty_model in (empty.commands, empty.data, empty.period):
        assert empty_model is not None
        values = empty_model.to_dict()
        assert values
        assert all(value is None for value in values.values()), values


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (
            dt.datetime(2015, 7, 31, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
            dt.datetime(2015, 7, 31, 15, 0, tzinfo=dt.timezone(-dt.timedelta(hours=5))),
        ),
        (
            dt.datetime(2015, 7, 30, 20, 0, 0, 999_999, tzinfo=dt.UTC),
            dt.datetime(2015, 7, 31, 22, 0, tzinfo=dt.timezone(dt.timedelta(hours=2))),
        ),
    ],
    ids=["india-and-new-york", "microseconds-dropped"],
)
async def test_aware_datetimes_in_any_timezone_are_sent_as_utc_z(
    httpx_mock: HTTPXMock,
    client: tw.WirelessClient,
    example: Example,
    start: dt.datetime,
    end: dt.datetime,
) -> None:
    httpx_mock.add_response(json=example("ListAccountUsageRecord"))

    await client.usage_records.list(start=start, end=end).to_list()

    request = only_request(httpx_mock)
    assert_wire(request, "GET", "/v1/UsageRecords", query=f"End={END}&Start={START}")
    assert request.url.params["Start"] == "2015-07-30T20:00:00Z"


@pytest.mark.parametrize(
    "granularity", [tw.AccountUsageRecordGranularity.DAILY, "daily"], ids=["enum", "str"]
)
async def test_granularity_as_enum_or_str_and_limit(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example, granularity: Any
) -> None:
    httpx_mock.add_response(json=example("ListAccountUsageRecord"))

    records = await client.usage_records.list(granularity=granularity, limit=1).to_list()

    assert_wire(
        only_request(httpx_mock),
        "GET",
        "/v1/UsageRecords",
        query="Granularity=daily&PageSize=1",
    )
    assert len(records) == 1


async def test_list_without_arguments_sends_no_query(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("ListAccountUsageRecord"))

    records = await client.usage_records.list().to_list()

    assert_wire(only_request(httpx_mock), "GET", "/v1/UsageRecords")
    assert len(records) == 2


# --- validation: nothing is sent ---------------------------------------------------------

NAIVE = dt.datetime(2015, 7, 30, 20, 0)
ListCall = Callable[[tw.WirelessClient], object]
LIST_CASES: list[tuple[str, ListCall]] = [
    ("start", lambda c: c.usage_records.list(start=NAIVE)),
    ("end", lambda c: c.usage_records.list(end=NAIVE)),
    ("start", lambda c: c.usage_records.list(start="2015-07-30T20:00:00Z")),
    ("end", lambda c: c.usage_records.list(end=dt.date(2015, 7, 31))),
    ("granularity", lambda c: c.usage_records.list(granularity="weekly")),
    ("granularity", lambda c: c.usage_records.list(granularity="Daily")),
    ("page_size", lambda c: c.usage_records.list(page_size="10")),
    ("page_size", lambda c: c.usage_records.list(page_size=0)),
    ("page_size", lambda c: c.usage_records.list(page_size=1001)),
    ("limit", lambda c: c.usage_records.list(limit=-1)),
    ("page_url", lambda c: c.usage_records.list(page_url="https://wireless.test/v1/Sims")),
    (
        "page_url",
        lambda c: c.usage_records.list(
            page_url="https://wireless.test/v1/UsageRecords?Page=1", granularity="daily"
        ),
    ),
]


@pytest.mark.parametrize("param", ["start", "end"])
async def test_a_naive_datetime_names_the_parameter(
    httpx_mock: HTTPXMock, offline_client: tw.WirelessClient, param: str
) -> None:
    with pytest.raises(ValueError, match=rf"^{param}: naive datetime '2015-07-30T20:00:00'"):
        offline_client.usage_records.list(**{param: NAIVE})
    assert httpx_mock.get_requests() == []


async def test_an_unknown_granularity_lists_the_allowed_values(
    httpx_mock: HTTPXMock, offline_client: tw.WirelessClient
) -> None:
    with pytest.raises(ValueError, match=r"^granularity: 'weekly' is not valid") as info:
        offline_client.usage_records.list(granularity="weekly")
    message = str(info.value)
    assert all(f"'{value}'" in message for value in ("hourly", "daily", "all"))
    assert httpx_mock.get_requests() == []
