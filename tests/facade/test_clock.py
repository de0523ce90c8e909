"""The clock seam: `WirelessClient(clock=...)`, what retry and polling wait on."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import ManualClock, WirelessSimulator
from twilio_wireless.testing import FakeClock

PINNED = tw.RetryPolicy(jitter=lambda delay: delay)
SIM_NAME = "pump-station-7"


@pytest.fixture
async def simulator() -> AsyncIterator[WirelessSimulator]:
    async with WirelessSimulator(sims=0, clock=ManualClock()) as simulator:
        simulator.add_sim(status="active", unique_name=SIM_NAME)
        yield simulator


@pytest.fixture
def client_on(
    simulator: WirelessSimulator,
) -> Callable[..., Any]:
    """client_on(**kwargs): an async context manager, a client on `simulator`."""

    @asynccontextmanager
    async def build(**kwargs: Any) -> AsyncIterator[tw.WirelessClient]:
        async with (
            simulator.http_client() as http,
            tw.WirelessClient(
                simulator.account_sid,
                simulator.auth_token,
                base_url="http://wireless.simulator",
                http_client=http,
                **kwargs,
            ) as client,
        ):
            yield client

    return build


async def test_the_default_clock_is_the_system_monotonic_clock(client_on: Any) -> None:
    async with client_on() as client:
        clock = client.clock
        before = time.monotonic()
        reading = clock()
        assert before <= reading <= time.monotonic()
        await clock.sleep(0)
        assert client.with_options(retry=tw.RetryPolicy.none()).clock is clock


@pytest.mark.parametrize(
    "bad",
    [time.monotonic, FakeClock, object(), 3.0, "monotonic"],
    ids=["no-sleep", "a-class", "object", "float", "str"],
)
def test_a_clock_that_is_not_a_clock_is_refused_by_name(bad: object) -> None:
    with pytest.raises(ValueError, match=r"^clock: .* is not a Clock"):
        tw.WirelessClient("AC" + "1" * 32, "t", clock=bad)  # type: ignore[arg-type]


async def test_retry_backoff_waits_on_the_clock_given(
    client_on: Any, simulator: WirelessSimulator
) -> None:
    clock = FakeClock()
    simulator.faults.add("FetchSim", "503", times=2)
    async with client_on(retry=PINNED, clock=clock) as client:
        assert client.clock is clock
        sim = await client.sims.fetch(SIM_NAME)
    assert sim.unique_name == SIM_NAME
    assert clock.sleeps == [0.5, 1.0]
    assert clock.now == pytest.approx(1.5)


async def test_views_share_the_clock(client_on: Any, simulator: WirelessSimulator) -> None:
    clock = FakeClock()
    simulator.faults.add("FetchSim", "503", times=1)
    async with client_on(clock=clock) as client:
        view = client.with_options(retry=PINNED)
        assert view.clock is clock
        await view.sims.fetch(SIM_NAME)
    assert clock.sleeps == [0.5]


async def test_202_polling_waits_on_the_clock_given(
    client_on: Any, simulator: WirelessSimulator
) -> None:
    clock = FakeClock(on_advance=lambda seconds: simulator.manual_clock.advance(seconds))
    async with client_on(clock=clock) as client:
        sim = await client.sims.update(SIM_NAME, status="suspended")
    assert sim.status == "suspended"
    assert clock.sleeps  # every poll interval was a wait on the clock, none of it real
    assert simulator.clock.monotonic() == pytest.approx(clock.now)


async def test_setting_the_clock_replaces_it_for_this_client(
    client_on: Any, simulator: WirelessSimulator
) -> None:
    first, second = FakeClock(), FakeClock()
    async with client_on(retry=PINNED, clock=first) as client:
        sims = client.sims  # resources already handed out follow the new clock too
        client.clock = second
        assert client.clock is second
        simulator.faults.add("FetchSim", "503", times=1)
        await sims.fetch(SIM_NAME)
        with pytest.raises(ValueError, match=r"^clock: "):
            client.clock = time.monotonic  # type: ignore[assignment]
        assert client.clock is second
    assert (first.sleeps, second.sleeps) == ([], [0.5])


async def test_fake_clock_install_is_the_public_setter(client_on: Any) -> None:
    clock = FakeClock()
    async with client_on() as client:
        clock.install(client)
        assert client.clock is clock


def test_fake_clock_is_a_clock() -> None:
    clock: tw.Clock = FakeClock(start=5.0)
    assert clock() == 5.0
