"""The short client scripts behind instruction counts and the first-request probe.

    python bench/counted.py CLIENT cold URL
    python bench/counted.py CLIENT work PLAN_JSON
    python bench/counted.py CLIENT probe URL

cold   import the client, build it, fetch one SIM, close: run whole under valgrind, the
       count is the cold start.
work   import the client and warm up once, then run each of the plan's runs in a forked
       child: build the client, `seq` sequential fetches of one SIM, `conc` fetches of SIMs
       below `fleet` by `concurrency` tasks, stream every SIM at `url` (PageSize=
       `page_size`). Each child prints {"key", "pid", "items"} and exits at once. PLAN_JSON:
       {"concurrency": 50, "page_size": 1000,
        "runs": [{"key": "base", "url": ..., "fleet": 1000, "seq": 100, "conc": 100}, ...]}
probe  build the client and make its first request on a loop watched by a probe task;
       print the longest stall (ms) and the idle RSS after that request (MB) as JSON.

Nothing else runs in the process, so that a count holds only the client's own work.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import sys
import time
from typing import Any, NoReturn

SID_INDEX = 7
PROBE_SLEEP = 0.001
MODES = ("cold", "work", "probe")


def load_client(name: str, url: str):  # type: ignore[no-untyped-def]
    """The bench client instance (`clients/<name>.py`), imported here: part of cold start."""
    return importlib.import_module(f"clients.{name}").Client(url)


async def cold(name: str, url: str) -> int:
    """Build the client, fetch one SIM, close: the work of a cold start after the import."""
    client = load_client(name, url)
    await client.open()
    try:
        await client.fetch(f"DE{SID_INDEX:032x}")
    finally:
        await client.close()
    return 1


async def workloads(name: str, run: dict[str, Any], plan: dict[str, Any]) -> dict[str, int]:
    """The three workloads in turn, with the timing harness's own loops (worker.py)."""
    import worker

    client = load_client(name, run["url"])
    await client.open()
    try:
        return {
            "fetch_seq": await worker.fetch_seq(client, run["seq"], SID_INDEX),
            "fetch_conc": await worker.fetch_conc(
                client, run["conc"], plan["concurrency"], run["fleet"]
            ),
            "stream": await worker.stream(client, plan["page_size"], None),
        }
    finally:
        await client.close()


def child(name: str, run: dict[str, Any], plan: dict[str, Any]) -> NoReturn:
    """One run in a forked child: report its items and pid, then exit without clean-up."""
    import json
    import traceback

    code = 0
    try:
        items = asyncio.run(workloads(name, run, plan))
        print(json.dumps({"key": run["key"], "pid": os.getpid(), "items": items}), flush=True)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        sys.stderr.flush()
        # No interpreter shutdown: the parent's atexit work is not this run's.
        os._exit(code)


def work(name: str, plan: dict[str, Any]) -> int:
    """Import and warm up once, then fork a child per run, one at a time."""
    # A forked child starts from its parent's instruction count, so start-up, imports and
    # warm-up, counted once here, cancel in the difference between two children exactly
    # as between two processes, for a fraction of the valgrind time.
    # Whatever the workloads import or build on first use happens here, once, on the
    # largest fleet (a multi-page stream takes paths a single page does not): a child
    # would otherwise count it, or the compilation of a source file edited meanwhile.
    largest = max(plan["runs"], key=lambda run: run["fleet"])
    warm = {**largest, "seq": 1, "conc": plan["concurrency"]}
    asyncio.run(workloads(name, warm, plan))
    for run in plan["runs"]:
        pid = os.fork()
        if pid == 0:
            child(name, run, plan)
        _, status = os.waitpid(pid, 0)
        if status != 0:
            print(f"run {run['key']} failed (wait status {status})", file=sys.stderr)
            return 1
    return 0


class StallProbe:
    """A task that sleeps 1 ms in a loop and keeps the largest gap between its wake-ups."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.last = time.perf_counter()
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(PROBE_SLEEP)
            now = time.perf_counter()
            self.longest = max(self.longest, now - self.last)
            self.last = now

    def stop(self) -> float:
        """The longest gap in seconds, counting the one still open when stopped."""
        self.task.cancel()
        return max(self.longest, time.perf_counter() - self.last)


def idle_rss_mb() -> float:
    """VmRSS of this process, in MB (0 where /proc is missing)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


async def probe(client: object) -> dict[str, float]:
    """Longest loop stall while a freshly built client opens and makes its first request."""
    import gc

    watch = StallProbe()
    await asyncio.sleep(0)  # the probe takes its first timestamp before the client starts
    await client.open()  # type: ignore[attr-defined]
    try:
        await client.fetch(f"DE{SID_INDEX:032x}")  # type: ignore[attr-defined]
        stall = watch.stop()
        gc.collect()  # idle: only what the client keeps between requests
        rss = idle_rss_mb()
    finally:
        await client.close()  # type: ignore[attr-defined]
    return {"stall_ms": stall * 1000, "rss_mb": rss}


def main(argv: list[str]) -> int:
    # sys.argv by hand, not argparse: its import would count in every client's cold start.
    if len(argv) != 3 or argv[1] not in MODES:
        print(__doc__, file=sys.stderr)
        return 2
    name, mode, arg = argv
    if mode == "cold":
        print(asyncio.run(cold(name, arg)), flush=True)
        return 0
    import json

    if mode == "work":
        return work(name, json.loads(arg))
    # Imported before the loop starts, as an application imports at module level; whatever
    # the client defers to its first request is inside the probe's window.
    client = load_client(name, arg)
    print(json.dumps(asyncio.run(probe(client))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
