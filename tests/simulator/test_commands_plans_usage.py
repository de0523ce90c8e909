"""Commands, Rate Plans, usage records and data sessions through the real SDK."""

from __future__ import annotations

import base64
import datetime as dt

import httpx
import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import CallbackCapture, WirelessSimulator

from .conftest import error_json

# --- Commands -----------------------------------------------------------------------------


async def test_command_lifecycle_queued_sent_delivered(
    wireless_client: tw.WirelessClient,
    wireless_simulator: WirelessSimulator,
    captured: CallbackCapture,
) -> None:
    command = await wireless_client.commands.create(
        command="REBOOT",
        sim="sim-000002",
        callback_url="https://app.example/commands",
    )
    assert command.status == "queued"
    assert command.direction == "to_sim"
    assert command.transport == "sms"
    assert command.command_mode == "text"
    assert command.delivery_receipt_requested is True
    assert wireless_simulator.requests[-1].status == 201
    assert command.sid is not None
    await wireless_simulator.manual_clock.advance(1.5)
    assert (await wireless_client.commands.fetch(command.sid)).status == "sent"
    assert captured.calls == []  # a receipt was requested: the callback waits for it
    await wireless_simulator.manual_clock.advance(5)
    assert (await wireless_client.commands.fetch(command.sid)).status == "delivered"
    (call,) = captured.calls
    assert call.params["CommandSid"] == command.sid
    assert call.params["Status"] == "delivered"
    assert call.params["SimUniqueName"] == "sim-000002"


async def test_without_receipt_a_command_ends_sent(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    command = await wireless_client.commands.create(
        command="PING", sim="sim-000002", delivery_receipt_requested=False
    )
    await wireless_simulator.manual_clock.advance(60)
    assert command.sid is not None
    assert (await wireless_client.commands.fetch(command.sid)).status == "sent"


async def test_a_command_to_a_suspended_sim_fails(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sim = wireless_simulator.sim_sids("suspended")[0]
    command = await wireless_client.commands.create(command="PING", sim=sim)
    await wireless_simulator.manual_clock.advance(60)
    assert command.sid is not None
    assert (await wireless_client.commands.fetch(command.sid)).status == "failed"


async def test_binary_command_is_base64(
    wireless_client: tw.WirelessClient, raw: httpx.AsyncClient
) -> None:
    command = await wireless_client.commands.create(command=b"\x01\x02\xff", sim="sim-000002")
    assert command.command_mode == "binary"
    assert command.command == base64.b64encode(b"\x01\x02\xff").decode()
    response = await raw.post(
        "/v1/Commands",
        data={"Command": "not base64!", "Sim": "sim-000002", "CommandMode": "binary"},
    )
    assert response.status_code == 400
    assert error_json(response)["code"] == 20001


async def test_command_validation(raw: httpx.AsyncClient) -> None:
    cases = [
        {"Sim": "sim-000002"},
        {"Command": "x" * 161, "Sim": "sim-000002"},
        {"Command": "x" * 129, "Sim": "sim-000002", "IncludeSid": "start"},
        {"Command": "x", "Sim": "sim-000002", "IncludeSid": "middle"},
        {"Command": "x", "Sim": "sim-000002", "DeliveryReceiptRequested": "yes"},
        {"Command": "x", "Sim": "sim-000002", "CallbackMethod": "PATCH"},
    ]
    for form in cases:
        response = await raw.post("/v1/Commands", data=form)
        assert response.status_code == 400, form
    response = await raw.post("/v1/Commands", data={"Command": "x", "Sim": "nobody"})
    assert response.status_code == 404


async def test_list_commands_filters_newest_first(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    first = await wireless_client.commands.create(command="one", sim="sim-000002")
    second = await wireless_client.commands.create(command="two", sim="sim-000002")
    mine = await wireless_client.commands.list(sim="sim-000002").to_list()
    assert [c.sid for c in mine][:2] == [second.sid, first.sid]
    sim_sid = wireless_simulator.get_sim("sim-000002")["sid"]  # type: ignore[index]
    by_sid = await wireless_client.commands.list(sim=sim_sid).to_list()
    assert [c.sid for c in by_sid] == [c.sid for c in mine]
    queued = await wireless_client.commands.list(status="queued", direction="to_sim").to_list()
    assert {c.sid for c in queued} == {first.sid, second.sid}
    received = await wireless_client.commands.list(direction="from_sim").to_list()
    assert received
    assert all(c.status == "received" for c in received)
    ip = await wireless_client.commands.list(transport="ip").to_list()
    assert ip
    assert all(c.transport == "ip" for c in ip)
    everything = await wireless_client.commands.list(page_size=7).to_list()
    assert [c.sid for c in everything] == wireless_simulator.command_sids()


async def test_command_filters_are_kept_in_next_page_url(raw: httpx.AsyncClient) -> None:
    body = (await raw.get("/v1/Commands", params={"Direction": "to_sim", "PageSize": 2})).json()
    assert body["meta"]["key"] == "commands"
    assert "Direction=to_sim" in body["meta"]["next_page_url"]


async def test_delete_command_is_real(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.command_sids()[0]
    await wireless_client.commands.delete(sid)
    with pytest.raises(tw.NotFoundError):
        await wireless_client.commands.fetch(sid)
    with pytest.raises(tw.NotFoundError):
        await wireless_client.commands.delete(sid)
    assert sid not in wireless_simulator.command_sids()


# --- Rate Plans ---------------------------------------------------------------------------


async def test_rate_plan_create_fetch_update_delete(
    wireless_client: tw.WirelessClient,
) -> None:
    created = await wireless_client.rate_plans.create(
        unique_name="trackers",
        friendly_name="Trackers",
        data_limit=500,
        data_metering="quota-10",
        international_roaming=["data", "messaging"],
        voice_enabled=False,
    )
    assert created.sid is not None
    assert created.sid.startswith("WP")
    assert created.international_roaming == ["data", "messaging"]
    assert created.data_limit == 500
    assert created.data_metering == "quota-10"
    fetched = await wireless_client.rate_plans.fetch("trackers")
    assert fetched.sid == created.sid
    renamed = await wireless_client.rate_plans.update(
        created.sid, unique_name="trackers-v2", friendly_name="Trackers v2"
    )
    assert (renamed.unique_name, renamed.friendly_name) == ("trackers-v2", "Trackers v2")
    listed = await wireless_client.rate_plans.list().to_list()
    assert [p.unique_name for p in listed] == [
        "iot-starter",
        "fleet-standard",
        "global-roaming",
        "trackers-v2",
    ]
    await wireless_client.rate_plans.delete("trackers-v2")
    with pytest.raises(tw.NotFoundError):
        await wireless_client.rate_plans.fetch(created.sid)


async def test_rate_plan_conflicts(once: tw.WirelessClient) -> None:
    with pytest.raises(tw.ConflictError):
        await once.rate_plans.create(unique_name="iot-starter")
    with pytest.raises(tw.ConflictError) as info:
        await once.rate_plans.delete("iot-starter")  # SIMs use it
    assert "assigned" in info.value.message


async def test_rate_plan_validation(raw: httpx.AsyncClient) -> None:
    for form in (
        {"DataLimit": "2000001"},
        {"DataMetering": "quota-2"},
        {"InternationalRoaming": "sms"},
        {"DataEnabled": "maybe"},
        {"DataLimitStrategy": "drop"},
    ):
        response = await raw.post("/v1/RatePlans", data=form)
        assert response.status_code == 400, form


# --- usage records and data sessions ------------------------------------------------------


async def test_sim_usage_records_daily(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    start = dt.datetime(2024, 12, 1, tzinfo=dt.UTC)
    end = dt.datetime(2024, 12, 8, tzinfo=dt.UTC)
    records = await wireless_client.sims.usage_records(
        "sim-000002", start=start, end=end, granularity="daily", page_size=3
    ).to_list()
    assert len(records) == 7
    sid = wireless_simulator.get_sim("sim-000002")["sid"]  # type: ignore[index]
    assert all(r.sim_sid == sid for r in records)
    assert records[0].period is not None
    again = await wireless_client.sims.usage_records(
        "sim-000002", start=start, end=end, granularity="daily"
    ).to_list()
    assert [r.data for r in again] == [r.data for r in records]  # deterministic


async def test_usage_counts_real_commands(
    wireless_client: tw.WirelessClient, raw: httpx.AsyncClient
) -> None:
    await wireless_client.commands.create(command="a", sim="sim-000002")
    await wireless_client.commands.create(command="b", sim="sim-000002")
    body = (await raw.get("/v1/Sims/sim-000002/UsageRecords")).json()
    (record,) = body["usage_records"]
    assert record["commands"]["to_sim"] >= 2
    assert record["data"]["units"] == "bytes"
    assert body["meta"]["key"] == "usage_records"


async def test_usage_period_validation(raw: httpx.AsyncClient) -> None:
    bad = await raw.get(
        "/v1/UsageRecords", params={"Start": "2024-02-01T00:00:00Z", "End": "2024-01-01"}
    )
    assert bad.status_code == 400
    assert (await raw.get("/v1/UsageRecords", params={"Start": "yesterday"})).status_code == 400
    assert (await raw.get("/v1/UsageRecords", params={"Granularity": "weekly"})).status_code == 400


async def test_account_usage_records_hourly_pages(
    wireless_client: tw.WirelessClient, raw: httpx.AsyncClient
) -> None:
    start = dt.datetime(2024, 12, 1, tzinfo=dt.UTC)
    records = await wireless_client.usage_records.list(
        start=start, end=start + dt.timedelta(days=2), granularity="hourly", page_size=10
    ).to_list()
    assert len(records) == 48
    body = (
        await raw.get(
            "/v1/UsageRecords",
            params={
                "Start": "2024-12-01T00:00:00Z",
                "End": "2024-12-03T00:00:00Z",
                "Granularity": "hourly",
                "PageSize": 10,
            },
        )
    ).json()
    assert "Granularity=hourly" in body["meta"]["next_page_url"]
    assert "Start=2024-12-01T00%3A00%3A00Z" in body["meta"]["next_page_url"]
    assert body["usage_records"][0]["period"] == {
        "start": "2024-12-01T00:00:00Z",
        "end": "2024-12-01T01:00:00Z",
    }


async def test_data_sessions(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    totals = []
    for sid in wireless_simulator.sim_sids("active")[:10]:
        sessions = await wireless_client.sims.data_sessions(sid).to_list()
        totals.append(len(sessions))
        for session in sessions:
            assert session.sim_sid == sid
            assert session.sid is not None
            assert session.sid.startswith("WN")
    assert sum(totals) > 0
    new = wireless_simulator.sim_sids("new")[0]
    assert await wireless_client.sims.data_sessions(new).to_list() == []
    with pytest.raises(tw.NotFoundError):
        await wireless_client.sims.data_sessions("no-such-sim").to_list()
