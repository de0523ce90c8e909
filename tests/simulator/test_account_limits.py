"""The account's limits: requests in flight (20429), latency, request IDs, statistics."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import trio

import twilio_wireless as tw
from twilio_wireless.simulator import (
    ManualClock,
    SimulatorConfig,
    SimulatorStats,
    WirelessSimulator,
)

from .conftest import error_json

REQUEST_ID = re.compile(r"RQ[0-9a-f]{32}\Z")


@pytest.fixture
async def limited() -> AsyncIterator[tuple[WirelessSimulator, httpx.AsyncClient]]:
    """Two requests at once, each taking one second of a manual clock."""
    simulator = WirelessSimulator(
        sims=5, status_mix={"active": 1}, clock=ManualClock(), max_in_flight=2, latency=1.0
    )
    async with (
        simulator,
        simulator.http_client(auth=(simulator.account_sid, simulator.auth_token)) as http,
    ):
        yield simulator, http


# --- request IDs ---------------------------------------------------------------------------


async def test_every_answer_carries_a_request_id(
    raw: httpx.AsyncClient, wireless_simulator: WirelessSimulator
) -> None:
    answers = [
        await raw.get("/v1/Sims/sim-000001"),  # 200
        await raw.get("/v1/Sims/nope"),  # 404
        await raw.get("/v1/Nothing"),  # 404, no route
        await raw.get("/v1/Sims", auth=("AC" + "0" * 32, "wrong")),  # 401
        await raw.put("/v1/Sims"),  # 405
        await raw.get("/v1/Sims", headers={"X-Simulator-Fault": "503"}),
        await raw.get("/v1/Sims", headers={"X-Simulator-Fault": "502;html"}),
        await raw.get("/v1/Sims", headers={"X-Simulator-Fault": "429;retry-after=3"}),
        await raw.get("/v1/Sims", headers={"X-Simulator-Fault": "explode"}),  # 400
        await raw.get("/__simulator/faults"),
    ]
    assert [a.status_code for a in answers] == [200, 404, 404, 401, 405, 503, 502, 429, 400, 200]
    ids = [answer.headers["twilio-request-id"] for answer in answers]
    assert all(REQUEST_ID.match(request_id) for request_id in ids), ids
    assert len(set(ids)) == len(ids)
    for answer in answers[:-1]:
        assert answer.headers["twilio-concurrent-requests"] == "1"


# --- requests in flight --------------------------------------------------------------------


async def test_one_request_over_the_limit_is_refused_with_20429(
    limited: tuple[WirelessSimulator, httpx.AsyncClient],
) -> None:
    simulator, http = limited
    answers = await asyncio.gather(*(http.get(f"/v1/Sims/sim-00000{n}") for n in (1, 2, 3)))
    assert sorted(a.status_code for a in answers) == [200, 200, 429]
    (refused,) = [a for a in answers if a.status_code == 429]
    body = error_json(refused)
    assert body["code"] == 20429
    assert body["message"] == "Too many requests"
    assert body["more_info"] == "https://www.twilio.com/docs/errors/20429"
    assert "retry-after" not in refused.headers  # Twilio documents none for 20429
    assert refused.headers["twilio-concurrent-requests"] == "2"
    assert REQUEST_ID.match(refused.headers["twilio-request-id"])
    accepted = sorted(a.headers["twilio-concurrent-requests"] for a in answers if a.is_success)
    assert accepted == ["1", "2"]
    # The two overlapped: one second of (virtual) time passed, not two.
    assert simulator.clock.monotonic() == pytest.approx(1.0)
    assert simulator.stats == SimulatorStats(
        requests=3, in_flight=0, in_flight_peak=2, too_many_requests={"concurrency": 1}
    )
    assert [r.status for r in simulator.received(operation="FetchSim")].count(429) == 1
    assert (await http.get("/v1/Sims/sim-000004")).status_code == 200  # slots came back


async def test_a_refused_write_changes_nothing(
    limited: tuple[WirelessSimulator, httpx.AsyncClient],
) -> None:
    simulator, http = limited
    simulator.max_in_flight = 1
    first, second = await asyncio.gather(
        http.post("/v1/Sims/sim-000001", data={"FriendlyName": "first"}),
        http.post("/v1/Sims/sim-000002", data={"FriendlyName": "second"}),
    )
    assert (first.status_code, second.status_code) == (200, 429)
    assert simulator.get_sim("sim-000001")["friendly_name"] == "first"  # type: ignore[index]
    assert simulator.get_sim("sim-000002")["friendly_name"] != "second"  # type: ignore[index]
    refused = simulator.received(operation="UpdateSim")[-1]
    assert (refused.status, refused.applied) == (429, False)


async def test_the_default_limit_is_100_and_none_disables_it() -> None:
    simulator = WirelessSimulator(sims=1, clock=ManualClock(), latency=0.5)
    assert simulator.max_in_flight == 100
    async with simulator, simulator.http_client() as http:
        answers = await asyncio.gather(*(http.get("/v1/Sims") for _ in range(101)))
        assert [a.status_code for a in answers].count(429) == 1
        simulator.max_in_flight = None
        answers = await asyncio.gather(*(http.get("/v1/Sims") for _ in range(150)))
        assert 429 not in [a.status_code for a in answers]
    assert simulator.stats.in_flight_peak == 150
    assert WirelessSimulator(sims=0, max_in_flight=0).max_in_flight is None


async def test_the_sdk_sees_a_rate_limit_without_retry_after(
    limited: tuple[WirelessSimulator, httpx.AsyncClient],
) -> None:
    simulator, http = limited
    simulator.max_in_flight = 1
    client = tw.WirelessClient(
        simulator.account_sid,
        simulator.auth_token,
        base_url="http://wireless.simulator",
        http_client=http,
        retry=tw.RetryPolicy.none(),
    )
    results = await asyncio.gather(
        client.sims.fetch("sim-000001"), client.sims.fetch("sim-000002"), return_exceptions=True
    )
    (error,) = [result for result in results if isinstance(result, BaseException)]
    assert isinstance(error, tw.RateLimitError)
    assert error.code == 20429
    assert error.retry_after is None


async def test_injected_429s_are_counted_apart(raw: httpx.AsyncClient) -> None:
    for fault in ("429", "429;after", "503"):
        await raw.get("/v1/Sims", headers={"X-Simulator-Fault": fault})
    stats = (await raw.get("/__simulator/stats")).json()
    assert stats["too_many_requests"] == {"fault": 2}
    assert stats["requests"] == 3  # the admin route is not counted


async def test_a_client_that_gives_up_frees_its_slot() -> None:
    simulator = WirelessSimulator(sims=2, max_in_flight=1, latency=5.0)  # the real clock
    async with simulator, simulator.http_client() as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/v1/Sims", timeout=0.05)
        assert simulator.stats.in_flight == 0
        simulator.latency = 0
        assert (await http.get("/v1/Sims")).status_code == 401  # admitted again


async def test_latency_on_the_real_clock_overlaps() -> None:
    simulator = WirelessSimulator(sims=2, latency=0.2, max_in_flight=10)
    async with simulator, simulator.http_client() as http:
        started = time.perf_counter()
        answers = await asyncio.gather(*(http.get("/v1/Sims") for _ in range(5)))
        elapsed = time.perf_counter() - started
    assert all(answer.status_code == 401 for answer in answers)  # no credentials: still slow
    assert 0.2 <= elapsed < 0.9
    assert simulator.stats.in_flight_peak == 5


async def test_latency_times_the_limit_bounds_throughput(
    limited: tuple[WirelessSimulator, httpx.AsyncClient],
) -> None:
    """A client that waits out each 429 gets at most 2 requests per (virtual) second."""
    simulator, http = limited
    done = 0

    async def worker() -> None:
        nonlocal done
        while done < 8:
            answer = await http.get("/v1/Sims")
            if answer.status_code == 200:
                done += 1
            else:
                await asyncio.sleep(0)

    await asyncio.wait_for(asyncio.gather(*(worker() for _ in range(4))), timeout=20)
    assert done >= 8
    assert simulator.clock.monotonic() >= (done / 2) - 1


def test_limits_are_validated() -> None:
    for bad in ({"max_in_flight": -1}, {"latency": -0.1}, {"latency": float("nan")}):
        with pytest.raises(ValueError, match=r"max_in_flight|latency"):
            SimulatorConfig(**bad)
    simulator = WirelessSimulator(sims=0)
    with pytest.raises(ValueError, match="max_in_flight"):
        simulator.max_in_flight = True
    with pytest.raises(ValueError, match="latency"):
        simulator.latency = float("inf")
    assert simulator.latency == 0.0


async def test_reset_stats(raw: httpx.AsyncClient, wireless_simulator: WirelessSimulator) -> None:
    await raw.get("/v1/Sims", headers={"X-Simulator-Fault": "429"})
    assert wireless_simulator.stats.requests == 1
    wireless_simulator.reset_stats()
    assert wireless_simulator.stats == SimulatorStats(0, 0, 0, {})


def test_latency_on_a_manual_clock_under_trio() -> None:
    async def main() -> None:
        clock = ManualClock()
        sim = WirelessSimulator(sims=3, clock=clock, latency=2.0, max_in_flight=1)
        statuses: list[int] = []
        async with sim, sim.http_client(auth=(sim.account_sid, sim.auth_token)) as http:

            async def fetch() -> None:
                statuses.append((await http.get("/v1/Sims/sim-000001")).status_code)

            async with trio.open_nursery() as nursery:
                nursery.start_soon(fetch)
                nursery.start_soon(fetch)
        assert sorted(statuses) == [200, 429]
        assert clock.monotonic() == 2.0

    trio.run(main)
