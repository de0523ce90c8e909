"""Non-2xx answers and unreadable bodies map to typed errors; credentials never leak."""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

import twilio_wireless as tw
from twilio_wireless.testing import FakeClock

from .. import bodies
from ..clients import over_httpx
from .conftest import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    BASE_URL,
    BASIC_AUTH,
    COMMAND_SID,
    RATE_PLAN_SID,
    SIM_SID,
    Example,
)

REQUEST_ID = "RQ" + "1" * 32
SIM_URL = f"{BASE_URL}/v1/Sims/{SIM_SID}"
SECRETS = (AUTH_TOKEN, BASIC_AUTH, BASIC_AUTH.removeprefix("Basic "), f"{ACCOUNT_SID}:{AUTH_TOKEN}")


@pytest.fixture
async def client(httpx_mock: HTTPXMock) -> AsyncIterator[tw.WirelessClient]:
    """One request per call: the status mapping is under test here, not the retry policy."""
    async with over_httpx(
        ACCOUNT_SID, AUTH_TOKEN, base_url=BASE_URL, retry=tw.RetryPolicy.none()
    ) as wireless:
        yield wireless


def twilio_error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


# --- status -> error class ---------------------------------------------------------------

STATUS_CASES = [
    (400, tw.BadRequestError, 21211, "Invalid parameter"),
    (401, tw.AuthenticationError, 20003, "Authenticate"),
    (403, tw.PermissionDeniedError, 20403, "Forbidden: Wireless is not enabled"),
    (404, tw.NotFoundError, 20404, f"The requested resource /Sims/{SIM_SID} was not found"),
    (409, tw.ConflictError, 20409, "Conflict: the SIM is being updated"),
    (429, tw.RateLimitError, 20429, "Too Many Requests"),
    (500, tw.ServerError, 20500, "Internal Server Error"),
    (502, tw.ServerError, 20502, "Bad Gateway"),
    (503, tw.ServerError, 20503, "Service Unavailable"),
    (418, tw.APIError, 20418, "I'm a teapot"),
]


@pytest.mark.parametrize(
    ("status", "error_type", "code", "message"),
    STATUS_CASES,
    ids=[str(case[0]) for case in STATUS_CASES],
)
async def test_each_status_maps_to_its_error_class_with_every_attribute(
    httpx_mock: HTTPXMock,
    client: tw.WirelessClient,
    status: int,
    error_type: type[tw.APIError],
    code: int,
    message: str,
) -> None:
    httpx_mock.add_response(
        status_code=status,
        json=twilio_error(status, code, message),
        headers={"Twilio-Request-Id": REQUEST_ID},
    )

    with pytest.raises(tw.APIError) as info:
        await client.sims.fetch(SIM_SID)

    error = info.value
    assert type(error) is error_type
    assert isinstance(error, tw.WirelessError)
    assert error.status == status
    assert error.code == code
    assert error.message == message
    assert error.more_info == f"https://www.twilio.com/docs/errors/{code}"
    assert error.method == "GET"
    assert error.url == SIM_URL
    assert error.request_id == REQUEST_ID
    assert isinstance(error.response, httpx.Response)
    assert error.response.status_code == status
    assert error.response.json()["code"] == code
    text = str(error)
    assert f"HTTP {status}" in text
    assert f"Twilio error {code}" in text
    assert message in text
    assert f"GET {SIM_URL}" in text
    assert REQUEST_ID in text
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.parametrize(
    ("call", "method", "url", "status", "error_type"),
    [
        (
            lambda c: c.commands.create(command="ping", sim=SIM_SID),
            "POST",
            f"{BASE_URL}/v1/Commands",
            400,
            tw.BadRequestError,
        ),
        (
            lambda c: c.rate_plans.delete(RATE_PLAN_SID),
            "DELETE",
            f"{BASE_URL}/v1/RatePlans/{RATE_PLAN_SID}",
            409,
            tw.ConflictError,
        ),
        (
            lambda c: c.commands.fetch(COMMAND_SID),
            "GET",
            f"{BASE_URL}/v1/Commands/{COMMAND_SID}",
            404,
            tw.NotFoundError,
        ),
        (
            lambda c: c.sims.list(status="active", page_size=5).to_list(),
            "GET",
            f"{BASE_URL}/v1/Sims?Status=active&PageSize=5",
            403,
            tw.PermissionDeniedError,
        ),
        (
            lambda c: c.usage_records.list().to_list(),
            "GET",
            f"{BASE_URL}/v1/UsageRecords",
            401,
            tw.AuthenticationError,
        ),
    ],
    ids=["create-400", "delete-409", "fetch-404", "list-403", "usage-401"],
)
async def test_errors_of_every_kind_of_call_name_the_request(
    httpx_mock: HTTPXMock,
    client: tw.WirelessClient,
    call: Callable[[tw.WirelessClient], Awaitable[object]],
    method: str,
    url: str,
    status: int,
    error_type: type[tw.APIError],
) -> None:
    httpx_mock.add_response(status_code=status, json=twilio_error(status, 20000 + status, "no"))

    with pytest.raises(error_type) as info:
        await call(client)

    assert info.value.method == method
    assert info.value.url == url
    assert info.value.status == status
    assert info.value.request_id is None


# --- Retry-After -------------------------------------------------------------------------


async def test_rate_limit_retry_after_in_seconds(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(
        status_code=429,
        json=twilio_error(429, 20429, "Too Many Requests"),
        headers={"Retry-After": "7"},
    )

    with pytest.raises(tw.RateLimitError) as info:
        await client.sims.fetch(SIM_SID)

    assert info.value.retry_after == 7.0
    assert info.value.status == 429


async def test_rate_limit_retry_after_as_an_http_date(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=120)
    httpx_mock.add_response(
        status_code=429,
        json=twilio_error(429, 20429, "Too Many Requests"),
        headers={"Retry-After": email.utils.format_datetime(when, usegmt=True)},
    )

    with pytest.raises(tw.RateLimitError) as info:
        await client.rate_plans.list().to_list()

    assert info.value.retry_after is not None
    assert 100.0 < info.value.retry_after <= 120.0


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("soon", None),
        ("", None),
        ("0", 0.0),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: no wait
    ],
    ids=["absent", "garbage", "empty", "zero", "past-date"],
)
async def test_rate_limit_retry_after_absent_invalid_or_past(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, header: str | None, expected: float | None
) -> None:
    headers = {} if header is None else {"Retry-After": header}
    httpx_mock.add_response(status_code=429, json={}, headers=headers)

    with pytest.raises(tw.RateLimitError) as info:
        await client.sims.fetch(SIM_SID)

    assert info.value.retry_after == expected


@pytest.mark.parametrize("header", ["inf", "Infinity", "1e999"])
async def test_a_non_finite_retry_after_is_ignored(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, header: str
) -> None:
    httpx_mock.add_response(status_code=429, json={}, headers={"Retry-After": header})

    with pytest.raises(tw.RateLimitError) as info:
        await client.sims.fetch(SIM_SID)

    assert info.value.retry_after is None


# --- odd error bodies --------------------------------------------------------------------


async def test_an_html_502_is_still_a_server_error(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    page = "<html><body><h1>502 Bad Gateway</h1></body></html>"
    httpx_mock.add_response(status_code=502, html=page, headers={"Twilio-Request-Id": REQUEST_ID})

    with pytest.raises(tw.ServerError) as info:
        await client.sims.fetch(SIM_SID)

    error = info.value
    assert error.status == 502
    assert error.code is None
    assert error.more_info is None
    assert error.request_id == REQUEST_ID
    assert error.message.startswith("Bad Gateway")
    assert "non-JSON" in error.message
    assert "text/html" in error.message
    assert error.response.text == page


@pytest.mark.parametrize(
    ("status", "content", "error_type"),
    [
        (500, b'{"code": 20500, "message": "Internal', tw.ServerError),
        (404, b'{"code": 20404,', tw.NotFoundError),
        (400, b"\xff\xfe\x00garbage", tw.BadRequestError),
        (409, b"", tw.ConflictError),
        (503, b"[1, 2, 3]", tw.ServerError),
        (401, b'"Authenticate"', tw.AuthenticationError),
        (403, b'{"code": "20403", "message": 7, "more_info": 1}', tw.PermissionDeniedError),
    ],
    ids=["truncated-500", "truncated-404", "binary-400", "empty-409", "array-503", "str-401",
         "wrong-types-403"],
)  # fmt: skip
async def test_unreadable_error_bodies_still_give_the_typed_error(
    httpx_mock: HTTPXMock,
    client: tw.WirelessClient,
    status: int,
    content: bytes,
    error_type: type[tw.APIError],
) -> None:
    httpx_mock.add_response(status_code=status, content=content)

    with pytest.raises(error_type) as info:
        await client.sims.fetch(SIM_SID)

    error = info.value
    assert error.status == status
    assert error.code is None
    assert error.more_info is None
    assert error.message.startswith(httpx.codes.get_reason_phrase(status))
    assert error.url == SIM_URL


# --- success statuses with unreadable bodies ---------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"<html>OK</html>", b'{"sid": "DE', b"", b"\xff\xfe"],
    ids=["html", "truncated", "empty", "binary"],
)
async def test_a_200_that_is_not_json_raises_api_error(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, content: bytes
) -> None:
    httpx_mock.add_response(status_code=200, content=content)

    with pytest.raises(tw.APIError) as info:
        await client.sims.fetch(SIM_SID)

    error = info.value
    assert type(error) is tw.APIError
    assert not isinstance(error, json.JSONDecodeError | ValueError)
    assert error.status == 200
    assert error.method == "GET"
    assert error.url == SIM_URL
    assert "could not parse the 200 response" in error.message


@pytest.mark.parametrize(
    "body",
    [
        pytest.param([], id="array"),
        pytest.param([["sid", SIM_SID]], id="pairs"),
        pytest.param({"date_created": "yesterday"}, id="bad-date"),
        pytest.param("DE", id="string"),
    ],
)
async def test_a_200_json_of_the_wrong_shape_raises_api_error(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, body: Any
) -> None:
    httpx_mock.add_response(status_code=200, json=body)

    with pytest.raises(tw.APIError) as info:
        await client.sims.fetch(SIM_SID)

    assert type(info.value) is tw.APIError
    assert info.value.status == 200


@pytest.mark.parametrize(
    ("call", "status", "operation_id"),
    [
        (lambda c: c.sims.fetch(SIM_SID), 201, "FetchSim"),
        (lambda c: c.sims.update(SIM_SID, status="active"), 201, "UpdateSim"),
        (lambda c: c.rate_plans.create(unique_name="p"), 200, "CreateRatePlan"),
        (lambda c: c.commands.create(command="ping", sim=SIM_SID), 200, "CreateCommand"),
        (lambda c: c.sims.list().to_list(), 201, "ListSim"),
        (lambda c: c.commands.delete(COMMAND_SID), 200, None),
    ],
    ids=["fetch-201", "update-201", "create-plan-200", "create-command-200", "list-201",
         "delete-200"],
)  # fmt: skip
async def test_an_undocumented_success_status_raises_api_error(
    httpx_mock: HTTPXMock,
    client: tw.WirelessClient,
    example: Example,
    call: Callable[[tw.WirelessClient], Awaitable[object]],
    status: int,
    operation_id: str | None,
) -> None:
    if operation_id is None:
        httpx_mock.add_response(status_code=status, json={})
    else:
        examples = {
            "UpdateSim": "update",
            "CreateCommand": "createCommandSms",
            "ListSim": "readFull",
        }
        httpx_mock.add_response(
            status_code=status, json=example(operation_id, examples.get(operation_id))
        )

    with pytest.raises(tw.APIError) as info:
        await call(client)

    assert type(info.value) is tw.APIError
    assert info.value.status == status
    assert f"could not parse the {status} response" in info.value.message


# --- credentials never leak --------------------------------------------------------------


async def test_the_token_is_not_in_the_client_repr(client: tw.WirelessClient) -> None:
    text = repr(client)
    assert "WirelessClient" in text
    assert BASE_URL in text
    assert_no_secret(text)
    assert_no_secret(str(client))


async def test_the_basic_header_really_carries_the_secrets(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    # The leak checks below search for these strings; prove they are what is sent.
    httpx_mock.add_response(status_code=204)
    await client.sims.delete(SIM_SID)
    header = httpx_mock.get_requests()[0].headers["Authorization"]
    assert header == BASIC_AUTH
    assert base64.b64decode(header.removeprefix("Basic ")).decode() == f"{ACCOUNT_SID}:{AUTH_TOKEN}"


@pytest.mark.parametrize(
    "respond",
    [
        lambda m: m.add_response(status_code=401, json=twilio_error(401, 20003, "Authenticate")),
        lambda m: m.add_response(status_code=502, html="<h1>Bad Gateway</h1>"),
        lambda m: m.add_response(status_code=200, content=b"not json"),
        lambda m: m.add_exception(httpx.ConnectError("connection refused")),
        lambda m: m.add_exception(httpx.ReadTimeout("timed out")),
    ],
    ids=["401", "502-html", "200-not-json", "connect-error", "read-timeout"],
)
async def test_errors_do_not_contain_the_credentials(
    httpx_mock: HTTPXMock,
    client: tw.WirelessClient,
    respond: Callable[[HTTPXMock], None],
) -> None:
    respond(httpx_mock)

    with pytest.raises(tw.WirelessError) as info:
        await client.sims.fetch(SIM_SID)

    error = info.value
    assert SIM_SID in str(error)
    assert_no_secret(str(error))
    assert_no_secret(repr(error))
    assert_no_secret(repr(error.args))
    assert_no_secret(" ".join(getattr(error, "__notes__", [])))


async def test_debug_logs_do_not_contain_the_credentials(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="twilio_wireless")
    httpx_mock.add_response(json=bodies.sim(SIM_SID))
    httpx_mock.add_response(status_code=401, json=twilio_error(401, 20003, "Authenticate"))

    await client.sims.fetch(SIM_SID)
    with pytest.raises(tw.AuthenticationError):
        await client.sims.update(SIM_SID, status="active")

    records = [r for r in caplog.records if r.name.startswith("twilio_wireless")]
    assert len(records) >= 2  # one line per request at DEBUG
    assert any(f"/v1/Sims/{SIM_SID}" in record.getMessage() for record in records)
    for record in records:
        assert_no_secret(record.getMessage())
        assert_no_secret(repr(record.args))
    assert_no_secret(caplog.text)


async def test_retry_logs_do_not_contain_the_credentials(
    httpx_mock: HTTPXMock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="twilio_wireless")
    httpx_mock.add_response(status_code=503, json=twilio_error(503, 20503, "Unavailable"))
    httpx_mock.add_response(json=bodies.sim(SIM_SID))
    # FakeClock: the backoff takes no time
    async with over_httpx(ACCOUNT_SID, AUTH_TOKEN, base_url=BASE_URL, clock=FakeClock()) as client:
        sim = await client.sims.fetch(SIM_SID)

    assert sim.sid == SIM_SID
    assert len(httpx_mock.get_requests()) == 2
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("twilio_wireless")]
    assert any("retrying" in message for message in messages)
    for message in messages:
        assert_no_secret(message)
    assert_no_secret(caplog.text)
