"""Testing the gateway of gateway.py with the SDK's pytest plugin.

    pip install twilio-wireless pytest
    pytest examples/test_gateway.py

No configuration and no other plugin is needed: installing twilio-wireless registers the
`wireless_simulator`, `wireless_client` and `wireless_clock` fixtures, and anyio (which
the SDK depends on) runs the async tests marked below. With trio installed, anyio runs each
test on trio as well, and the gateway works there too.

`wireless_client` waits on `wireless_clock`, a FakeClock that is the simulator's clock:
the gateway's pauses, the client's retry backoff and its polling of 202 changes take no
real time, and SIM changes settle as that time passes.
"""

from __future__ import annotations

import base64

import anyio
import anyio.lowlevel
import pytest
from gateway import PROVISION_TEXT, Gateway, StatusChange, provision_frame

import twilio_wireless as tw
from twilio_wireless.simulator import WirelessSimulator
from twilio_wireless.testing import FakeClock

pytestmark = pytest.mark.anyio  # the one line: anyio's plugin runs these async tests


async def test_a_sim_that_becomes_active_is_sent_text_and_binary_commands(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    gateway = Gateway(wireless_client, log=lambda line: None)
    assert await gateway.tick() == []  # the first poll only learns the fleet
    sid = wireless_simulator.sim_sids("ready")[0]

    # 202 Accepted, then polled until it settles: in simulated time, at once.
    await wireless_client.sims.update(sid, status="active")
    changes = await gateway.tick()

    name = gateway.names[sid]
    assert changes == [StatusChange(sid, name, "ready", "active")]
    sent = wireless_simulator.received("POST", "/v1/Commands")
    assert [(r.form["Sim"], r.form["CommandMode"]) for r in sent] == [
        ([sid], ["text"]),
        ([sid], ["binary"]),
    ]
    assert sent[0].form["Command"] == [PROVISION_TEXT]
    assert base64.b64decode(sent[1].form["Command"][0]) == provision_frame()
    assert gateway.stats["commands_sent"] == 2


async def test_without_send_commands_nothing_is_sent(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    lines: list[str] = []
    gateway = Gateway(wireless_client, send_commands=False, log=lines.append)
    await gateway.tick()
    wireless_simulator.set_sim_status(wireless_simulator.sim_sids("ready")[0], "active")
    await gateway.tick()
    assert wireless_simulator.received("POST", "/v1/Commands") == []
    assert "would provision 1 SIMs" in lines[-1]


async def test_a_server_error_is_retried_at_the_next_poll(
    wireless_client: tw.WirelessClient,
    wireless_simulator: WirelessSimulator,
    wireless_clock: FakeClock,
) -> None:
    # More 503s than the client's 4 attempts: the first poll fails, the gateway goes on.
    wireless_simulator.faults.add("ListSim", 503, times=4)
    gateway = Gateway(wireless_client, interval=10.0, log=lambda line: None)

    await gateway.run(iterations=3)

    assert gateway.ticks == 3
    assert gateway.stats["ServerError"] == 1
    # Waits, all on the fake clock: the client's 3 backoffs (full jitter: anywhere up to
    # 0.5, 1 and 2 s), then the gateway's two pauses between its 3 polls.
    backoffs, pauses = wireless_clock.sleeps[:3], wireless_clock.sleeps[3:]
    assert all(0 <= wait <= limit for wait, limit in zip(backoffs, [0.5, 1.0, 2.0], strict=True))
    assert pauses == [10.0, 10.0]


async def test_a_rate_limit_waits_as_long_as_twilio_asks(
    wireless_client: tw.WirelessClient,
    wireless_simulator: WirelessSimulator,
    wireless_clock: FakeClock,
) -> None:
    wireless_simulator.faults.add("ListSim", "429;retry-after=30", times=4)
    gateway = Gateway(wireless_client, interval=10.0, log=lambda line: None)

    await gateway.run(iterations=2)

    assert gateway.stats["RateLimitError"] == 1
    # Retry-After is honoured as given (no jitter): 3 retries, then the gateway's pause.
    assert wireless_clock.sleeps == [30.0, 30.0, 30.0, 30.0]


async def test_wrong_credentials_stop_the_gateway(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    wireless_simulator.faults.add("ListSim", 401)
    gateway = Gateway(wireless_client, log=lambda line: None)
    with pytest.raises(tw.AuthenticationError):
        await gateway.run()
    assert gateway.ticks == 1


async def test_duration_is_measured_on_the_clients_clock(
    wireless_client: tw.WirelessClient, wireless_clock: FakeClock
) -> None:
    gateway = Gateway(wireless_client, interval=10.0, log=lambda line: None)
    await gateway.run(duration=35.0)
    assert gateway.ticks == 4  # at 0, 10, 20 and 30 s
    assert wireless_clock.sleeps == [10.0, 10.0, 10.0]  # a poll at 40 s would be too late


async def test_stop_ends_the_loop_after_the_current_poll(
    wireless_client: tw.WirelessClient,
) -> None:
    gateway = Gateway(wireless_client, log=lambda line: None)
    stopped_at: list[int] = []

    async def stop_after_three_polls() -> None:
        while gateway.ticks < 3:
            await anyio.lowlevel.checkpoint()
        stopped_at.append(gateway.ticks)
        gateway.stop()

    with anyio.fail_after(10):  # real seconds: the polls run in simulated time
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(stop_after_three_polls)
            await gateway.run()
    # The loop may have begun one more poll before stop() (the scheduler decides, and
    # trio's differs from asyncio's); it finishes that one and starts no other.
    assert gateway.stopping
    assert stopped_at[0] <= gateway.ticks <= stopped_at[0] + 1


async def test_cancelling_the_gateway_leaves_the_client_usable(
    wireless_client: tw.WirelessClient,
) -> None:
    with anyio.CancelScope() as scope:
        # Cancelled in the middle of its first poll, as Ctrl-C would.
        gateway = Gateway(wireless_client, log=lambda line: scope.cancel())
        await gateway.run()
    assert scope.cancelled_caught
    assert len(await wireless_client.sims.list(limit=3).to_list()) == 3
