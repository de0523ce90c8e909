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
        after the test. With the manual clock, the client is built with
        `clock=FakeClock(...)` tied to it: retry backoff and 202 polling take no real
        time, and each wait advances the simulator's clock (so a SIM change settles while
        `sims.update()` polls).
    wireless_httpx_client: a `WirelessClient` over a fresh `httpx.AsyncClient`, for tests
        that mock HTTP themselves with pytest-httpx or respx (they intercept httpx, not the
        SDK's own aiohttp pool); test credentials, base URL `https://wireless.test`, a
        `FakeClock`.

This module imports nothing heavy at collection time: the simulator and the SDK client
are imported when a fixture is first used. It lives beside the testing helpers because it
builds clients; the simulator itself never imports the SDK client.
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

    from ._clock import FakeClock

    fake_clock: FakeClock | None = None
    simulator_clock = wireless_simulator.clock
    if isinstance(simulator_clock, ManualClock):
        manual = simulator_clock

        def follow(seconds: float) -> None:
            manual.advance(seconds)

        fake_clock = FakeClock(on_advance=follow)
    http_client = wireless_simulator.http_client(SIMULATOR_BASE_URL)
    client = twilio_wireless.WirelessClient(
        wireless_simulator.account_sid,
        wireless_simulator.auth_token,
        base_url=SIMULATOR_BASE_URL,
        http_client=http_client,
        clock=fake_clock,
    )
    try:
        yield client
    finally:
        await client.aclose()
        await http_client.aclose()


MOCKED_BASE_URL = "https://wireless.test"


@_async_fixture()
async def wireless_httpx_client() -> AsyncIterator[twilio_wireless.WirelessClient]:
    """A client over an httpx.AsyncClient, which pytest-httpx and respx intercept."""
    import httpx

    import twilio_wireless

    from ._clock import FakeClock

    async with (
        httpx.AsyncClient() as http_client,
        twilio_wireless.WirelessClient(
            "AC" + "0" * 32,
            "test-token",
            base_url=MOCKED_BASE_URL,
            http_client=http_client,
            clock=FakeClock(),
        ) as client,
    ):
        yield client
