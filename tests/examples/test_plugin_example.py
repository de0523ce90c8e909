import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import WirelessSimulator

pytestmark = pytest.mark.anyio  # the one line: anyio (installed with the SDK) runs these tests


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # optional: anyio also runs each test on trio if trio is installed


async def test_gateway_suspends_a_lost_device(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    wireless_simulator.faults.add("UpdateSim", "503")  # one transient failure

    sim = await wireless_client.sims.update(sid, status="suspended")

    assert sim.status == "suspended"  # retried, then waited out the 202 Accepted
    updates = wireless_simulator.received("POST", f"/v1/Sims/{sid}")
    assert [r.status for r in updates] == [503, 202]
