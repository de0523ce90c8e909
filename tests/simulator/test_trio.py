"""The simulator runs in-process on trio too (no asyncio loop, so callbacks wait for a drain)."""

from __future__ import annotations

import pytest
import trio

import twilio_wireless as tw
from twilio_wireless.simulator import CallbackCapture, Fault, ManualClock, WirelessSimulator


def test_simulator_on_trio() -> None:
    async def main() -> None:
        capture = CallbackCapture()
        sim = WirelessSimulator(
            sims=5, status_mix={"active": 1}, clock=ManualClock(), callback_transport=capture
        )
        async with sim, sim.http_client() as http:
            client = tw.WirelessClient(
                sim.account_sid,
                sim.auth_token,
                base_url="http://wireless.simulator",
                http_client=http,
                retry=tw.RetryPolicy.none(),
            )
            assert (await client.sims.fetch("sim-000001")).status == "active"
            change = await client.sims.begin_update(
                "sim-000001", status="suspended", callback_url="https://app.example/cb"
            )
            assert change.accepted
            await sim.manual_clock.advance(10)  # settles, and delivers the callback
            assert (await client.sims.fetch("sim-000001")).status == "suspended"
            assert [c.params["Status"] for c in capture.calls] == ["suspended"]
            sim.faults.add("FetchSim", Fault.slow(0.3))
            with pytest.raises(tw.APITimeoutError):
                await client.with_options(timeout=0.05).sims.fetch("sim-000002")

    trio.run(main)
