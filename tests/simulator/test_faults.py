"""Fault injection: what users' retry and idempotency tests rely on."""

from __future__ import annotations

import time

import httpx
import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import Fault, WirelessSimulator

from .conftest import error_json


async def test_rate_limit_carries_retry_after(
    once: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    rule = wireless_simulator.faults.add("GET /v1/Sims/{Sid}", "429;retry-after=2")
    with pytest.raises(tw.RateLimitError) as info:
        await once.sims.fetch("sim-000001")
    assert info.value.retry_after == 2.0
    assert info.value.code == 20429
    assert (rule.matched, rule.fired, rule.remaining) == (1, 1, 0)
    assert (await once.sims.fetch("sim-000001")).unique_name == "sim-000001"


async def test_the_sdk_retries_a_rate_limit_and_the_log_shows_both_attempts(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    wireless_simulator.faults.add("FetchSim", Fault.rate_limit(retry_after=2))
    sim = await wireless_client.sims.fetch("sim-000001")
    assert sim.unique_name == "sim-000001"
    attempts = wireless_simulator.received("GET", "/v1/Sims/sim-000001")
    assert [r.status for r in attempts] == [429, 200]
    assert attempts[0].fault is not None
    assert attempts[0].fault.status == 429


async def test_server_errors_json_and_html(
    once: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    wireless_simulator.faults.add("GET /v1/Sims", 503, times=1)
    with pytest.raises(tw.ServerError) as info:
        await once.sims.list().to_list()
    assert info.value.status == 503
    assert info.value.code == 20503
    wireless_simulator.faults.add("GET /v1/Sims", Fault.server_error(502, html=True))
    with pytest.raises(tw.ServerError) as html:
        await once.sims.list().to_list()
    assert html.value.status == 502
    assert html.value.code is None
    assert "non-JSON" in html.value.message


async def test_every_5xx_status(raw: httpx.AsyncClient) -> None:
    for status in (500, 502, 503, 504):
        response = await raw.get("/v1/Sims", headers={"X-Simulator-Fault": str(status)})
        assert response.status_code == status
        assert error_json(response)["code"] == (20503 if status == 503 else 20500)


async def test_drop_before_leaves_the_state_unchanged(
    once: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    wireless_simulator.faults.add("UpdateSim", "drop")
    with pytest.raises(tw.APIConnectionError) as info:
        await once.sims.update(sid, status="suspended", wait=False)
    assert info.value.request_sent is True
    (entry,) = wireless_simulator.received(operation="UpdateSim")
    assert entry.status is None
    assert entry.applied is False
    assert entry.param("Status") == "suspended"
    assert wireless_simulator.get_sim(sid)["status"] == "active"  # type: ignore[index]


async def test_drop_after_applies_the_change_then_drops(
    once: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    wireless_simulator.faults.add("UpdateSim", Fault.dropped(after=True))
    with pytest.raises(tw.APIConnectionError):
        await once.sims.update(sid, status="suspended", wait=False)
    (entry,) = wireless_simulator.received(operation="UpdateSim")
    assert entry.status is None
    assert entry.applied is True
    assert wireless_simulator.get_sim(sid)["status"] == "updating"  # type: ignore[index]
    # The retry a client would send is harmless: the same target answers 202 again.
    change = await once.sims.begin_update(sid, status="suspended")
    assert change.accepted


async def test_a_create_dropped_after_processing_exists_dropped_before_does_not(
    once: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    before = len(wireless_simulator.command_sids())
    wireless_simulator.faults.add("CreateCommand", "drop")
    with pytest.raises(tw.APIConnectionError):
        await once.commands.create(command="ONE", sim="sim-000002")
    assert len(wireless_simulator.command_sids()) == before
    wireless_simulator.faults.add("CreateCommand", "drop;after")
    with pytest.raises(tw.APIConnectionError):
        await once.commands.create(command="TWO", sim="sim-000002")
    assert len(wireless_simulator.command_sids()) == before + 1
    newest = wireless_simulator.get_command(wireless_simulator.command_sids()[0])
    assert newest is not None
    assert newest["command"] == "TWO"
    assert [r.applied for r in wireless_simulator.received(operation="CreateCommand")] == [
        False,
        True,
    ]


async def test_slow_response_times_the_client_out(
    once: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    wireless_simulator.faults.add("FetchSim", Fault.slow(0.4))
    started = time.perf_counter()
    with pytest.raises(tw.APITimeoutError):
        await once.with_options(timeout=0.1).sims.fetch("sim-000001")
    assert time.perf_counter() - started < 0.35
    (entry,) = wireless_simulator.received(operation="FetchSim")
    assert entry.status is None  # the answer never left


async def test_slow_after_processing_times_out_but_the_change_happened(
    once: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    wireless_simulator.faults.add("UpdateSim", "delay=0.3;after")
    with pytest.raises(tw.APITimeoutError):
        await once.with_options(timeout=0.05).sims.update("sim-000002", friendly_name="late")
    assert wireless_simulator.get_sim("sim-000002")["friendly_name"] == "late"  # type: ignore[index]


async def test_a_short_delay_still_answers(
    once: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    wireless_simulator.faults.add("*", "delay=0.05")
    started = time.perf_counter()
    assert (await once.sims.fetch("sim-000001")).unique_name == "sim-000001"
    assert time.perf_counter() - started >= 0.05


async def test_per_request_header_faults(raw: httpx.AsyncClient) -> None:
    limited = await raw.get("/v1/Sims", headers={"X-Simulator-Fault": "429;retry-after=3"})
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "3"
    html = await raw.get("/v1/Sims", headers={"X-Simulator-Fault": "503;html"})
    assert html.status_code == 503
    assert html.headers["content-type"] == "text/html"
    assert html.text.startswith("<html>")
    with pytest.raises(httpx.RemoteProtocolError):
        await raw.get("/v1/Sims", headers={"X-Simulator-Fault": "drop"})
    bad = await raw.get("/v1/Sims", headers={"X-Simulator-Fault": "explode"})
    assert bad.status_code == 400
    assert "X-Simulator-Fault" in error_json(bad)["message"]
    assert (await raw.get("/v1/Sims")).status_code == 200  # header faults apply once


async def test_rule_patterns_times_and_skip(
    raw: httpx.AsyncClient, wireless_simulator: WirelessSimulator
) -> None:
    faults = wireless_simulator.faults
    rule = faults.add("POST /v1/Sims/*", 500, times=2, skip=1)
    statuses = [
        (await raw.post("/v1/Sims/sim-000002", data={"FriendlyName": str(n)})).status_code
        for n in range(4)
    ]
    assert statuses == [200, 500, 500, 200]
    assert (await raw.get("/v1/Sims/sim-000002")).status_code == 200  # GET does not match
    assert (rule.matched, rule.fired, rule.remaining) == (3, 2, 0)
    forever = faults.add("/v1/RatePlans", 503, times=None)
    for _ in range(3):
        assert (await raw.get("/v1/RatePlans")).status_code == 503
    assert forever.remaining is None
    faults.clear()
    assert not faults
    assert (await raw.get("/v1/RatePlans")).status_code == 200


def test_fault_syntax_round_trips() -> None:
    for text in ("503", "503;html", "429;retry-after=2", "delay=0.5", "drop", "drop;after"):
        assert str(Fault.parse(text)) == text
    assert Fault.parse("429").retry_after == 1.0
    assert Fault.parse("delay=0.2;504;after") == Fault(status=504, delay=0.2, after=True)
    for bad in ("", "teapot", "999", "drop;503", "delay=-1", "retry-after=x"):
        with pytest.raises(ValueError, match="fault"):
            Fault.parse(bad)
    with pytest.raises(ValueError, match=r"500\.\.599"):
        Fault.server_error(404)
