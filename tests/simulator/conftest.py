"""Helpers for the simulator tests; `wireless_simulator` and `wireless_client` come from the
package's own pytest plugin (the `pytest11` entry point), as they would for a user."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import IO, TYPE_CHECKING, Any, NamedTuple, TypeVar

import anyio
import httpx
import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import CallbackCapture, WirelessSimulator

if TYPE_CHECKING:
    import uvicorn

T = TypeVar("T")


@pytest.fixture
async def raw(wireless_simulator: WirelessSimulator) -> AsyncIterator[httpx.AsyncClient]:
    """Plain HTTP to the simulator with its credentials, for what the SDK would refuse."""
    async with wireless_simulator.http_client(
        auth=(wireless_simulator.account_sid, wireless_simulator.auth_token)
    ) as client:
        yield client


@pytest.fixture
def once(wireless_client: tw.WirelessClient) -> tw.WirelessClient:
    """The client without retries: each call is exactly one request."""
    return wireless_client.with_options(retry=tw.RetryPolicy.none())


@pytest.fixture
def captured(wireless_simulator: WirelessSimulator) -> CallbackCapture:
    """The transport the fixture's simulator sends callbacks through."""
    transport = wireless_simulator.config.callback_transport
    assert isinstance(transport, CallbackCapture)
    return transport


def error_json(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert set(body) == {"code", "message", "more_info", "status"}, body
    assert body["status"] == response.status_code
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{body['code']}"
    return dict(body)


# --- the real server -----------------------------------------------------------------------


@contextlib.asynccontextmanager
async def serving(simulator: WirelessSimulator) -> AsyncIterator[tuple[uvicorn.Server, int]]:
    """`simulator` behind uvicorn on an ephemeral port of 127.0.0.1, stopped afterwards."""
    from twilio_wireless.simulator.__main__ import build_server

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
        yield server, port
    finally:
        server.should_exit = True
        with anyio.fail_after(15):
            await task
        sock.close()


def run_cli(*arguments: str) -> subprocess.CompletedProcess[str]:
    """`python -m twilio_wireless.simulator ARGUMENTS`, run to its end."""
    return subprocess.run(
        [sys.executable, "-m", "twilio_wireless.simulator", *arguments],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


class Cli(NamedTuple):
    """A running CLI server: its process, the first lines it printed, what they announce."""

    process: asyncio.subprocess.Process
    banner: list[str]
    url: str
    account: str
    token: str


@contextlib.asynccontextmanager
async def cli_server(
    *arguments: str, lines: int = 3, stderr: int | IO[bytes] = asyncio.subprocess.PIPE
) -> AsyncIterator[Cli]:
    """`python -m twilio_wireless.simulator --port 0 ARGUMENTS`, stopped afterwards."""
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "twilio_wireless.simulator", "--port", "0", *arguments),
        stdout=asyncio.subprocess.PIPE,
        stderr=stderr,
    )
    try:
        assert process.stdout is not None
        with anyio.fail_after(20):
            banner = [(await process.stdout.readline()).decode() for _ in range(lines)]
        url = banner[0].split(" on ", 1)[1].strip()
        account = banner[1].split(":", 1)[1].strip()
        token = banner[2].split(":", 1)[1].strip()
        yield Cli(process, banner, url, account, token)
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                with anyio.fail_after(10):
                    await process.wait()
            except TimeoutError:
                process.kill()
                await process.wait()


async def when_listening(call: Callable[[], Awaitable[T]]) -> T:
    """`call()`, retried until the CLI server listens (it prints its banner first)."""
    with anyio.fail_after(10):
        while True:
            try:
                return await call()
            except (tw.APIConnectionError, httpx.ConnectError):
                await asyncio.sleep(0.05)
