"""The real server: uvicorn on 127.0.0.1, the SDK's own transport, and the CLI."""

from __future__ import annotations

import asyncio
import socket
import statistics
import time
from collections.abc import AsyncIterator

import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import WirelessSimulator

from .conftest import cli_server, run_cli, serving, when_listening


@pytest.fixture
async def served() -> AsyncIterator[tuple[WirelessSimulator, str]]:
    """A simulator behind uvicorn on an ephemeral port, stopped after the test."""
    simulator = WirelessSimulator(sims=30, seed=2, status_mix={"active": 1}, settle_delay=0.1)
    async with serving(simulator) as (_, port):
        yield simulator, f"http://127.0.0.1:{port}"


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
    result = run_cli("--help")
    assert result.returncode == 0, result.stderr
    for flag in ("--port", "--host", "--sims", "--seed", "--account-sid", "--auth-token"):
        assert flag in result.stdout
    assert "--settle-delay" in result.stdout
    assert "--stop-after" in result.stdout


def test_cli_stops_by_itself_after_stop_after() -> None:
    """A server a test (or a README check) starts cannot outlive it by long."""
    result = run_cli("--port", "0", "--sims", "5", "--stop-after", "0.5")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Twilio Wireless simulator on http://127.0.0.1:")
    refused = run_cli("--port", "0", "--sims", "5", "--stop-after", "0")
    assert refused.returncode == 2
    assert "--stop-after: 0.0 is not valid" in refused.stderr


async def test_cli_serves_and_prints_its_credentials() -> None:
    async with cli_server("--sims", "25", "--auth-token", "cli-token") as cli:
        assert cli.banner[0].startswith("Twilio Wireless simulator on http://127.0.0.1:")
        assert cli.token == "cli-token"
        async with tw.WirelessClient(cli.account, "cli-token", base_url=cli.url) as client:
            sims = await when_listening(lambda: client.sims.list().to_list())
        assert len(sims) == 25


def test_cli_status_mix_is_parsed_and_checked(capsys: pytest.CaptureFixture[str]) -> None:
    from twilio_wireless.simulator.__main__ import build_parser, main

    parser = build_parser()
    assert parser.parse_args([]).status_mix is None
    assert parser.parse_args(["--status-mix", "ready=1"]).status_mix == {"ready": 1.0}
    both = parser.parse_args(["--status-mix", "active=0.7, ready=0.3"]).status_mix
    assert both == {"active": 0.7, "ready": 0.3}
    for bad in ("ready", "ready=x", "ready=-1", "ready=1,ready=2", "=1"):
        with pytest.raises(SystemExit) as refused:
            parser.parse_args(["--status-mix", bad])
        assert refused.value.code == 2
        assert "expected STATUS=WEIGHT" in capsys.readouterr().err
    # A status that cannot be seeded is SimulatorConfig's to refuse, before serving.
    assert main(["--port", "0", "--status-mix", "updating=1"]) == 2
    assert "status_mix: cannot seed SIMs in ['updating']" in capsys.readouterr().err


async def test_cli_seeds_the_status_mix() -> None:
    """`--status-mix ready=1`: every seeded SIM is ready, with a rate plan (activatable)."""
    arguments = ("--sims", "40", "--status-mix", "ready=1", "--stop-after", "20")
    async with cli_server(*arguments) as cli:
        async with tw.WirelessClient(cli.account, cli.token, base_url=cli.url) as client:
            sims = await when_listening(lambda: client.sims.list().to_list())
        assert len(sims) == 40
        assert {sim.status for sim in sims} == {tw.SimStatus.READY}
        assert all(sim.rate_plan_sid for sim in sims)


def test_cli_socket_is_tcp_so_answers_are_not_delayed() -> None:
    """The CLI's listening socket says IPPROTO_TCP, so asyncio sets TCP_NODELAY on each
    connection: uvicorn (h11) writes headers and body apart, and without it every answer
    on a kept-alive connection waited ~40 ms for the client's delayed ACK."""
    from twilio_wireless.simulator.__main__ import _bind

    sock = _bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


async def test_cli_answers_kept_alive_requests_without_delay() -> None:
    async with cli_server("--sims", "3", "--stop-after", "30") as cli:
        async with tw.WirelessClient(cli.account, cli.token, base_url=cli.url) as client:
            await when_listening(lambda: client.sims.fetch("sim-000001"))
            took = []
            for _ in range(15):  # one kept-alive connection, one request at a time
                started = time.perf_counter()
                await client.sims.fetch("sim-000001")
                took.append(time.perf_counter() - started)
        assert statistics.median(took) < 0.025, took  # ~1 ms; 40+ ms with Nagle's delay


class _RecordingTransport(asyncio.WriteTransport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = self.aborted = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed or self.aborted

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.aborted = True

    def get_write_buffer_size(self) -> int:
        return 7


async def test_an_answers_head_and_body_leave_in_one_write() -> None:
    # uvicorn writes the head, then the body: two sends (and often two packets) per answer.
    from twilio_wireless.simulator.__main__ import _PairedWrites

    transport = _RecordingTransport()
    paired = _PairedWrites(transport)
    paired.write(b"HTTP/1.1 200 OK\r\n\r\n")
    paired.write(b"")  # nothing: still held
    assert transport.writes == []
    paired.write(b"{}")
    assert transport.writes == [b"HTTP/1.1 200 OK\r\n\r\n{}"]
    paired.write(b"alone")  # no second write in this step: it leaves at the next one
    assert transport.writes[1:] == []
    await asyncio.sleep(0)
    assert transport.writes[1:] == [b"alone"]
    paired.write(b"last")
    paired.close()  # what was written goes out before the connection closes
    assert transport.writes[2:] == [b"last"]
    assert transport.closed
    await asyncio.sleep(0)
    assert transport.writes[3:] == []


async def test_an_aborted_connection_sends_nothing_held() -> None:
    from twilio_wireless.simulator.__main__ import _PairedWrites

    transport = _RecordingTransport()
    paired = _PairedWrites(transport)
    paired.write(b"HTTP/1.1 200 OK\r\n\r\n")
    paired.abort()
    await asyncio.sleep(0)
    assert transport.writes == []
    assert transport.aborted
    assert paired.get_write_buffer_size() == 7  # everything else is the transport's
