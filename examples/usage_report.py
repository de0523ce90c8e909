"""Write a fleet's usage records to a CSV file: the account's, then each active SIM's.

    python examples/usage_report.py usage.csv                # the simulator's fleet
    python examples/usage_report.py usage.csv --days 30 --granularity all
    python examples/usage_report.py usage.csv --live         # the real API (read-only;
                                                             # needs TWILIO_ACCOUNT_SID
                                                             # and TWILIO_AUTH_TOKEN)

One row per usage record and period. `scope` is `account` for the account-wide records
(`client.usage_records.list`) and `sim` for one SIM's (`client.sims.usage_records`); the
SIMs are those in `--status` (default `active`). The records of up to `--concurrency`
SIMs are read at once; each SIM's rows are written together, SIMs in the order they
finish. Data volumes are in the API's units (bytes). A summary goes to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import datetime as dt
import os
import sys
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import twilio_wireless as tw

SIMULATOR_URL = "http://wireless.simulator"

COLUMNS = [
    "scope",
    "sim_sid",
    "sim_unique_name",
    "period_start",
    "period_end",
    "commands_total",
    "commands_from_sim",
    "commands_to_sim",
    "commands_billed",
    "data_total",
    "data_upload",
    "data_download",
    "data_billed",
    "billing_units",
]


def row(
    record: tw.AccountUsageRecord | tw.SimUsageRecord, *, sim: tw.Sim | None = None
) -> dict[str, Any]:
    """One CSV row; a field the API left out (null) is an empty cell."""
    period, commands, data = record.period, record.commands, record.data
    return {
        "scope": "account" if sim is None else "sim",
        "sim_sid": "" if sim is None else sim.sid,
        "sim_unique_name": "" if sim is None else sim.unique_name or "",
        "period_start": period.start.isoformat() if period and period.start else "",
        "period_end": period.end.isoformat() if period and period.end else "",
        "commands_total": commands.total if commands else None,
        "commands_from_sim": commands.from_sim if commands else None,
        "commands_to_sim": commands.to_sim if commands else None,
        "commands_billed": commands.billed if commands else None,
        "data_total": data.total if data else None,
        "data_upload": data.upload if data else None,
        "data_download": data.download if data else None,
        "data_billed": data.billed if data else None,
        "billing_units": (data.billing_units if data else None)
        or (commands.billing_units if commands else None),
    }


async def sim_rows(
    client: tw.WirelessClient, sim: tw.Sim, window: dict[str, Any]
) -> list[dict[str, Any]]:
    return [
        row(record, sim=sim)
        async for record in client.sims.usage_records(sim.sid, page_size=1000, **window)
    ]


async def write_report(
    client: tw.WirelessClient,
    out: csv.DictWriter[str],
    *,
    start: dt.datetime,
    end: dt.datetime,
    granularity: str,
    status: tw.SimStatus,
    concurrency: int,
) -> dict[str, int]:
    """Write the rows; returns counts for the summary."""
    window: dict[str, Any] = {"start": start, "end": end, "granularity": granularity}
    counts = dict.fromkeys(
        ["account_rows", "sim_rows", "sims", "failed_sims", "data_total", "commands_total"], 0
    )

    def write(rows: Iterable[dict[str, Any]], kind: str) -> None:
        for r in rows:
            out.writerow(r)
            counts[kind] += 1
            if kind == "account_rows":  # the account's records already sum the SIMs'
                counts["data_total"] += r["data_total"] or 0
                counts["commands_total"] += r["commands_total"] or 0

    write(
        [row(r) async for r in client.usage_records.list(page_size=1000, **window)], "account_rows"
    )

    # The SIMs' records, `concurrency` SIMs at a time, each SIM's rows written together.
    # A SIM whose records cannot be read (after the client's retries) is reported and
    # counted; the others are still written.
    sims = [sim async for sim in client.sims.list(status=status, page_size=1000)]
    limit = asyncio.Semaphore(concurrency)

    async def one(sim: tw.Sim) -> None:
        async with limit:
            try:
                rows = await sim_rows(client, sim, window)
            except tw.WirelessError as error:
                print(f"{sim.sid}: {type(error).__name__}: {error}", file=sys.stderr)
                counts["failed_sims"] += 1
                return
        write(rows, "sim_rows")
        counts["sims"] += 1

    async with asyncio.TaskGroup() as tasks:
        for sim in sims:
            tasks.create_task(one(sim))
    return counts


@contextlib.asynccontextmanager
async def simulated(sims: int) -> AsyncIterator[tw.WirelessClient]:
    from twilio_wireless.simulator import SimulatorConfig, WirelessSimulator

    async with (
        WirelessSimulator(SimulatorConfig(sims=sims, seed=5)) as simulator,
        simulator.http_client(SIMULATOR_URL) as http,
        tw.WirelessClient(
            simulator.account_sid, simulator.auth_token, base_url=SIMULATOR_URL, http_client=http
        ) as client,
    ):
        yield client


async def run(args: argparse.Namespace, writer: csv.DictWriter[str]) -> int:
    end = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    start = end - dt.timedelta(days=args.days)
    async with contextlib.AsyncExitStack() as stack:
        if args.live:
            client = await stack.enter_async_context(tw.WirelessClient())
        else:
            client = await stack.enter_async_context(simulated(args.sims))
        counts = await write_report(
            client,
            writer,
            start=start,
            end=end,
            granularity=args.granularity,
            status=tw.SimStatus(args.status),
            concurrency=args.concurrency,
        )
    print(
        f"wrote {counts['account_rows'] + counts['sim_rows']} rows to {args.output}: "
        f"{counts['account_rows']} account records and {counts['sim_rows']} records of "
        f"{counts['sims']} {args.status} SIMs, {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
    )
    print(
        f"account total: {counts['commands_total']} Commands, "
        f"{counts['data_total'] / 1e6:.1f} MB of data"
    )
    if counts["failed_sims"]:
        print(f"incomplete: the records of {counts['failed_sims']} SIMs could not be read")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="the CSV file to write")
    parser.add_argument("--live", action="store_true", help="use the real API (read-only)")
    parser.add_argument("--days", type=int, default=7, help="how far back (default 7)")
    parser.add_argument(
        "--granularity", choices=["hourly", "daily", "all"], default="daily", help="per period"
    )
    parser.add_argument(
        "--status",
        default="active",
        choices=sorted(status.value for status in tw.SimStatus),
        help="the SIMs to report on (default: active)",
    )
    parser.add_argument("--concurrency", type=int, default=10, help="SIMs read at once")
    parser.add_argument("--sims", type=int, default=100, help="simulated fleet size")
    args = parser.parse_args(argv)
    if args.live:
        missing = [n for n in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not os.environ.get(n)]
        if missing:
            parser.error(f"--live needs {' and '.join(missing)} in the environment")
    # The file is written as records arrive (newline="": csv writes its own line ends).
    with Path(args.output).open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS)
        writer.writeheader()
        try:
            return asyncio.run(run(args, writer))
        except KeyboardInterrupt:
            print("interrupted: the CSV file is incomplete", file=sys.stderr)
            return 130
        except tw.WirelessError as error:  # listing the account's records or the SIMs failed
            print(f"failed: {type(error).__name__}: {error}", file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
