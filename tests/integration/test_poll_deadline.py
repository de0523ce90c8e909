"""A poll deadline that runs out before the simulator settles the SIM."""

from __future__ import annotations

import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import (
    CallbackCapture,
    ManualClock,
    SimulatorConfig,
    WirelessSimulator,
)


@pytest.fixture
def wireless_simulator_config() -> SimulatorConfig:
    # Suspensions take an hour here, so a 5-minute poll deadline runs out first.
    return SimulatorConfig(
        sims=20,
        seed=0,
        clock=ManualClock(),
        callback_transport=CallbackCapture(),
        status_delays={"suspended": 3600.0},
        jitter=0.0,
    )


async def test_past_the_poll_deadline_raises_with_the_last_sim(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    active = wireless_simulator.sim_sids("active")[0]
    with pytest.raises(tw.PollTimeoutError) as info:
        await wireless_client.sims.update(active, status="suspended")
    assert info.value.sim.status == "updating"
    assert 300.0 <= info.value.waited < 301.0


async def test_a_longer_wait_timeout_sees_it_settle(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    active = wireless_simulator.sim_sids("active")[0]
    change = await wireless_client.sims.begin_update(active, status="suspended")
    sim = await change.wait(timeout=7200)
    assert sim.status == "suspended"
