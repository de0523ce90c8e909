"""The real server: uvicorn on 127.0.0.1, the SDK's own transport, and the CLI."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import AsyncIterator

import anyio
import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import WirelessSimulator
from twilio_wireless.simulator.__main__ import build_server


@pytest.fixture
async def served() -> AsyncIterator[tuple[WirelessSimulator, str]]:
    """A simulator behind uvicorn on an ephemeral port, stopped after the test."""
    simulator = WirelessSimulator(sims=30, seed=2, status_mix={"active": 1}, settle_delay=0.1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = build_server(simulator)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        with anyio.fail_after(10):
            while not server.started:
                if task.done():
                    task.result()
                await asyncio.sleep(0.01)
        yield simulator, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        with anyio.fail_after(10):
            await task
        sock.close()


async def test_fetch_and_list_over_http(served: tuple[WirelessSimulator, str]) -> None:
    simulator, url = served
    async with tw.WirelessClient(
        simulator.account_sid, simulator.auth_token, base_url=url
    ) as client:
        sim = await client.sims.fetch("sim-000003")
        assert sim.unique_name == "sim-000003"
        assert sim.url == f"{url}/v1/Sims/{sim.sid}"
        pages = [page async for page in client.sims.list(page_size=12).pages()]
        assert [len(page) for page in pages] == [12, 12, 6]
        assert pages[0].next_page_url is not None
        assert pages[0].next_page_url.startswith(f"{url}/v1/Sims?PageSize=12&Page=1")
    assert [r.operation for r in simulator.requests] == [
        "FetchSim",
        "ListSim",
        "ListSim",
        "ListSim",
    ]


async def test_dropped_and_slow_responses_over_http(served: tuple[WirelessSimulator, str]) -> None:
    simulator, url = served
    async with tw.WirelessClient(
        simulator.account_sid,
        simulator.auth_token,
        base_url=url,
        retry=tw.RetryPolicy.none(),
        timeout=0.2,
    ) as client:
        simulator.faults.add("UpdateSim", "drop;after")
        with pytest.raises(tw.APIConnectionError) as dropped:
            await client.sims.update("sim-000001", friendly_name="kept", wait=False)
        assert not isinstance(dropped.value, tw.APITimeoutError)
        assert simulator.get_sim("sim-000001")["friendly_name"] == "kept"  # type: ignore[index]
        simulator.faults.add("FetchSim", "delay=0.5")
        with pytest.raises(tw.APITimeoutError):
            await client.sims.fetch("sim-000001")
        assert (await client.sims.fetch("sim-000002")).unique_name == "sim-000002"


async def test_status_change_settles_on_the_real_clock(
    served: tuple[WirelessSimulator, str],
) -> None:
    simulator, url = served
    async with tw.WirelessClient(
        simulator.account_sid,
        simulator.auth_token,
        base_url=url,
        poll=tw.PollPolicy(interval=0.05, max_interval=0.1, timeout=10),
    ) as client:
        sim = await client.sims.update("sim-000004", status="suspended")
        assert sim.status == "suspended"


def test_cli_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "twilio_wireless.simulator", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for flag in ("--port", "--host", "--sims", "--seed", "--account-sid", "--auth-token"):
        assert flag in result.stdout
    assert "--settle-delay" in result.stdout
    assert "--stop-after" in result.stdout


def test_cli_stops_by_itself_after_stop_after() -> None:
    """A server a test (or a README check) starts cannot outlive it by long."""
    command = [sys.executable, "-m", "twilio_wireless.simulator", "--port", "0", "--sims", "5"]
    result = subprocess.run(
        [*command, "--stop-after", "0.5"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Twilio Wireless simulator on http://127.0.0.1:")
    refused = subprocess.run(
        [*command, "--stop-after", "0"], capture_output=True, text=True, timeout=30, check=False
    )
    assert refused.returncode == 2
    assert "--stop-after: 0.0 is not valid" in refused.stderr


async def test_cli_serves_and_prints_its_credentials() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "twilio_wireless.simulator",
        "--port",
        "0",
        "--sims",
        "25",
        "--auth-token",
        "cli-token",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        with anyio.fail_after(20):
            banner = [(await process.stdout.readline()).decode() for _ in range(3)]
        assert banner[0].startswith("Twilio Wireless simulator on http://127.0.0.1:")
        url = banner[0].split(" on ", 1)[1].strip()
        account = banner[1].split(":", 1)[1].strip()
        assert banner[2].split(":", 1)[1].strip() == "cli-token"
        async with tw.WirelessClient(account, "cli-token", base_url=url) as client:
            with anyio.fail_after(10):
                while True:
                    try:
                        sims = await client.sims.list().to_list()
                        break
                    except tw.APIConnectionError:
                        await asyncio.sleep(0.05)
        assert len(sims) == 25
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                with anyio.fail_after(10):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()
