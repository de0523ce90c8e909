"""A client with `status_callbacks=receiver`: its 202 waits end on the SIM's callback.

The plugin's client and simulator share one clock, so the simulator settles the change
and sends its signed callback (through the receiver, in process) as the wait's clock moves.
"""

from __future__ import annotations

import httpx
import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import WirelessSimulator

PUBLIC = "https://hooks.example.com/twilio/sim-status"


@pytest.fixture
async def receiver(wireless_simulator: WirelessSimulator) -> tw.StatusCallbackReceiver:
    hooks = tw.StatusCallbackReceiver(wireless_simulator.auth_token, public_url=PUBLIC)
    await wireless_simulator.set_callback_transport(httpx.ASGITransport(app=hooks))
    return hooks


def gets(simulator: WirelessSimulator, sid: str) -> int:
    return sum(1 for r in simulator.requests if r.method == "GET" and r.path.endswith(sid))


async def test_a_status_change_completes_on_its_callback_without_polling(
    wireless_simulator: WirelessSimulator,
    wireless_client: tw.WirelessClient,
    receiver: tw.StatusCallbackReceiver,
) -> None:
    client = wireless_client.with_options(status_callbacks=receiver)
    sid = wireless_simulator.sim_sids("active")[0]
    sim = await client.sims.update(sid, status="suspended")
    assert sim.status == tw.SimStatus.SUSPENDED
    assert gets(wireless_simulator, sid) == 0  # one request for the whole change: the POST
    sent = [r for r in wireless_simulator.requests if r.method == "POST"][-1]
    assert sent.form["CallbackUrl"] == [PUBLIC]


async def test_a_callback_that_never_comes_falls_back_to_slow_polling(
    wireless_simulator: WirelessSimulator,
    wireless_client: tw.WirelessClient,
    receiver: tw.StatusCallbackReceiver,
) -> None:
    await wireless_simulator.set_callback_transport(None)  # callbacks lost on the way
    policy = tw.PollPolicy(callback_interval=20.0)
    client = wireless_client.with_options(status_callbacks=receiver, poll=policy)
    sid = wireless_simulator.sim_sids("active")[0]
    sim = await client.sims.update(sid, status="suspended")
    assert sim.status == tw.SimStatus.SUSPENDED
    assert gets(wireless_simulator, sid) == 1  # one fallback poll, after 20 s


async def test_a_callers_own_callback_url_is_kept_and_polled_as_usual(
    wireless_simulator: WirelessSimulator,
    wireless_client: tw.WirelessClient,
    receiver: tw.StatusCallbackReceiver,
) -> None:
    client = wireless_client.with_options(status_callbacks=receiver)
    sid = wireless_simulator.sim_sids("active")[0]
    mine = "https://example.com/mine"
    await client.sims.update(sid, status="suspended", callback_url=mine)
    sent = [r for r in wireless_simulator.requests if r.method == "POST"][-1]
    assert sent.form["CallbackUrl"] == [mine]
    assert gets(wireless_simulator, sid) >= 1


def test_status_callbacks_must_be_a_receiver() -> None:
    with pytest.raises(ValueError, match="status_callbacks"):
        tw.WirelessClient(
            "AC" + "0" * 32,
            "token",
            status_callbacks="https://x",  # type: ignore[arg-type]
        )
