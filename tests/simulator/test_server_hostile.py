"""Hostile faults, limits and the admin routes on the real server (uvicorn on 127.0.0.1).

The raw-socket tests read exactly what left the server: a drop writes no byte at all, a
truncated answer stops mid-body.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import time
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import httpx
import pytest
import uvicorn

from twilio_wireless.simulator import WirelessSimulator

from .conftest import cli_server, run_cli, serving, when_listening

NO_RESPONSE = "Server disconnected without sending a response."


@pytest.fixture
async def running() -> AsyncIterator[tuple[WirelessSimulator, uvicorn.Server, int]]:
    """A simulator, the uvicorn server serving it on 127.0.0.1, and its port."""
    simulator = WirelessSimulator(sims=10, seed=3, status_mix={"active": 1})
    async with serving(simulator) as (server, port):
        yield simulator, server, port


@pytest.fixture
def server(
    running: tuple[WirelessSimulator, uvicorn.Server, int],
) -> tuple[WirelessSimulator, str, int]:
    simulator, _, port = running
    return simulator, "127.0.0.1", port


@pytest.fixture
async def http(server: tuple[WirelessSimulator, str, int]) -> AsyncIterator[httpx.AsyncClient]:
    simulator, host, port = server
    async with httpx.AsyncClient(
        base_url=f"http://{host}:{port}",
        auth=(simulator.account_sid, simulator.auth_token),
        timeout=10,
    ) as client:
        yield client


async def exchange(
    server: tuple[WirelessSimulator, str, int], path: str, fault: str | None = None
) -> bytes:
    """Everything the server writes for one request (on a connection it should close)."""
    simulator, host, port = server
    token = base64.b64encode(f"{simulator.account_sid}:{simulator.auth_token}".encode())
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n".encode()
            + (b"" if fault is None else f"X-Simulator-Fault: {fault}\r\n".encode())
            + b"Authorization: Basic "
            + token
            + b"\r\n\r\n"
        )
        await writer.drain()
        with anyio.fail_after(10):
            return await reader.read(-1)
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


def split(raw: bytes) -> tuple[dict[str, str], bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")[1:]
    headers = {name.lower(): value.strip() for name, _, value in (x.partition(":") for x in lines)}
    return headers, body


async def test_drop_writes_not_a_single_byte(server: tuple[WirelessSimulator, str, int]) -> None:
    assert await exchange(server, "/v1/Sims/sim-000001", "drop") == b""
    simulator = server[0]
    (entry,) = simulator.received(operation="FetchSim")
    assert entry.status is None


async def test_httpx_sees_the_drop_as_a_server_that_closed(
    server: tuple[WirelessSimulator, str, int], http: httpx.AsyncClient
) -> None:
    simulator = server[0]
    simulator.faults.add("UpdateSim", "drop;after")
    with pytest.raises(httpx.RemoteProtocolError, match=NO_RESPONSE):
        await http.post("/v1/Sims/sim-000002", data={"FriendlyName": "applied"})
    assert simulator.get_sim("sim-000002")["friendly_name"] == "applied"  # type: ignore[index]
    assert (await http.get("/v1/Sims/sim-000002")).status_code == 200  # the server goes on


async def test_truncate_stops_mid_body(server: tuple[WirelessSimulator, str, int]) -> None:
    whole = await exchange(server, "/v1/Sims/sim-000001")
    headers, body = split(whole)
    length = int(headers["content-length"])
    assert len(body) == length
    cut_headers, cut_body = split(await exchange(server, "/v1/Sims/sim-000001", "truncate=100"))
    assert cut_headers["content-length"] == str(length)
    assert cut_body == body[:100]
    assert cut_headers["twilio-request-id"].startswith("RQ")


async def test_httpx_sees_a_truncated_body(http: httpx.AsyncClient) -> None:
    with pytest.raises(httpx.RemoteProtocolError, match=r"received 10 bytes, expected \d+"):
        await http.get("/v1/Sims", headers={"X-Simulator-Fault": "truncate=10"})
    with pytest.raises(httpx.RemoteProtocolError, match="incomplete chunked read"):
        await http.get("/v1/Sims", headers={"X-Simulator-Fault": "oversize=1m;chunked;truncate"})


async def test_drip_arrives_piece_by_piece(http: httpx.AsyncClient) -> None:
    whole = (await http.get("/v1/Sims/sim-000001")).content
    pieces = -(-len(whole) // 64)
    started = time.perf_counter()
    received: list[bytes] = []
    timeout = httpx.Timeout(10, read=0.5)  # less than the whole drip, more than one step
    headers = {"X-Simulator-Fault": "drip=0.06;chunk=64"}
    async with http.stream("GET", "/v1/Sims/sim-000001", headers=headers, timeout=timeout) as r:
        async for chunk in r.aiter_raw():
            received.append(chunk)
    assert b"".join(received) == whole
    assert len(received) >= pieces // 2  # chunks a drip apart arrive apart
    assert time.perf_counter() - started >= 0.06 * pieces * 0.9 > 0.5
    with pytest.raises(httpx.ReadTimeout):
        await http.get("/v1/Sims", headers={"X-Simulator-Fault": "drip=2"}, timeout=0.2)


async def test_an_endless_body_stops_when_the_client_leaves(
    running: tuple[WirelessSimulator, uvicorn.Server, int], http: httpx.AsyncClient
) -> None:
    with anyio.fail_after(20):
        async with http.stream("GET", "/v1/Sims", headers={"X-Simulator-Fault": "endless"}) as r:
            assert r.headers.get("transfer-encoding") == "chunked"
            read = 0
            async for chunk in r.aiter_raw():
                read += len(chunk)
                if read > 4 << 20:
                    break
    assert read > 4 << 20
    # The app's task ends with the connection (it would spin or stream on otherwise).
    tasks = running[1].server_state.tasks
    with anyio.fail_after(5):
        while tasks:  # noqa: ASYNC110 (uvicorn's task set has no event to wait on)
            await asyncio.sleep(0.02)
    assert (await http.get("/v1/Sims")).status_code == 200


async def test_oversize_declares_a_huge_length(http: httpx.AsyncClient) -> None:
    with anyio.fail_after(20):
        async with http.stream(
            "GET", "/v1/Sims", headers={"X-Simulator-Fault": "oversize=1g"}
        ) as r:
            assert r.headers["content-length"] == str(1 << 30)
            async for chunk in r.aiter_raw():
                assert chunk.startswith(b'{"padding":"')
                break


async def test_a_bomb_over_the_wire(http: httpx.AsyncClient) -> None:
    response = await http.get("/v1/Sims", headers={"X-Simulator-Fault": "bomb=16m"})
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) < 64 << 10
    assert len(response.content) == 16 << 20  # httpx inflated it


async def test_the_in_flight_limit_over_the_wire() -> None:
    simulator = WirelessSimulator(sims=3, max_in_flight=2, latency=0.3)
    async with (
        serving(simulator) as (_, port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client,
    ):
        answers = await asyncio.gather(*(client.get("/v1/Sims") for _ in range(3)))
    assert sorted(answer.status_code for answer in answers) == [401, 401, 429]
    (refused,) = [answer for answer in answers if answer.status_code == 429]
    assert refused.json()["code"] == 20429
    assert refused.headers["twilio-concurrent-requests"] == "2"
    assert simulator.stats.too_many_requests == {"concurrency": 1}


# --- the command line --------------------------------------------------------------------------


def test_cli_help_shows_the_new_options() -> None:
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    for flag in ("--fault", "PATTERN=SPEC", "--max-in-flight", "--latency", "trace"):
        assert flag in result.stdout


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--fault", "FetchSim"], "PATTERN=SPEC"),
        (["--fault", "FetchSim=teapot"], "cannot read"),
        (["--max-in-flight", "-1"], "max_in_flight"),
        (["--latency", "-1"], "latency"),
        (["--log-level", "verbose"], "invalid choice"),
    ],
)
def test_cli_refuses_bad_options(arguments: list[str], message: str) -> None:
    result = run_cli("--port", "0", *arguments)
    assert result.returncode == 2
    assert message in result.stderr


async def test_cli_faults_admin_route_and_trace_logging(tmp_path: Path) -> None:
    arguments = (
        *("--sims", "5", "--fault", "GET /v1/Sims/*=503;times=2", "--fault", "UpdateSim=drop"),
        *("--max-in-flight", "4", "--log-level", "trace", "--stop-after", "30"),
    )
    # A file, not a pipe: trace logging is verbose, and a full pipe would block the server.
    with (tmp_path / "server.log").open("wb") as log:
        async with cli_server(*arguments, lines=6, stderr=log) as cli:
            assert "GET /v1/Sims/* = 503" in cli.banner[4]
            assert "UpdateSim = drop" in cli.banner[5]
            auth = (cli.account, cli.token)
            async with httpx.AsyncClient(base_url=cli.url, auth=auth, timeout=10) as http:
                # The admin route fires no fault: it only waits for the server to listen.
                await when_listening(lambda: http.get("/__simulator/stats"))
                statuses = [(await http.get("/v1/Sims/sim-000001")).status_code for _ in range(3)]
                assert statuses == [503, 503, 200]
                with pytest.raises(httpx.RemoteProtocolError, match=NO_RESPONSE):
                    await http.post("/v1/Sims/sim-000001", data={"FriendlyName": "x"})
                rules = (await http.get("/__simulator/faults")).json()["rules"]
                assert [(r["pattern"], r["fired"]) for r in rules] == [
                    ("GET /v1/Sims/*", 2),
                    ("UpdateSim", 1),
                ]
                added = await http.post("/__simulator/faults", json={"rule": "ListSim=429;times=1"})
                assert added.status_code == 201
                assert (await http.get("/v1/Sims")).status_code == 429
                assert (await http.delete("/__simulator/faults")).status_code == 204
                updated = await http.post("/v1/Sims/sim-000001", data={"FriendlyName": "y"})
                assert updated.status_code == 200
                stats = (await http.get("/__simulator/stats")).json()
                assert stats["requests"] == 6
                assert stats["too_many_requests"] == {"fault": 1}
            assert cli.process.returncode is None  # trace logging did not bring it down
    text = (tmp_path / "server.log").read_text()
    assert "TRACE" in text
    assert "Traceback" not in text
