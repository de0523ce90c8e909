"""Hostile-network faults in-process: drops, truncated and dripped bodies, huge bodies.

In-process the simulator's transport streams what a fault shapes, so each one surfaces
where it would over a network: a drop when the request is sent, a truncated body while
it is read, a drip within each read's timeout.
"""

from __future__ import annotations

import json
import time
import zlib

import anyio
import httpx
import pytest
import trio

import twilio_wireless as tw
from twilio_wireless.simulator import Fault, FaultRegistry, FaultRule, WirelessSimulator
from twilio_wireless.simulator._faults import parse_size

NO_RESPONSE = "Server disconnected without sending a response."
INCOMPLETE = "peer closed connection without sending complete message body"


async def _collect(response: httpx.Response, into: list[bytes]) -> None:
    async for chunk in response.aiter_raw():
        into.append(chunk)


# --- the syntax ----------------------------------------------------------------------------


def test_new_kinds_parse_and_round_trip() -> None:
    for text in (
        "truncate",
        "truncate=100",
        "truncate=0",
        "drip=0.5",
        "drip=0.5;chunk=4",
        "oversize=1g",
        "oversize=10m;chunked",
        "endless",
        "bomb=1g",
        "503;drip=1",
        "truncate=100;oversize=1g",
        "delay=2;drop;after",
    ):
        assert str(Fault.parse(text)) == text
        assert Fault.parse(str(Fault.parse(text))) == Fault.parse(text)
    assert Fault.parse("truncate=7") == Fault.truncated(7)
    assert Fault.parse("drip=0.25;chunk=8") == Fault.dripping(0.25, chunk=8)
    assert Fault.parse("oversize=64k;chunked") == Fault.oversized("64k", chunked=True)
    assert Fault.parse("endless") == Fault.endless_body()
    assert Fault.parse("bomb=10mb") == Fault.compression_bomb(10 << 20)
    assert Fault.parse("truncate=3").truncate is True


def test_sizes() -> None:
    assert parse_size("512") == 512
    assert parse_size("64k") == 64 << 10
    assert parse_size("10MB") == 10 << 20
    assert parse_size("1g") == 1 << 30
    assert parse_size("1tib") == 1 << 40
    for bad in ("0", "2t", "1.5g", "lots", "-1"):
        with pytest.raises(ValueError, match="size"):
            parse_size(bad)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("drop;truncate", "a drop sends nothing"),
        ("drop;drip=1", "a drop sends nothing"),
        ("oversize=1k;bomb=1k", "conflict"),
        ("endless;truncate", "cannot be truncated"),
        ("chunked", "chunked goes with oversize"),
        ("drip=-1", "drip"),
        ("chunk=0;drip=1", "chunk"),
        ("truncate=-5", "truncate"),
        ("oversize=huge", "cannot read"),
        ("503;times=3", "rule option"),
        ("probability=0.5;503", "rule option"),
    ],
)
def test_invalid_faults_are_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Fault.parse(text)


def test_rule_options_in_the_string_and_their_overrides() -> None:
    faults = FaultRegistry()
    rule = faults.add("GET /v1/Sims/*", "503;times=3;skip=1")
    assert (rule.fault, rule.times, rule.skip, rule.probability) == (Fault(status=503), 3, 1, 1)
    assert faults.add("FetchSim", "503;times=3", times=None).times is None
    assert faults.add("FetchSim", "drop;times=inf;p=5%").probability == pytest.approx(0.05)
    assert faults.add("FetchSim", "drop").times == 1  # the default is unchanged
    for bad in ("503;times=0", "503;skip=-1", "503;probability=0", "503;probability=2"):
        with pytest.raises(ValueError, match=r"times|skip|probability"):
            faults.add("*", bad)


@pytest.mark.parametrize(
    ("option", "value"),
    [("times", 0), ("times", True), ("times", 1.5), ("skip", -1), ("skip", False)],
)
def test_a_rule_built_directly_checks_its_counts(option: str, value: object) -> None:
    # The same checks as FaultRegistry.add's: a FaultRule is public and can be built alone.
    with pytest.raises(ValueError, match=rf"{option}: {value!r} is not valid"):
        FaultRule("*", Fault(status=503), **{option: value})  # type: ignore[arg-type]


def test_add_rule_reads_pattern_equals_spec() -> None:
    faults = FaultRegistry()
    rule = faults.add_rule("GET /v1/Sims/*=503;times=3")
    assert (rule.pattern, str(rule.fault), rule.times) == ("GET /v1/Sims/*", "503", 3)
    slow = faults.add_rule("FetchSim=delay=0.5")  # the pattern ends at the first "="
    assert (slow.pattern, slow.fault.delay) == ("FetchSim", 0.5)
    assert faults.add_rule("*=drop;probability=0.05;times=inf").times is None
    for bad in ("FetchSim", "=503", "FetchSim=", "FetchSim=teapot"):
        with pytest.raises(ValueError, match="fault"):
            faults.add_rule(bad)


def _fired(seed: int, requests: int = 2000) -> list[int]:
    faults = FaultRegistry(seed=seed)
    faults.add("*", "503;probability=0.05;times=inf")
    faults.add("*", "drop;probability=0.05;times=inf")
    return [n for n in range(requests) if faults.match("GET", "/v1/Sims", "ListSim") is not None]


def test_probability_is_about_right_and_repeatable_under_the_seed() -> None:
    first = _fired(seed=1)
    assert _fired(seed=1) == first
    assert _fired(seed=2) != first
    # Two rules at 5% each: about 9.75% of 2000 requests fail.
    assert 140 <= len(first) <= 260


async def test_the_header_refuses_rule_options(raw: httpx.AsyncClient) -> None:
    response = await raw.get("/v1/Sims", headers={"X-Simulator-Fault": "503;times=2"})
    assert response.status_code == 400
    assert "rule option" in response.json()["message"]


# --- drops -------------------------------------------------------------------------------------


async def test_drop_closes_before_any_header(
    raw: httpx.AsyncClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    wireless_simulator.faults.add("UpdateSim", "drop")
    with pytest.raises(httpx.RemoteProtocolError, match=NO_RESPONSE):
        await raw.post(f"/v1/Sims/{sid}", data={"Status": "suspended"})
    (entry,) = wireless_simulator.received(operation="UpdateSim")
    assert (entry.status, entry.applied) == (None, False)
    assert wireless_simulator.get_sim(sid)["status"] == "active"  # type: ignore[index]


async def test_truncate_sends_the_headers_then_fails_the_body_read(
    raw: httpx.AsyncClient, wireless_simulator: WirelessSimulator
) -> None:
    whole = (await raw.get("/v1/Sims/sim-000001")).content
    wireless_simulator.faults.add("FetchSim", "truncate=100")
    async with raw.stream("GET", "/v1/Sims/sim-000001") as response:
        assert response.status_code == 200  # the headers arrived...
        assert response.headers["content-length"] == str(len(whole))
        with pytest.raises(httpx.RemoteProtocolError) as info:
            await response.aread()  # ...the body did not
    assert str(info.value) == f"{INCOMPLETE} (received 100 bytes, expected {len(whole)})"
    assert wireless_simulator.received(operation="FetchSim")[-1].status == 200


async def test_truncate_defaults_to_half_and_applies_the_request(
    raw: httpx.AsyncClient, wireless_simulator: WirelessSimulator
) -> None:
    wireless_simulator.faults.add("UpdateSim", "truncate")
    received: list[bytes] = []
    async with raw.stream("POST", "/v1/Sims/sim-000002", data={"FriendlyName": "cut"}) as r:
        declared = int(r.headers["content-length"])
        with pytest.raises(httpx.RemoteProtocolError, match=INCOMPLETE):
            await _collect(r, received)
    assert len(b"".join(received)) == declared // 2
    # Shaping faults shape the real answer: the update happened.
    assert wireless_simulator.get_sim("sim-000002")["friendly_name"] == "cut"  # type: ignore[index]
    (entry,) = wireless_simulator.received(operation="UpdateSim")
    assert entry.applied


async def test_the_sdk_sees_a_truncated_body_as_a_connection_error(
    once: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    wireless_simulator.faults.add("FetchSim", "truncate=10")
    with pytest.raises(tw.APIConnectionError):
        await once.sims.fetch("sim-000001")


async def test_an_error_answer_can_be_truncated_too(raw: httpx.AsyncClient) -> None:
    with pytest.raises(httpx.RemoteProtocolError, match="received 5 bytes"):
        await raw.get("/v1/Sims", headers={"X-Simulator-Fault": "503;truncate=5"})


# --- slow bodies ----------------------------------------------------------------------------


async def test_drip_sends_the_body_slowly_within_each_read_timeout(
    raw: httpx.AsyncClient, wireless_simulator: WirelessSimulator
) -> None:
    whole = (await raw.get("/v1/Sims/sim-000001")).content
    chunks = -(-len(whole) // 64)
    wireless_simulator.faults.add("FetchSim", "drip=0.02;chunk=64")
    started = time.perf_counter()
    pieces: list[bytes] = []
    # Each read waits one drip (0.02 s), well inside the read timeout; the whole body
    # takes longer than the timeout, which a per-read timeout allows, as on a network.
    assert 0.02 * chunks > 0.25
    timeout = httpx.Timeout(5.0, read=0.2)
    async with raw.stream("GET", "/v1/Sims/sim-000001", timeout=timeout) as response:
        async for piece in response.aiter_raw():
            pieces.append(piece)
    elapsed = time.perf_counter() - started
    assert b"".join(pieces) == whole
    assert [len(piece) for piece in pieces[:-1]] == [64] * (chunks - 1)
    assert elapsed >= 0.02 * chunks * 0.9


async def test_a_drip_slower_than_the_read_timeout_times_out(
    raw: httpx.AsyncClient, wireless_simulator: WirelessSimulator
) -> None:
    wireless_simulator.faults.add("FetchSim", Fault.dripping(1.0))
    started = time.perf_counter()
    with pytest.raises(httpx.ReadTimeout):
        await raw.get("/v1/Sims/sim-000001", timeout=0.05)
    assert time.perf_counter() - started < 0.5


async def test_an_error_body_can_drip(raw: httpx.AsyncClient) -> None:
    response = await raw.get("/v1/Sims", headers={"X-Simulator-Fault": "503;drip=0.001;chunk=64"})
    assert response.status_code == 503
    assert response.json()["code"] == 20503


# --- huge bodies ---------------------------------------------------------------------------


async def test_oversize_declares_its_length_and_stops_when_the_client_leaves(
    raw: httpx.AsyncClient, wireless_simulator: WirelessSimulator
) -> None:
    wireless_simulator.faults.add("ListSim", "oversize=1g")
    with anyio.fail_after(10):
        async with raw.stream("GET", "/v1/Sims") as response:
            assert response.status_code == 200
            assert response.headers["content-length"] == str(1 << 30)
            read = 0
            async for chunk in response.aiter_raw():
                read += len(chunk)
                if read >= 1 << 20:
                    break  # a careful client refuses it; the rest is never generated
    assert read < 1 << 21


async def test_oversize_chunked_has_no_length_and_is_json(raw: httpx.AsyncClient) -> None:
    response = await raw.get("/v1/Sims", headers={"X-Simulator-Fault": "oversize=1m;chunked"})
    assert "content-length" not in response.headers
    assert len(response.content) == 1 << 20
    assert set(json.loads(response.content)) == {"padding"}


async def test_endless_never_ends_until_the_client_goes(raw: httpx.AsyncClient) -> None:
    with anyio.fail_after(10):
        async with raw.stream("GET", "/v1/Sims", headers={"X-Simulator-Fault": "endless"}) as r:
            assert "content-length" not in r.headers
            read = 0
            async for chunk in r.aiter_raw():
                read += len(chunk)
                if read > 8 << 20:
                    break
    assert read > 8 << 20
    assert (await raw.get("/v1/Sims")).status_code == 200  # and the simulator goes on


async def test_bomb_is_small_and_inflates_to_its_size(raw: httpx.AsyncClient) -> None:
    size = 64 << 20
    async with raw.stream("GET", "/v1/Sims", headers={"X-Simulator-Fault": "bomb=64m"}) as r:
        assert r.headers["content-encoding"] == "gzip"
        compressed = b"".join([chunk async for chunk in r.aiter_raw()])
    assert len(compressed) == int(r.headers["content-length"])
    assert len(compressed) < size // 500
    inflated = zlib.decompress(compressed, zlib.MAX_WBITS | 16)  # checks the CRC and size
    assert len(inflated) == size
    assert set(json.loads(inflated)) == {"padding"}


@pytest.mark.parametrize("size", [1, 13, 100, (1 << 20) + 15])
async def test_small_bombs_are_valid_gzip_too(raw: httpx.AsyncClient, size: int) -> None:
    response = await raw.get("/v1/Sims", headers={"X-Simulator-Fault": f"bomb={size}"})
    assert len(response.content) == size  # httpx inflated it


async def test_a_huge_bomb_costs_little_to_send(raw: httpx.AsyncClient) -> None:
    started = time.perf_counter()
    async with raw.stream("GET", "/v1/Sims", headers={"X-Simulator-Fault": "bomb=1t"}) as r:
        declared = int(r.headers["content-length"])
        first: list[bytes] = []
        async for chunk in r.aiter_raw():
            first.append(chunk)
            if len(first) == 2:
                break
    assert 1 << 30 < declared < 2 << 30  # about 1/1000 of a terabyte
    head = zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(b"".join(first), 64)
    assert head.startswith(b'{"padding":"000')
    assert time.perf_counter() - started < 5


async def test_body_faults_replace_the_answer_before_the_request_is_applied(
    raw: httpx.AsyncClient, wireless_simulator: WirelessSimulator
) -> None:
    wireless_simulator.faults.add("UpdateSim", "oversize=1k")
    response = await raw.post("/v1/Sims/sim-000003", data={"FriendlyName": "never"})
    assert response.status_code == 200
    assert len(response.content) == 1024
    assert wireless_simulator.get_sim("sim-000003")["friendly_name"] != "never"  # type: ignore[index]
    wireless_simulator.faults.add("UpdateSim", "bomb=1k;after")
    response = await raw.post("/v1/Sims/sim-000003", data={"FriendlyName": "applied"})
    assert len(response.content) == 1024
    assert wireless_simulator.get_sim("sim-000003")["friendly_name"] == "applied"  # type: ignore[index]


# --- other runners ----------------------------------------------------------------------------


async def test_plain_asgi_transport_still_sees_a_drop(
    wireless_simulator: WirelessSimulator,
) -> None:
    transport = httpx.ASGITransport(app=wireless_simulator.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sim") as http:
        with pytest.raises(httpx.RemoteProtocolError, match=NO_RESPONSE):
            await http.get("/v1/Sims", headers={"X-Simulator-Fault": "drop"})
        with pytest.raises(httpx.RemoteProtocolError, match=INCOMPLETE):
            await http.get("/v1/Sims", headers={"X-Simulator-Fault": "truncate=3"})
        dripped = await http.get(
            "/v1/Sims",
            headers={"X-Simulator-Fault": "drip=0.001;chunk=4096"},
            auth=(wireless_simulator.account_sid, wireless_simulator.auth_token),
        )
        assert dripped.status_code == 200
        assert dripped.json()["sims"]


def test_hostile_bodies_on_trio() -> None:
    async def main() -> None:
        sim = WirelessSimulator(sims=3, status_mix={"active": 1})
        async with sim, sim.http_client(auth=(sim.account_sid, sim.auth_token)) as http:
            with pytest.raises(httpx.RemoteProtocolError, match=NO_RESPONSE):
                await http.get("/v1/Sims", headers={"X-Simulator-Fault": "drop"})
            with pytest.raises(httpx.RemoteProtocolError, match="received 10 bytes"):
                await http.get("/v1/Sims", headers={"X-Simulator-Fault": "truncate=10"})
            dripped = await http.get(
                "/v1/Sims/sim-000001", headers={"X-Simulator-Fault": "drip=0.001;chunk=512"}
            )
            assert dripped.json()["unique_name"] == "sim-000001"
            bomb = await http.get("/v1/Sims", headers={"X-Simulator-Fault": "bomb=2m"})
            assert len(bomb.content) == 2 << 20

    trio.run(main)
