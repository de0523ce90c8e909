"""The client works on trio (through anyio), not only on asyncio."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
import trio

import twilio_wireless as tw

from .. import bodies

SIM_SID = "DE" + "a" * 32


class _Handler(BaseHTTPRequestHandler):
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.paths.append(self.path)
        if self.path == "/v1/Sims?PageSize=1":
            next_url = "http://elsewhere/v1/Sims?PageSize=1&Page=1"
            meta = bodies.meta("sims", "Sims", page_size=1, next_page_url=next_url)
            body = json.dumps({"sims": [bodies.sim(SIM_SID)], "meta": meta}).encode()
        elif self.path == "/v1/Sims?PageSize=1&Page=1":
            meta = bodies.meta("sims", "Sims", page=1, page_size=1)
            body = json.dumps({"sims": [], "meta": meta}).encode()
        else:
            body = json.dumps(bodies.sim(SIM_SID, status="active")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        self.paths.append("POST " + self.path)
        body = json.dumps(bodies.sim(self.path.rsplit("/", 1)[1], status="active")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_fetch_and_list_on_trio() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"

        async def main() -> tuple[tw.Sim, list[tw.Sim]]:
            with trio.fail_after(10):
                async with tw.WirelessClient("AC" + "0" * 32, "t", base_url=base) as client:
                    sim = await client.sims.fetch(SIM_SID)
                    sims = await client.sims.list(page_size=1).to_list()
                    return sim, sims

        sim, sims = trio.run(main)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert sim.status == "active"
    assert [s.sid for s in sims] == [SIM_SID]
    assert _Handler.paths == [
        f"/v1/Sims/{SIM_SID}",
        "/v1/Sims?PageSize=1",
        "/v1/Sims?PageSize=1&Page=1",
    ]


# Requests cancelled mid-send by the early exit can leave httpx's own request-body async
# generator (ByteStream.__aiter__) to be finalised by the garbage collector under trio;
# that is httpx's stream, not a batch left running (the results and count are asserted).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_update_many_on_trio() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    sids = [f"DE{n:032x}" for n in range(6)]
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"

        async def main() -> list[str]:
            with trio.fail_after(10):
                async with tw.WirelessClient("AC" + "0" * 32, "t", base_url=base) as client:
                    done = []
                    async with client.sims.update_many(
                        sids, concurrency=2, friendly_name="x"
                    ) as results:
                        async for result in results:
                            assert result.ok
                            done.append(result.sid)
                            if len(done) == 4:
                                break
                    return done

        done = trio.run(main)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert len(done) == 4
    assert set(done) <= set(sids)


def test_leaving_a_batch_early_on_trio_cancels_calls_in_flight() -> None:
    # One engine on both runtimes: no `async with` needed to stop the other calls.
    started: list[str] = []
    cancelled: list[str] = []

    async def call(sid: str) -> str:
        started.append(sid)
        if sid == "a":
            return sid
        try:
            await trio.sleep_forever()
        except BaseException:
            cancelled.append(sid)
            raise
        return sid  # pragma: no cover

    async def main() -> list[str]:
        with trio.fail_after(5):
            seen = []
            results = tw.BatchResults(["a", "b", "c"], call, concurrency=3)
            async for result in results:
                seen.append(result.sid)
                break
            await results.__aiter__().aclose()  # what dropping it does, without waiting for GC
            return seen

    assert trio.run(main) == ["a"]
    assert sorted(started) == ["a", "b", "c"]
    assert sorted(cancelled) == ["b", "c"]


def test_a_batch_on_trio_yields_every_result_with_bounded_concurrency() -> None:
    peak = 0
    running = 0

    async def call(sid: str) -> str:
        nonlocal peak, running
        running += 1
        peak = max(peak, running)
        await trio.sleep(0.001)
        running -= 1
        if sid == "bad":
            raise ValueError(sid)
        return sid

    async def main() -> list[tw.BatchResult[str]]:
        with trio.fail_after(5):
            sids = [*map(str, range(20)), "bad"]
            return [r async for r in tw.BatchResults(sids, call, concurrency=4)]

    results = trio.run(main)
    assert sorted(r.sid for r in results) == sorted([*map(str, range(20)), "bad"])
    assert [r.sid for r in results if r.error is not None] == ["bad"]
    assert peak == 4
