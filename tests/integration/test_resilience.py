"""Retries, 202 waiting and fleet operations against the simulator (its faults and clock).

The `wireless_client` fixture waits on a fake clock tied to the simulator's manual clock:
no test here sleeps for real, and SIM changes settle while the client polls.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import anyio
import httpx
import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import Fault, WirelessSimulator

BASE = "http://wireless.simulator"


def sid_of(simulator: WirelessSimulator, status: str) -> str:
    return simulator.sim_sids(status)[0]


# retries ---------------------------------------------------------------------------


async def test_a_dropped_get_is_retried(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    wireless_simulator.faults.add("FetchSim", "drop")
    sim = await wireless_client.sims.fetch("sim-000001")
    assert sim.unique_name == "sim-000001"
    assert len(wireless_simulator.received("GET", "/v1/Sims/sim-000001")) == 2


@pytest.mark.parametrize("fault", ["drop", "drop;after"])
async def test_a_create_is_sent_once_when_the_connection_drops(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator, fault: str
) -> None:
    active = sid_of(wireless_simulator, "active")
    before = set(wireless_simulator.command_sids())
    wireless_simulator.faults.add("CreateCommand", fault)
    with pytest.raises(tw.APIConnectionError) as info:
        await wireless_client.commands.create(command="reboot", sim=active)
    assert info.value.request_sent is True
    assert info.value.attempts == 1
    # The server saw exactly one request: no second SMS, whatever happened to the first.
    assert len(wireless_simulator.received("POST", "/v1/Commands")) == 1
    created = set(wireless_simulator.command_sids()) - before
    assert len(created) == (1 if fault == "drop;after" else 0)


async def test_a_rate_limited_create_is_retried_and_created_once(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    active = sid_of(wireless_simulator, "active")
    before = set(wireless_simulator.command_sids())
    wireless_simulator.faults.add("CreateCommand", "429;retry-after=3")
    command = await wireless_client.commands.create(command="reboot", sim=active)
    requests = wireless_simulator.received("POST", "/v1/Commands")
    assert [r.status for r in requests] == [429, 201]
    assert set(wireless_simulator.command_sids()) - before == {command.sid}


async def test_a_503_create_is_not_retried_but_an_update_is(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    active = sid_of(wireless_simulator, "active")
    wireless_simulator.faults.add("CreateCommand", 503)
    with pytest.raises(tw.ServerError):
        await wireless_client.commands.create(command="reboot", sim=active)
    assert len(wireless_simulator.received("POST", "/v1/Commands")) == 1

    wireless_simulator.faults.add("UpdateSim", 503, times=2)
    sim = await wireless_client.sims.update(active, friendly_name="pump 7")
    assert sim.friendly_name == "pump 7"
    assert [r.status for r in wireless_simulator.received("POST", f"/v1/Sims/{active}")] == [
        503,
        503,
        200,
    ]


async def test_retries_run_out_with_the_attempt_count(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    wireless_simulator.faults.add("FetchSim", Fault.server_error(502), times=None)
    with pytest.raises(tw.ServerError) as info:
        await wireless_client.sims.fetch("sim-000002")
    assert info.value.attempts == 4
    assert len(wireless_simulator.received("GET", "/v1/Sims/sim-000002")) == 4


# 202 waiting -----------------------------------------------------------------------


async def test_a_status_change_is_awaited_until_it_settles(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    active = sid_of(wireless_simulator, "active")
    change = await wireless_client.sims.begin_update(active, status="suspended")
    assert change.accepted
    assert change.initial is not None
    assert change.initial.status == "updating"
    sim = await change.wait()
    assert sim.status == "suspended"
    assert change.polls >= 1
    assert wireless_simulator.get_sim(active)["status"] == "suspended"


async def test_an_unchanged_status_answers_200_without_polling(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    active = sid_of(wireless_simulator, "active")
    change = await wireless_client.sims.begin_update(active, status="active")
    assert not change.accepted
    assert change.done
    assert len(wireless_simulator.received("GET")) == 0


async def test_settling_elsewhere_raises_with_the_final_sim(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    active = sid_of(wireless_simulator, "active")
    await wireless_client.sims.update(active, status="suspended", wait=False)
    wireless_simulator.set_sim_status(active, "deactivated")  # someone else got there first
    with pytest.raises(tw.SimStatusChangeError) as info:
        await wireless_client.sims.resume_update(active, status="suspended").wait()
    assert info.value.sim.status == "deactivated"


async def test_cancelling_mid_poll_stops_at_once(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    active = sid_of(wireless_simulator, "active")
    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as group:
            group.start_soon(lambda: wireless_client.sims.update(active, status="suspended"))
            while not wireless_simulator.received("GET", f"/v1/Sims/{active}"):
                await anyio.lowlevel.checkpoint()
            scope.cancel()
    polls = len(wireless_simulator.received("GET", f"/v1/Sims/{active}"))
    await anyio.lowlevel.checkpoint()
    assert len(wireless_simulator.received("GET", f"/v1/Sims/{active}")) == polls
    assert all(r.status is not None for r in wireless_simulator.requests)


# fleet operations --------------------------------------------------------------------


async def test_update_many_reports_each_sim(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    suspended = sid_of(wireless_simulator, "suspended")
    active = wireless_simulator.sim_sids("active")[:3]
    canceled = wireless_simulator.add_sim(status="canceled")["sid"]
    targets = [*active, suspended, canceled, "no-such-sim"]
    results = {
        r.sid: r async for r in wireless_client.sims.update_many(targets, status="suspended")
    }
    assert set(results) == set(targets)
    for sid in (*active, suspended):
        assert results[sid].value is not None
        assert results[sid].value.status == "suspended"
    assert isinstance(results[canceled].error, tw.BadRequestError)
    assert isinstance(results["no-such-sim"].error, tw.NotFoundError)


class _InFlight:
    """ASGI middleware that counts the requests the server is handling at once."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.now = 0
        self.peak = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.now += 1
        self.peak = max(self.peak, self.now)
        try:
            for _ in range(20):
                await anyio.lowlevel.checkpoint()  # let other requests in
            await self.app(scope, receive, send)
        finally:
            self.now -= 1


@pytest.fixture
async def counted(
    wireless_simulator: WirelessSimulator,
) -> AsyncIterator[tuple[_InFlight, httpx.AsyncClient]]:
    counter = _InFlight(wireless_simulator.app)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=counter), base_url=BASE) as http:
        yield counter, http


async def test_update_many_concurrency_is_observed_at_the_server(
    wireless_simulator: WirelessSimulator, counted: tuple[_InFlight, httpx.AsyncClient]
) -> None:
    counter, http = counted
    async with tw.WirelessClient(
        wireless_simulator.account_sid,
        wireless_simulator.auth_token,
        base_url=BASE,
        http_client=http,
    ) as client:
        sids = wireless_simulator.sim_sids()[:20]
        results = [r async for r in client.sims.update_many(sids, concurrency=4, friendly_name="x")]
    assert len(results) == 20
    assert all(r.ok for r in results)
    assert counter.peak == 4


async def test_max_concurrency_caps_all_callers_at_the_server(
    wireless_simulator: WirelessSimulator, counted: tuple[_InFlight, httpx.AsyncClient]
) -> None:
    counter, http = counted
    async with (
        tw.WirelessClient(
            wireless_simulator.account_sid,
            wireless_simulator.auth_token,
            base_url=BASE,
            http_client=http,
            max_concurrency=3,
        ) as client,
        anyio.create_task_group() as group,
    ):
        for sid in wireless_simulator.sim_sids()[:15]:
            group.start_soon(client.sims.fetch, sid)

        async def batch() -> None:
            sids = wireless_simulator.sim_sids()[:10]
            async for _ in client.sims.update_many(sids, concurrency=10, friendly_name="y"):
                pass

        group.start_soon(batch)
    assert counter.peak == 3


async def test_create_many_sends_each_sim_one_command(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    active = wireless_simulator.sim_sids("active")[:5]
    before = set(wireless_simulator.command_sids())
    wireless_simulator.faults.add("CreateCommand", "drop", skip=2)  # the third one drops
    results = [
        r async for r in wireless_client.commands.create_many(active, command="ping", concurrency=2)
    ]
    assert len(results) == 5
    assert sum(r.ok for r in results) == 4
    assert len(wireless_simulator.received("POST", "/v1/Commands")) == 5
    assert len(set(wireless_simulator.command_sids()) - before) == 4


async def test_breaking_out_early_cancels_the_rest_without_async_with(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sids = wireless_simulator.sim_sids()[:30]
    async for result in wireless_client.sims.update_many(sids, concurrency=3, friendly_name="z"):
        assert result.ok
        break
    for _ in range(50):
        await anyio.lowlevel.checkpoint()
    assert len(wireless_simulator.received("POST")) <= 4
