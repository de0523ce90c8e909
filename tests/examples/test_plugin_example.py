import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import WirelessSimulator


@pytest.mark.asyncio  # or asyncio_mode = "auto" in your pytest configuration
async def test_gateway_suspends_a_lost_device(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    wireless_simulator.faults.add("UpdateSim", "503")  # one transient failure

    sim = await wireless_client.sims.update(sid, status="suspended")

    assert sim.status == "suspended"  # retried, then waited out the 202 Accepted
    updates = wireless_simulator.received("POST", f"/v1/Sims/{sid}")
    assert [r.status for r in updates] == [503, 202]
