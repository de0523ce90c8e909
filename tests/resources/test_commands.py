"""client.commands: create, fetch, delete, list on the wire."""

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

CREATED = dt.datetime(2015, 7, 30, 20, 0, tzinfo=dt.UTC)
COMMAND_PATH = f"/v1/Commands/{COMMAND_SID}"


# --- create ------------------------------------------------------------------------------


async def test_create_text_sends_command_sim_and_text_mode(
    httpx_mock: HTTPXMock,
    client: tw.WirelessClient,
    example: Example,
    example_status: Callable[[str], int],
) -> None:
    assert example_status("CreateCommand") == 201
    httpx_mock.add_response(status_code=201, json=example("CreateCommand", "createCommandSms"))

    command = await client.commands.create(command="ping", sim=SIM_SID)

    assert_wire(
        only_request(httpx_mock),
        "POST",
        "/v1/Commands",
        body=f"Command=ping&Sim={SIM_SID}&CommandMode=text".encode(),
    )
    assert isinstance(command, tw.Command)
    assert command.sid == COMMAND_SID
    assert command.sim_sid == SIM_SID
    assert command.command == "command"
    assert command.command_mode == "text"
    assert command.command_mode is tw.CommandMode.TEXT
    assert command.status is tw.CommandStatus.QUEUED
    assert command.transport is tw.CommandTransport.SMS
    assert command.direction is tw.CommandDirection.FROM_SIM
    assert command.delivery_receipt_requested is True
    assert command.date_created == CREATED
    assert command.url == f"https://wireless.twilio.com/v1/Commands/{COMMAND_SID}"


async def test_create_bytes_sends_base64_in_binary_mode(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(status_code=201, json=example("CreateCommand", "createCommandIp"))

    command = await client.commands.create(command=b"\x01\x02\xff", sim=SIM_SID)

    request = only_request(httpx_mock)
    # base64 of 01 02 ff is "AQL/", and "/" is percent-encoded in the form.
    assert_wire(
        request,
        "POST",
        "/v1/Commands",
        body=f"Command=AQL%2F&Sim={SIM_SID}&CommandMode=binary".encode(),
    )
    assert command.command_mode == "binary"
    assert command.command_mode is tw.CommandMode.BINARY
    assert command.transport is tw.CommandTransport.IP
    assert command.direction is tw.CommandDirection.TO_SIM


@pytest.mark.parametrize(
    ("payload", "mode"),
    [
        (b"\x00\xfe", "binary"),
        (bytearray(b"\x00\xfe"), tw.CommandMode.BINARY),
        (memoryview(b"\x00\xfe"), None),
    ],
    ids=["bytes-str-mode", "bytearray-enum-mode", "memoryview-no-mode"],
)
async def test_create_binary_accepts_any_bytes_like_and_a_matching_mode(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example, payload: Any, mode: Any
) -> None:
    httpx_mock.add_response(status_code=201, json=example("CreateCommand", "createCommandIp"))

    await client.commands.create(command=payload, sim=SIM_SID, command_mode=mode)

    assert only_request(httpx_mock).content == (
        f"Command=AP4%3D&Sim={SIM_SID}&CommandMode=binary".encode()
    )


async def test_create_with_every_option_sends_the_exact_form_body(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(status_code=201, json=example("CreateCommand", "createCommandSms"))

    await client.commands.create(
        command="reboot now & then",
        sim="pump 7",
        command_mode=tw.CommandMode.TEXT,
        include_sid="start",
        delivery_receipt_requested=False,
        callback_url="https://example.com/cb?a=1",
        callback_method="GET",
    )

    assert_wire(
        only_request(httpx_mock),
        "POST",
        "/v1/Commands",
        body=(
            b"Command=reboot+now+%26+then&Sim=pump+7&CallbackMethod=GET"
            b"&CallbackUrl=https%3A%2F%2Fexample.com%2Fcb%3Fa%3D1"
            b"&CommandMode=text&IncludeSid=start&DeliveryReceiptRequested=false"
        ),
    )


async def test_create_accepts_the_longest_text_and_binary_payloads(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(status_code=201, json=example("CreateCommand", "createCommandSms"))
    httpx_mock.add_response(status_code=201, json=example("CreateCommand", "createCommandIp"))

    await client.commands.create(command="x" * 160, sim=SIM_SID)
    await client.commands.create(command=b"\x00" * 140, sim=SIM_SID)

    text, binary = httpx_mock.get_requests()
    assert text.content == f"Command={'x' * 160}&Sim={SIM_SID}&CommandMode=text".encode()
    # 140 zero bytes: 46 groups of "AAAA", then 2 bytes as "AAA=" -> 187 "A" and one "=".
    assert binary.content == (f"Command={'A' * 187}%3D&Sim={SIM_SID}&CommandMode=binary".encode())


async def test_create_sends_payload_lengths_the_spec_leaves_open_as_given(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    # The 160-character and 140-byte limits are prose; the API is the authority on them.
    httpx_mock.add_response(
        status_code=201, json=example("CreateCommand", "createCommandSms"), is_reusable=True
    )

    await client.commands.create(command="x" * 161, sim=SIM_SID)
    await client.commands.create(command=b"\x00" * 141, sim=SIM_SID)
    await client.commands.create(command="", sim=SIM_SID)
    await client.commands.create(command=b"", sim=SIM_SID)

    long_text, long_binary, empty_text, empty_binary = httpx_mock.get_requests()
    assert long_text.content == f"Command={'x' * 161}&Sim={SIM_SID}&CommandMode=text".encode()
    # 141 zero bytes: 47 groups of "AAAA", no padding.
    assert long_binary.content == f"Command={'A' * 188}&Sim={SIM_SID}&CommandMode=binary".encode()
    assert empty_text.content == f"Command=&Sim={SIM_SID}&CommandMode=text".encode()
    assert empty_binary.content == f"Command=&Sim={SIM_SID}&CommandMode=binary".encode()


async def test_create_sends_values_the_spec_leaves_open_as_given(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    # IncludeSid is a plain string in the spec, and CallbackUrl any absolute URI.
    httpx_mock.add_response(status_code=201, json=example("CreateCommand", "createCommandSms"))

    await client.commands.create(
        command="ping", sim=SIM_SID, include_sid="sometimes", callback_url="ftp://x"
    )

    assert_wire(
        only_request(httpx_mock),
        "POST",
        "/v1/Commands",
        body=(
            f"Command=ping&Sim={SIM_SID}&CallbackUrl=ftp%3A%2F%2Fx"
            "&CommandMode=text&IncludeSid=sometimes"
        ).encode(),
    )


# --- fetch -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "transport", "receipt"),
    [("fetchCommandSms", tw.CommandTransport.SMS, True), ("fetchCommandIp", "ip", False)],
)
async def test_fetch_sends_a_get_and_parses_the_spec_example(
    httpx_mock: HTTPXMock,
    client: tw.WirelessClient,
    example: Example,
    name: str,
    transport: Any,
    receipt: bool,
) -> None:
    httpx_mock.add_response(json=example("FetchCommand", name))

    command = await client.commands.fetch(COMMAND_SID)

    assert_wire(only_request(httpx_mock), "GET", COMMAND_PATH)
    assert isinstance(command, tw.Command)
    assert command.sid == COMMAND_SID
    assert command.transport == transport
    assert command.delivery_receipt_requested is receipt
    assert command.date_updated == CREATED


async def test_unknown_fields_and_enum_values_in_a_command_survive(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    body = example("FetchCommand", "fetchCommandIp")
    body["transport"] = "nbiot"
    body["status"] = "expired"
    body["priority"] = 3
    httpx_mock.add_response(json=body)

    command = await client.commands.fetch(COMMAND_SID)

    assert command.transport == "nbiot"
    assert command.status == "expired"
    assert command["priority"] == 3


# --- delete ------------------------------------------------------------------------------


async def test_delete_sends_a_delete_and_returns_none(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(status_code=204)

    result = await client.commands.delete(COMMAND_SID)

    assert_wire(only_request(httpx_mock), "DELETE", COMMAND_PATH)
    assert result is None


# --- list --------------------------------------------------------------------------------


async def test_list_sends_filters_in_order_and_parses_commands(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("ListCommand", "readIp"))

    commands = await client.commands.list(
        sim=SIM_SID,
        status="queued",
        direction=tw.CommandDirection.TO_SIM,
        transport="ip",
        page_size=50,
    ).to_list()

    assert_wire(
        only_request(httpx_mock),
        "GET",
        "/v1/Commands",
        query=f"Sim={SIM_SID}&Status=queued&Direction=to_sim&Transport=ip&PageSize=50",
    )
    assert len(commands) == 1
    (command,) = commands
    assert isinstance(command, tw.Command)
    assert command.command_mode is tw.CommandMode.BINARY
    assert command.transport is tw.CommandTransport.IP


async def test_list_of_a_unique_name_and_the_full_example(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("ListCommand", "readFull"))

    commands = await client.commands.list(sim="pump 7", limit=10).to_list()

    assert_wire(only_request(httpx_mock), "GET", "/v1/Commands", query="Sim=pump+7&PageSize=10")
    assert [command.direction for command in commands] == [tw.CommandDirection.FROM_SIM]


async def test_list_of_an_empty_page(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, example: Example
) -> None:
    httpx_mock.add_response(json=example("ListCommand", "readEmpty"))

    commands = await client.commands.list().to_list()

    assert_wire(only_request(httpx_mock), "GET", "/v1/Commands")
    assert commands == []


# --- validation: nothing is sent ---------------------------------------------------------

AsyncCall = Callable[[tw.WirelessClient], Awaitable[object]]


def _create(**kwargs: Any) -> AsyncCall:
    arguments = {"command": "ping", "sim": SIM_SID, **kwargs}
    return lambda c: c.commands.create(**arguments)


ASYNC_CASES: list[tuple[str, AsyncCall]] = [
    ("command_mode", _create(command=b"\x01\x02\xff", command_mode="text")),
    ("command_mode", _create(command=b"\x01", command_mode=tw.CommandMode.TEXT)),
    ("command_mode", _create(command="ping", command_mode="binary")),
    ("command_mode", _create(command="ping", command_mode="sms")),
    ("command", _create(command=42)),
    ("command", _create(command=None)),
    ("command", lambda c: c.commands.create(sim=SIM_SID)),
    *[("sim", _create(sim=bad)) for bad in BAD_IDS],
    ("sim", _create(sim=COMMAND_SID)),
    ("sim", _create(sim=RATE_PLAN_SID)),
    ("include_sid", _create(include_sid=7)),
    ("delivery_receipt_requested", _create(delivery_receipt_requested="yes")),
    ("delivery_receipt_requested", _create(delivery_receipt_requested=1)),
    ("callback_url", _create(callback_url="example.com/cb")),
    ("callback_url", _create(callback_url="https://example.com/a b")),
    ("callback_method", _create(callback_method="PUT")),
    *[("sid", lambda c, bad=bad: c.commands.fetch(bad)) for bad in BAD_IDS],
    ("sid", lambda c: c.commands.fetch(SIM_SID)),
    ("sid", lambda c: c.commands.fetch("my-name")),
    ("sid", lambda c: c.commands.fetch("DC" + "a" * 31)),
    ("sid", lambda c: c.commands.fetch(7)),
    *[("sid", lambda c, bad=bad: c.commands.delete(bad)) for bad in BAD_IDS],
    ("sid", lambda c: c.commands.delete("my-name")),
    ("sid", lambda c: c.commands.delete(SIM_SID)),
]

ListCall = Callable[[tw.WirelessClient], object]
LIST_CASES: list[tuple[str, ListCall]] = [
    ("sim", lambda c: c.commands.list(sim="..")),
    ("sim", lambda c: c.commands.list(sim=COMMAND_SID)),
    ("status", lambda c: c.commands.list(status="actve")),
    ("direction", lambda c: c.commands.list(direction="up")),
    ("transport", lambda c: c.commands.list(transport="lora")),
    ("transport", lambda c: c.commands.list(transport=tw.CommandTransport("lora"))),
    ("page_size", lambda c: c.commands.list(page_size="10")),
    ("page_size", lambda c: c.commands.list(page_size=0)),
    ("page_size", lambda c: c.commands.list(page_size=1001)),
    ("limit", lambda c: c.commands.list(limit=-1)),
    ("limit", lambda c: c.commands.list(limit="5")),
]


async def test_a_command_sid_is_required_not_a_unique_name(
    httpx_mock: HTTPXMock, offline_client: tw.WirelessClient
) -> None:
    with pytest.raises(ValueError, match=r"^sid: ") as info:
        await offline_client.commands.fetch("my-name")
    assert "Command SID (DC" in str(info.value)
    assert "unique name" not in str(info.value)
    assert httpx_mock.get_requests() == []


async def test_a_sim_sid_given_as_command_sid_is_named(
    httpx_mock: HTTPXMock, offline_client: tw.WirelessClient
) -> None:
    with pytest.raises(ValueError, match="is a SIM SID; expected a Command SID"):
        await offline_client.commands.fetch("DE" + "a" * 32)

    assert httpx_mock.get_requests() == []
