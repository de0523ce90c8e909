"""The admin routes (`/__simulator/...`), in-process: loopback only, no auth, not the API."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from twilio_wireless.simulator import SimulatorTransport, WirelessSimulator
from twilio_wireless.simulator._admin import is_loopback

FAULTS = "/__simulator/faults"


@pytest.fixture
async def admin(wireless_simulator: WirelessSimulator) -> AsyncIterator[httpx.AsyncClient]:
    """The admin routes from 127.0.0.1, with no credentials at all."""
    async with wireless_simulator.http_client() as client:
        yield client


def _from(simulator: WirelessSimulator, host: str) -> httpx.AsyncClient:
    transport = SimulatorTransport(app=simulator.app, client=(host, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://wireless.simulator")


async def test_add_list_use_and_clear_rules(
    admin: httpx.AsyncClient, raw: httpx.AsyncClient, wireless_simulator: WirelessSimulator
) -> None:
    assert (await admin.get(FAULTS)).json() == {"rules": []}
    added = await admin.post(FAULTS, json={"rule": "GET /v1/Sims/*=503;times=2"})
    assert added.status_code == 201
    assert added.json() == {
        "pattern": "GET /v1/Sims/*",
        "fault": "503",
        "times": 2,
        "skip": 0,
        "probability": 1.0,
        "matched": 0,
        "fired": 0,
        "remaining": 2,
    }
    statuses = [(await raw.get("/v1/Sims/sim-000001")).status_code for _ in range(3)]
    assert statuses == [503, 503, 200]
    (listed,) = (await admin.get(FAULTS)).json()["rules"]
    assert (listed["matched"], listed["fired"], listed["remaining"]) == (2, 2, 0)
    structured = await admin.post(
        FAULTS, json={"pattern": "FetchSim", "fault": 429, "times": None, "probability": 0.5}
    )
    assert structured.status_code == 201
    assert structured.json()["fault"] == "429;retry-after=1"
    assert structured.json()["times"] is None
    assert len(wireless_simulator.faults) == 2
    cleared = await admin.delete(FAULTS)
    assert (cleared.status_code, cleared.content) == (204, b"")
    assert (await admin.get(FAULTS)).json() == {"rules": []}
    assert (await raw.get("/v1/Sims/sim-000001")).status_code == 200


async def test_a_hostile_fault_added_over_http(
    admin: httpx.AsyncClient, raw: httpx.AsyncClient
) -> None:
    await admin.post(FAULTS, json={"pattern": "ListSim", "fault": "drop"})
    with pytest.raises(httpx.RemoteProtocolError):
        await raw.get("/v1/Sims")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"not json", "must be JSON"),
        (b"[1]", "JSON object"),
        (b'{"rule": "nothing"}', "PATTERN=SPEC"),
        (b'{"rule": "*=teapot"}', "cannot read"),
        (b'{"rule": "*=503", "times": 3}', "comes alone"),
        (b'{"pattern": "*"}', "required"),
        (b'{"pattern": "*", "fault": "503", "color": "red"}', "unknown fields"),
        (b'{"pattern": "*", "fault": "503", "times": "3"}', "times must be a number"),
        (b'{"pattern": "*", "fault": "503", "times": 0}', "times"),
        (b'{"pattern": "*", "fault": "503", "probability": 7}', "probability"),
        (b'{"pattern": "*", "fault": "503;times=x"}', "times"),
    ],
)
async def test_bad_rules_are_400(
    admin: httpx.AsyncClient, wireless_simulator: WirelessSimulator, body: bytes, message: str
) -> None:
    answer = await admin.post(FAULTS, content=body)
    assert answer.status_code == 400
    assert answer.json()["code"] == 20001
    assert message in answer.json()["message"]
    assert len(wireless_simulator.faults) == 0


async def test_other_methods_and_paths(admin: httpx.AsyncClient) -> None:
    put = await admin.put(FAULTS)
    assert put.status_code == 405
    assert put.headers["allow"] == "GET, POST, DELETE"
    assert (await admin.get("/__simulator/nothing")).status_code == 404
    assert (await admin.get(FAULTS + "/")).status_code == 200


async def test_only_loopback_clients_are_answered(wireless_simulator: WirelessSimulator) -> None:
    wireless_simulator.faults.add("FetchSim", "503")
    async with _from(wireless_simulator, "10.1.2.3") as remote:
        for method in ("GET", "POST", "DELETE"):
            answer = await remote.request(method, FAULTS, json={"rule": "*=drop;times=inf"})
            assert answer.status_code == 403
            assert answer.json()["code"] == 20403
            assert re.fullmatch(r"RQ[0-9a-f]{32}", answer.headers["twilio-request-id"])
        assert (await remote.get("/__simulator/stats")).status_code == 403
    assert [str(rule.fault) for rule in wireless_simulator.faults] == ["503"]
    for host in ("::1", "127.0.0.2", "::ffff:127.0.0.1"):
        async with _from(wireless_simulator, host) as local:
            assert (await local.get(FAULTS)).status_code == 200


def test_is_loopback() -> None:
    assert is_loopback(("127.0.0.1", 1))
    assert is_loopback(["::1", 1])
    assert is_loopback(("::ffff:127.0.0.1", 1))
    for client in (None, (), ("10.0.0.1", 1), ("testclient", 50000), ("::2", 1), (1, 2)):
        assert not is_loopback(client)


async def test_admin_requests_stay_out_of_the_log_and_the_stats(
    admin: httpx.AsyncClient, wireless_simulator: WirelessSimulator
) -> None:
    await admin.get(FAULTS)
    await admin.post(FAULTS, json={"rule": "*=503"})
    stats = (await admin.get("/__simulator/stats")).json()
    assert stats == {
        "requests": 0,
        "in_flight": 0,
        "in_flight_peak": 0,
        "too_many_requests": {},
    }
    assert list(wireless_simulator.requests) == []
    assert len(wireless_simulator.faults) == 1  # the rule for "*" did not hit the admin route


async def test_the_admin_routes_ignore_the_in_flight_limit() -> None:
    simulator = WirelessSimulator(sims=1, max_in_flight=1)
    async with simulator, simulator.http_client() as http:
        simulator._limits.in_flight = 1  # as if a request were being handled
        assert (await http.get("/v1/Sims")).status_code == 429
        assert (await http.get(FAULTS)).status_code == 200
        simulator._limits.in_flight = 0
