"""update_many with status callbacks on the system clock: each SIM's wait ends on its
callback with no task waiting for it (`_later`), falls back to polling when the callback
never comes, and is reported in flight when the batch is stopped.

Real time, in process: the simulator settles each change after `settle_delay` seconds and
sends its signed callback through the receiver (httpx.ASGITransport).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import attrs
import httpx
import pytest
from twilio_wireless_openapi.models.sim import Sim

import twilio_wireless as tw
from twilio_wireless._clock import SYSTEM_CLOCK
from twilio_wireless._polling import SimStatusChange
from twilio_wireless._signature import compute_signature
from twilio_wireless.simulator import SimulatorConfig, WirelessSimulator

PUBLIC = "https://hooks.example.com/twilio/sim-status"
SIMS = 12


@pytest.fixture
async def simulator() -> AsyncIterator[WirelessSimulator]:
    config = SimulatorConfig(sims=SIMS, status_mix={"ready": 1}, settle_delay=0.3, seed=5)
    async with WirelessSimulator(config) as sim:
        yield sim


@pytest.fixture
async def receiver(simulator: WirelessSimulator) -> tw.StatusCallbackReceiver:
    hooks = tw.StatusCallbackReceiver(simulator.auth_token, public_url=PUBLIC)
    await simulator.set_callback_transport(httpx.ASGITransport(app=hooks))
    return hooks


@pytest.fixture
def batching(client: tw.WirelessClient, receiver: tw.StatusCallbackReceiver) -> tw.WirelessClient:
    """The simulator's client (conftest) with the receiver for status callbacks."""
    return client.with_options(status_callbacks=receiver)


def requests(simulator: WirelessSimulator, method: str) -> int:
    return sum(1 for r in simulator.requests if r.method == method and "/Sims/DE" in r.path)


async def all_answered(simulator: WirelessSimulator, count: int) -> None:
    async with asyncio.timeout(5):
        while requests(simulator, "POST") < count:  # noqa: ASYNC110 (no event to wait on)
            await asyncio.sleep(0.01)


async def test_waiting_sims_hold_no_task_and_settle_on_their_callbacks(
    simulator: WirelessSimulator, batching: tw.WirelessClient
) -> None:
    sids = simulator.sim_sids("ready")
    async with asyncio.timeout(10), batching.sims.update_many(sids, status="active") as results:
        iterating = asyncio.ensure_future(anext(aiter(results)))
        await all_answered(simulator, SIMS)
        await asyncio.sleep(0.01)  # every call has returned from its request
        assert results.in_flight == SIMS  # all still settling (0.3 s)...
        assert len(asyncio.all_tasks()) < SIMS  # ...with no task waiting for any of them
        settled = [await iterating] + [result async for result in results]
    assert sorted(r.sid for r in settled) == sorted(sids)
    assert all(r.ok and r.value is not None and r.value.status == "active" for r in settled)
    assert requests(simulator, "GET") == 0  # one request per SIM: its callback ended the wait
    assert results.done == SIMS
    assert results.in_flight == 0


async def test_a_callback_that_never_comes_is_polled_for_after_callback_interval(
    simulator: WirelessSimulator, batching: tw.WirelessClient
) -> None:
    await simulator.set_callback_transport(None)  # sent to hooks.example.com: never arrives
    polling = batching.with_options(poll=tw.PollPolicy(callback_interval=0.5))
    sids = simulator.sim_sids("ready")[:3]
    async with asyncio.timeout(10):
        settled = [r async for r in polling.sims.update_many(sids, status="active")]
    assert all(r.ok and r.value is not None and r.value.status == "active" for r in settled)
    assert requests(simulator, "GET") == len(sids)  # one poll each, once the interval passed


async def test_a_batch_stopped_while_sims_settle_reports_them_in_flight(
    simulator: WirelessSimulator, batching: tw.WirelessClient, receiver: tw.StatusCallbackReceiver
) -> None:
    sids = simulator.sim_sids("ready")
    batch = batching.sims.update_many(sids, status="active")
    async with asyncio.timeout(10):
        iterating = asyncio.ensure_future(anext(aiter(batch)))
        await all_answered(simulator, SIMS)
        await asyncio.sleep(0.01)
        iterating.cancel()
        with pytest.raises(asyncio.CancelledError):
            await iterating
        await batch.aclose()
    assert batch.cancelled
    assert sorted(batch.in_flight_sids) == sorted(sids)  # accepted, not seen settled
    assert batch.unstarted_sids == ()
    assert receiver._waiters == {}  # every SIM's callback wait was closed
    await asyncio.sleep(0.5)  # their callbacks come now: nobody is told
    assert batch.done == 0


async def test_a_callback_in_another_status_fails_the_item(
    simulator: WirelessSimulator, client: tw.WirelessClient, receiver: tw.StatusCallbackReceiver
) -> None:
    sid = simulator.sim_sids("ready")[0]
    waiter = receiver.expect(sid)
    initial = attrs.evolve(await client.sims.fetch(sid), status=tw.SimStatus("updating"))

    async def never(sid: str, time_left: float) -> Sim:
        raise AssertionError("no poll: the callback came")

    change = SimStatusChange(
        sid=sid,
        fetch=never,
        clock=SYSTEM_CLOCK,
        policy=tw.PollPolicy(),
        initial=initial,
        accepted=True,
        status="active",
        reset=False,
        waiter=waiter,
    )
    later = change._settle_later()
    assert later is not None
    outcomes: list[tuple[object, BaseException | None]] = []
    later._report = lambda value, error: outcomes.append((value, error))
    transport = httpx.ASGITransport(app=receiver)
    form = {"SimSid": sid, "Sid": sid, "Status": "suspended", "AccountSid": simulator.account_sid}
    headers = {"X-Twilio-Signature": compute_signature(simulator.auth_token, PUBLIC, form)}
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC) as http:
        assert (await http.post("", data=form, headers=headers)).status_code == 200
    ((value, error),) = outcomes
    assert value is None
    assert isinstance(error, tw.SimStatusChangeError)
    assert error.sim.status == "suspended"
    assert change.done
    later.cancel()  # after the outcome: nothing more is reported
    assert len(outcomes) == 1


async def test_a_callback_that_never_comes_within_the_timeout_is_polled_once_then_times_out(
    simulator: WirelessSimulator, batching: tw.WirelessClient
) -> None:
    # As wait() does: one last poll at the deadline (the change settles in 0.3 s, after it).
    await simulator.set_callback_transport(None)  # never arrives
    polling = batching.with_options(poll=tw.PollPolicy(callback_interval=1.0, timeout=0.05))
    sid = simulator.sim_sids("ready")[0]
    async with asyncio.timeout(10):
        (result,) = [r async for r in polling.sims.update_many([sid], status="active")]
    assert isinstance(result.error, tw.PollTimeoutError)
    assert requests(simulator, "GET") == 1
