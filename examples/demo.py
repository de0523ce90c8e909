"""A fleet workflow with twilio-wireless, against the embedded simulator by default.

    python examples/demo.py                 # in-process simulator: no account, no network
    python examples/demo.py --sims 2000     # a bigger fleet
    python examples/demo.py --live          # read-only part against the real API
                                            # (needs TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN)

The simulator run seeds a fleet, lists the `ready` SIMs, activates a batch of them
(202 Accepted, then waits until each settles), sends text and binary Commands, streams
the fleet's usage records, renames a Rate Plan and prints a summary.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import twilio_wireless as tw

SIMULATOR_URL = "http://wireless.simulator"
BATCH_SIZE = 20


class Summary:
    """What the demo did, step by step, for the table it prints at the end."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, float]] = []
        self.facts: dict[str, Any] = {}

    async def step(self, name: str, work: Callable[[], Awaitable[str]]) -> None:
        print(f"  {name} ...", flush=True)
        started = time.perf_counter()
        outcome = await work()
        self.rows.append((name, outcome, time.perf_counter() - started))

    def table(self) -> str:
        width = max(len(outcome) for _, outcome, _ in self.rows)
        lines = [f"{'step':<34} {'outcome':<{width}} {'seconds':>8}", "-" * (45 + width)]
        lines += [f"{n:<34} {o:<{width}} {s:>8.2f}" for n, o, s in self.rows]
        return "\n".join(lines)


async def fleet_workflow(client: tw.WirelessClient, summary: Summary) -> None:
    """The full read-write workflow (run against the simulator)."""
    ready: list[str] = []

    async def census() -> str:
        statuses: Counter[str] = Counter()
        async for sim in client.sims.list(page_size=1000):
            statuses[str(sim.status)] += 1
        summary.facts["statuses"] = dict(statuses)
        return ", ".join(f"{count} {status}" for status, count in statuses.most_common())

    async def list_ready() -> str:
        ready.extend(
            [str(sim.sid) async for sim in client.sims.list(status="ready", limit=BATCH_SIZE)]
        )
        return f"{len(ready)} ready SIMs (first {BATCH_SIZE})"

    async def activate() -> str:
        outcomes: Counter[str] = Counter()
        async for result in client.sims.update_many(ready, status="active", concurrency=10):
            outcomes["active" if result.ok else type(result.error).__name__] += 1
        summary.facts["activated"] = outcomes["active"]
        return ", ".join(f"{n} {what}" for what, n in outcomes.items()) or "nothing to do"

    async def commands() -> str:
        sent = Counter[str]()
        async for result in client.commands.create_many(ready, command="ping", concurrency=10):
            sent["text" if result.ok else "failed"] += 1
        if ready:
            binary = await client.commands.create(command=b"\x01\x02\xfe\xff", sim=ready[0])
            sent[f"binary ({binary.command_mode})"] += 1
        summary.facts["commands"] = dict(sent)
        return ", ".join(f"{n} {kind}" for kind, n in sent.items())

    async def usage() -> str:
        now = dt.datetime.now(dt.UTC)
        records = data_bytes = 0
        for sid in ready[:10]:
            async for record in client.sims.usage_records(
                sid, start=now - dt.timedelta(days=7), end=now, granularity="daily"
            ):
                records += 1
                if record.data is not None and record.data.total is not None:
                    data_bytes += record.data.total
        summary.facts["usage_records"] = records
        return f"{records} daily records, {data_bytes / 1e6:.1f} MB of data"

    async def rename_plan() -> str:
        plans = await client.rate_plans.list(limit=1).to_list()
        if not plans:
            return "no rate plan"
        plan = await client.rate_plans.update(str(plans[0].sid), friendly_name="Fleet (renamed)")
        return f"{plan.unique_name} -> {plan.friendly_name!r}"

    await summary.step("fleet census (streamed)", census)
    await summary.step("list ready SIMs", list_ready)
    await summary.step("activate batch (202 + wait)", activate)
    await summary.step("send text + binary Commands", commands)
    await summary.step("stream usage records", usage)
    await summary.step("rename a rate plan", rename_plan)


async def read_only_workflow(client: tw.WirelessClient, summary: Summary) -> None:
    """What --live runs against the real API: nothing is changed."""
    first: list[str] = []

    async def sims() -> str:
        statuses: Counter[str] = Counter()
        async for sim in client.sims.list(limit=200, page_size=200):
            statuses[str(sim.status)] += 1
            if len(first) < 5:
                first.append(str(sim.sid))
        return ", ".join(f"{n} {s}" for s, n in statuses.most_common()) or "no SIMs"

    async def usage() -> str:
        now = dt.datetime.now(dt.UTC)
        records = 0
        for sid in first:
            async for _ in client.sims.usage_records(sid, start=now - dt.timedelta(days=7)):
                records += 1
        return f"{records} records for {len(first)} SIMs"

    async def plans() -> str:
        names = [str(p.unique_name) async for p in client.rate_plans.list(limit=20)]
        return ", ".join(names) or "none"

    async def commands() -> str:
        count = len(await client.commands.list(limit=50).to_list())
        return f"{count} recent Commands"

    await summary.step("list SIMs (first 200)", sims)
    await summary.step("usage records (7 days)", usage)
    await summary.step("rate plans", plans)
    await summary.step("recent commands", commands)


async def run_simulated(sims: int, settle: float) -> Summary:
    from twilio_wireless.simulator import SimulatorConfig, WirelessSimulator

    config = SimulatorConfig(sims=sims, seed=7, settle_delay=settle, command_sent_delay=0.1)
    summary = Summary()
    async with WirelessSimulator(config) as simulator:
        http = simulator.http_client(SIMULATOR_URL)
        async with tw.WirelessClient(
            simulator.account_sid,
            simulator.auth_token,
            base_url=SIMULATOR_URL,
            http_client=http,
            poll=tw.PollPolicy(interval=settle / 2, max_interval=1.0),
        ) as client:
            print(f"twilio-wireless {tw.__version__} against the in-process simulator")
            print(f"  fleet: {sims} SIMs, status changes settle in ~{settle:g} s\n")
            await fleet_workflow(client, summary)
        await http.aclose()
    return summary


async def run_live() -> Summary:
    missing = [n for n in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not os.environ.get(n)]
    if missing:
        raise SystemExit(f"--live needs {' and '.join(missing)} in the environment")
    summary = Summary()
    async with tw.WirelessClient() as client:
        print(f"twilio-wireless {tw.__version__} against {client.base_url} (read-only)\n")
        await read_only_workflow(client, summary)
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", action="store_true", help="read-only run on the real API")
    parser.add_argument("--sims", type=int, default=500, help="simulated fleet size")
    parser.add_argument("--settle", type=float, default=0.5, help="simulated settle seconds")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        summary = asyncio.run(run_live() if args.live else run_simulated(args.sims, args.settle))
    except tw.WirelessError as error:
        print(f"\nfailed: {error}", file=sys.stderr)
        return 1
    print("\n" + summary.table())
    print(f"\ndone in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
