"""Pytest fixtures for testing code that uses twilio_wireless against the simulator.

Registered through the `pytest11` entry point, so installing the package is enough:

    async def test_suspend(wireless_client, wireless_simulator):
        sid = wireless_simulator.sim_sids("active")[0]
        sim = await wireless_client.sims.update(sid, status="suspended", wait=False)
        assert sim.status == "updating"  # 202 Accepted
        await wireless_simulator.manual_clock.advance(10)
        assert (await wireless_client.sims.fetch(sid)).status == "suspended"

Fixtures:
    wireless_simulator_config: the `SimulatorConfig` used (50 SIMs, seed 0, a
        `ManualClock`, callbacks captured in-process); override it to change them.
    wireless_simulator: a fresh `WirelessSimulator` per test, closed after it.
    wireless_client: a `twilio_wireless.WirelessClient` wired to it in-process, closed
        after the test. With the manual clock, the client waits on a
        `twilio_wireless.testing.FakeClock` tied to it: retry backoff and 202 polling take
        no real time, and each wait advances the simulator's clock (so a SIM change
        settles while `sims.update()` polls).

This module imports nothing heavy at collection time: the simulator and the SDK are
imported when a fixture is first used.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import twilio_wireless
    from twilio_wireless.simulator import SimulatorConfig, WirelessSimulator

SIMULATOR_BASE_URL = "http://wireless.simulator"


def _async_fixture() -> Callable[[Any], Any]:
    """pytest-asyncio's fixture decorator when it is installed (any mode), else pytest's."""
    try:
        import pytest_asyncio
    except ImportError:  # e.g. anyio's pytest plugin runs async fixtures itself
        return pytest.fixture
    return pytest_asyncio.fixture


@pytest.fixture
def wireless_simulator_config() -> SimulatorConfig:
    """The simulator's configuration; override this fixture to seed something else."""
    from twilio_wireless.simulator import CallbackCapture, ManualClock, SimulatorConfig

    return SimulatorConfig(
        sims=50, seed=0, clock=ManualClock(), callback_transport=CallbackCapture()
    )


@_async_fixture()
async def wireless_simulator(
    wireless_simulator_config: SimulatorConfig,
) -> AsyncIterator[WirelessSimulator]:
    """A fresh simulator (manual clock) per test: seed, inject faults, advance, inspect."""
    from twilio_wireless.simulator import WirelessSimulator

    simulator = WirelessSimulator(wireless_simulator_config)
    try:
        yield simulator
    finally:
        await simulator.aclose()


@_async_fixture()
async def wireless_client(
    wireless_simulator: WirelessSimulator,
) -> AsyncIterator[twilio_wireless.WirelessClient]:
    """An SDK client talking to `wireless_simulator` in-process."""
    import twilio_wireless
    from twilio_wireless.simulator import ManualClock

    http_client = wireless_simulator.http_client(SIMULATOR_BASE_URL)
    client = twilio_wireless.WirelessClient(
        wireless_simulator.account_sid,
        wireless_simulator.auth_token,
        base_url=SIMULATOR_BASE_URL,
        http_client=http_client,
    )
    clock = wireless_simulator.clock
    if isinstance(clock, ManualClock):
        from twilio_wireless.testing import FakeClock

        def follow(seconds: float) -> None:
            clock.advance(seconds)

        FakeClock(on_advance=follow).install(client)
    try:
        yield client
    finally:
        await client.aclose()
        await http_client.aclose()
