"""One measurement: one client, one workload, in this (fresh) process. Prints one JSON line.

    python bench/worker.py --client sdk --workload fetch_seq --url http://127.0.0.1:PORT ...

Warm-up first (connections opened, code paths and caches warm), then `gc.collect()`, then
the measured phase: wall time (perf_counter), this process's CPU time (process_time), peak
RSS growth (VmHWM after the phase, reset just before it, minus VmRSS before it) and the
server's request counters and CPU time over the phase (from its /_bench/stats).
run.py orchestrates these.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import json
import os
import re
import socket
import sys
import time
from typing import Any

from clients._base import BenchClient

WORKLOADS = ("fetch_seq", "fetch_conc", "stream", "status")
# Every network wait of the harness is bounded.
PHASE_TIMEOUT = 600.0


def sim_sid(index: int) -> str:
    return f"DE{index:032x}"


def _proc_status_kb(field: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            match = re.search(rf"^{field}:\s+(\d+) kB", f.read(), re.MULTILINE)
    except OSError:
        return None
    return int(match.group(1)) if match else None


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        return False
    return True


class RssSampler:
    """Peak RSS over a phase: VmHWM reset by clear_refs, else VmRSS sampled every 5 ms."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self.task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.peak_kb = max(self.peak_kb, _proc_status_kb("VmRSS") or 0)
            await asyncio.sleep(0.005)

    def start(self) -> int:
        before = _proc_status_kb("VmRSS") or 0
        self.peak_kb = before
        if not _reset_peak_rss():
            self.task = asyncio.get_running_loop().create_task(self._sample())
        return before

    def stop(self) -> int:
        if self.task is not None:
            self.task.cancel()
        else:
            self.peak_kb = _proc_status_kb("VmHWM") or 0
        self.peak_kb = max(self.peak_kb, _proc_status_kb("VmRSS") or 0)
        return self.peak_kb


def server_stats(url: str) -> dict[str, float]:
    """GET /_bench/stats with a blocking socket (outside the measured phase)."""
    host, port = url.split("//", 1)[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(b"GET /_bench/stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return json.loads(data.split(b"\r\n\r\n", 1)[1])  # type: ignore[no-any-return]


async def fetch_seq(client: BenchClient, n: int, index: int) -> int:
    sid = sim_sid(index)
    sim = None
    for _ in range(n):
        sim = await client.fetch(sid)
    if client.sid_of(sim) != sid:
        raise RuntimeError(f"fetched {client.sid_of(sim)!r}, wanted {sid!r}")
    return n


async def fetch_conc(client: BenchClient, n: int, concurrency: int, fleet: int) -> int:
    per_task = max(1, n // concurrency)

    async def task(t: int) -> None:
        sim = sid = None
        for j in range(per_task):
            sid = sim_sid((t * per_task + j) % fleet)
            sim = await client.fetch(sid)
        if client.sid_of(sim) != sid:
            raise RuntimeError(f"fetched {client.sid_of(sim)!r}, wanted {sid!r}")

    await asyncio.gather(*(task(t) for t in range(concurrency)))
    return per_task * concurrency


async def stream(client: BenchClient, page_size: int, limit: int | None) -> int:
    count = 0
    async for _sim in client.stream(page_size):
        count += 1
        if limit is not None and count >= limit:
            break
    return count


async def status_changes(
    client: BenchClient,
    indexes: range,
    target: str,
    concurrency: int,
    poll_interval: float,
) -> tuple[int, int]:
    queue = iter(indexes)
    polls = 0
    done = 0

    async def worker() -> None:
        nonlocal polls, done
        for index in queue:
            # (not `polls += await ...`: that reads `polls` before awaiting)
            made = await client.change_status(sim_sid(index), target, poll_interval)
            polls += made
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done, polls


async def run(args: argparse.Namespace) -> dict[str, Any]:
    module = importlib.import_module(f"clients.{args.client}")
    client: BenchClient = module.Client(args.url)
    await client.open()
    try:
        return await asyncio.wait_for(measure(client, args), PHASE_TIMEOUT)
    finally:
        await client.close()


async def measure(client: BenchClient, args: argparse.Namespace) -> dict[str, Any]:
    workload = args.workload
    poll = args.poll_ms / 1000
    # Warm-up: same code paths, same connections.
    if workload == "fetch_seq":
        await fetch_seq(client, args.warmup, 7)
    elif workload == "fetch_conc":
        await fetch_conc(client, max(args.warmup, args.concurrency), args.concurrency, args.fleet)
    elif workload == "stream":
        await stream(client, args.page_size, args.warmup)
    else:
        warm = range(args.sid_base + args.n, args.sid_base + args.n + args.warmup)
        await status_changes(client, warm, args.target, args.concurrency, poll)

    gc.collect()
    stats_before = server_stats(args.url)
    rss = RssSampler()
    rss_before_kb = rss.start()
    cpu0 = time.process_time()
    t0 = time.perf_counter()

    polls = None
    if workload == "fetch_seq":
        items = await fetch_seq(client, args.n, 7)
    elif workload == "fetch_conc":
        items = await fetch_conc(client, args.n, args.concurrency, args.fleet)
    elif workload == "stream":
        items = await stream(client, args.page_size, None)
        if items != args.fleet:
            raise RuntimeError(f"streamed {items} SIMs, the fleet has {args.fleet}")
    else:
        indexes = range(args.sid_base, args.sid_base + args.n)
        items, polls = await status_changes(client, indexes, args.target, args.concurrency, poll)

    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    rss_peak_kb = rss.stop()
    stats_after = server_stats(args.url)
    server_cpu_s = stats_after.pop("cpu_s") - stats_before.pop("cpu_s")
    requests = {k: stats_after[k] - stats_before.get(k, 0) for k in stats_after}
    return {
        "client": args.client,
        "workload": workload,
        "items": items,
        "wall_s": wall,
        "cpu_s": cpu,
        "rss_before_mb": rss_before_kb / 1024,
        "rss_peak_mb": rss_peak_kb / 1024,
        "rss_growth_mb": (rss_peak_kb - rss_before_kb) / 1024,
        "server_requests": requests,
        "server_cpu_s": server_cpu_s,
        "client_polls": polls,
        "pid": os.getpid(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", required=True)
    parser.add_argument("--workload", required=True, choices=WORKLOADS)
    parser.add_argument("--url", required=True)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--fleet", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument(
        "--sid-base", type=int, help="first SIM index changed (default: fleet // 2)"
    )
    parser.add_argument("--target", default="suspended")
    parser.add_argument("--poll-ms", type=float, default=20.0)
    args = parser.parse_args()
    if args.sid_base is None:
        args.sid_base = args.fleet // 2
    result = asyncio.run(run(args))
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
