"""What a page costs the simulator (not collected by pytest; run it by hand).

    .venv/bin/python tests/simulator/bench_page.py [--sims 100000]

Calls the ASGI app directly (no HTTP client, no transport), so the numbers are the
simulator's own cost: routing, auth, paging, JSON and the request log.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import statistics
import time
from typing import Any

from twilio_wireless.simulator import ManualClock, WirelessSimulator


async def call(sim: WirelessSimulator, query: bytes, auth: bytes) -> bytes:
    body: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        if message["type"] == "http.response.body":
            body.append(message["body"])

    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": "/v1/Sims",
        "raw_path": b"/v1/Sims",
        "query_string": query,
        "headers": [(b"host", b"wireless.simulator"), (b"authorization", auth)],
    }
    await sim.app(scope, receive, send)
    return b"".join(body)


async def measure(sim: WirelessSimulator, query: bytes, rounds: int) -> tuple[float, int]:
    auth = b"Basic " + base64.b64encode(f"{sim.account_sid}:{sim.auth_token}".encode())
    size = len(await call(sim, query, auth))  # warm the JSON caches
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call(sim, query, auth)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000, size


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sims", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    started = time.perf_counter()
    sim = WirelessSimulator(sims=args.sims, clock=ManualClock(), max_recorded_requests=100)
    print(f"seeded {args.sims} SIMs in {time.perf_counter() - started:.2f} s")
    ms, size = await measure(sim, b"PageSize=1000", args.rounds)
    print(f"first page of 1000 SIMs (cached JSON): {ms:.2f} ms, {size / 1e6:.2f} MB")
    for record in sim._state.sims.items[:1000]:
        record.touch()
    auth = b"Basic " + base64.b64encode(f"{sim.account_sid}:{sim.auth_token}".encode())
    started = time.perf_counter()
    await call(sim, b"PageSize=1000", auth)
    print(
        f"first page of 1000 SIMs (cold: every SIM rendered): "
        f"{(time.perf_counter() - started) * 1000:.2f} ms"
    )
    deep = sim._state.sims.items[args.sims - 2000].seq
    ms, _ = await measure(sim, f"PageSize=1000&Page=98&PageToken=PA{deep}".encode(), args.rounds)
    print(f"deep page (token near the end of the fleet): {ms:.2f} ms")
    ms, _ = await measure(sim, b"PageSize=1000&Status=active", args.rounds)
    print(f"filtered page (Status=active): {ms:.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
