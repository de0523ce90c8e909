"""Activate many SIMs at once, with a progress bar: the SDK's batch API.

    python examples/fleet_activation.py                 # 200 ready SIMs on the simulator
    python examples/fleet_activation.py --sims 2000 --concurrency 50
    python examples/fleet_activation.py --fail 3        # 3 SIMs fail for good: see the report
    python examples/fleet_activation.py --live --limit 20        # real API: dry run, lists
                                                                 # the `ready` SIMs only
    python examples/fleet_activation.py --live --limit 20 --yes  # ... and activates them
                                                    # (--live needs TWILIO_ACCOUNT_SID
                                                    #  and TWILIO_AUTH_TOKEN)

`client.sims.update_many(sids, status="active", concurrency=N)` sends at most N updates at
a time and yields one result per SIM as each completes: the settled SIM (each change is
accepted with 202 and polled until it settles), or the error, which never stops the rest
of the batch. The progress bar is drawn on stderr (redrawn in place on a terminal, a line
every 10% otherwise, e.g. in CI logs); the report goes to stdout. The exit status is 1
if any SIM failed, so a script can retry those.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from typing import TextIO

import twilio_wireless as tw

SIMULATOR_URL = "http://wireless.simulator"


class ProgressBar:
    """A plain-text progress bar: `[#####-----]  50%  100/200  2 failed  41.5/s`."""

    def __init__(self, total: int, *, stream: TextIO = sys.stderr, width: int = 30) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.stream = stream
        self.width = width
        self.interactive = stream.isatty()
        self._started = time.perf_counter()
        self._last_decile = -1

    def advance(self, *, ok: bool) -> None:
        self.done += 1
        self.failed += not ok
        if self.interactive:
            self.stream.write("\r" + self.line())
            self.stream.flush()
            return
        decile = self.done * 10 // max(self.total, 1)  # not a terminal: every 10%
        if decile != self._last_decile:
            self._last_decile = decile
            print(self.line(), file=self.stream, flush=True)

    def close(self) -> None:
        if self.interactive:
            self.stream.write("\n")
            self.stream.flush()

    def line(self) -> str:
        fraction = self.done / self.total if self.total else 1.0
        filled = round(self.width * fraction)
        rate = self.done / max(time.perf_counter() - self._started, 1e-9)
        return (
            f"[{'#' * filled}{'-' * (self.width - filled)}] {fraction:4.0%} "
            f"{self.done}/{self.total}  {self.failed} failed  {rate:.1f}/s"
        )


async def activate(
    client: tw.WirelessClient, sids: list[str], *, concurrency: int, progress: ProgressBar
) -> tuple[list[tw.Sim], dict[str, BaseException]]:
    """Activate `sids`, `concurrency` at a time; the activated SIMs and the failures."""
    activated: list[tw.Sim] = []
    failed: dict[str, BaseException] = {}
    # `async with`: leaving early (Ctrl-C, an exception) cancels the updates in flight.
    async with client.sims.update_many(sids, status="active", concurrency=concurrency) as results:
        async for result in results:
            if result.value is not None:
                activated.append(result.value)
            else:
                assert result.error is not None
                failed[result.sid] = result.error
            progress.advance(ok=result.ok)
    progress.close()
    return activated, failed


def describe(error: BaseException) -> str:
    if isinstance(error, tw.APIError):
        return f"{type(error).__name__}: HTTP {error.status} after {error.attempts} attempts"
    if isinstance(error, tw.SimStatusChangeError | tw.PollTimeoutError):
        return f"{type(error).__name__}: {error} (last seen: {error.sim.status})"
    return f"{type(error).__name__}: {error}"


def report(
    activated: list[tw.Sim],
    failed: dict[str, BaseException],
    retries: Counter[str],
    seconds: float,
) -> str:
    lines = [
        f"activated {len(activated)} of {len(activated) + len(failed)} SIMs in {seconds:.1f} s"
    ]
    if retries:
        kinds = ", ".join(f"{n} after {kind}" for kind, n in retries.most_common())
        lines.append(f"the client retried {retries.total()} times on the way ({kinds})")
    if failed:
        errors = Counter(type(error).__name__ for error in failed.values())
        lines.append(f"failed: {len(failed)} ({', '.join(f'{n} {k}' for k, n in errors.items())})")
        lines += [f"  {sid}: {describe(error)}" for sid, error in sorted(failed.items())]
    return "\n".join(lines)


@contextlib.asynccontextmanager
async def simulated(
    sims: int, fail: int, on_retry: Callable[[tw.RetryEvent], None]
) -> AsyncIterator[tw.WirelessClient]:
    """A client on an in-process simulator whose fleet is `sims` ready SIMs."""
    from twilio_wireless.simulator import SimulatorConfig, WirelessSimulator

    config = SimulatorConfig(sims=sims, seed=11, status_mix={"ready": 1}, settle_delay=0.1)
    async with WirelessSimulator(config) as simulator:
        ready = simulator.sim_sids("ready")
        # Transient trouble the client absorbs (retried, never seen here) ...
        simulator.faults.add("UpdateSim", 503, times=max(sims // 20, 1), skip=5)
        simulator.faults.add("UpdateSim", "429;retry-after=0.1", times=3, skip=10)
        # ... and SIMs that fail for good: every update of them answers 503.
        for sid in ready[len(ready) - fail :] if fail else []:
            simulator.faults.add(f"POST /v1/Sims/{sid}", 503, times=None)
        async with (
            simulator.http_client(SIMULATOR_URL) as http,
            tw.WirelessClient(
                simulator.account_sid,
                simulator.auth_token,
                base_url=SIMULATOR_URL,
                http_client=http,
                # The simulator answers at once: back off briefly, poll often.
                retry=tw.RetryPolicy(initial_backoff=0.05, max_backoff=0.2, on_retry=on_retry),
                poll=tw.PollPolicy(interval=0.1, max_interval=0.5),
            ) as client,
        ):
            yield client


async def run(args: argparse.Namespace) -> int:
    retries: Counter[str] = Counter()

    def count(event: tw.RetryEvent) -> None:  # called before each retry's wait
        retries[type(event.error).__name__] += 1

    async with contextlib.AsyncExitStack() as stack:
        if args.live:
            client = await stack.enter_async_context(
                # Twilio's rate limits: at most 20 requests in flight across the batch.
                tw.WirelessClient(max_concurrency=20, retry=tw.RetryPolicy(on_retry=count))
            )
        else:
            client = await stack.enter_async_context(simulated(args.sims, args.fail, count))
        sids = [
            sim.sid
            async for sim in client.sims.list(status="ready", limit=args.limit, page_size=1000)
        ]
        print(f"{len(sids)} ready SIMs on {client.base_url}", flush=True)
        if args.live and not args.yes:
            for sid in sids:
                print(f"  would activate {sid}")
            print("dry run: add --yes to activate them")
            return 0
        started = time.perf_counter()
        progress = ProgressBar(len(sids))
        activated, failed = await activate(
            client, sids, concurrency=args.concurrency, progress=progress
        )
        print(report(activated, failed, retries, time.perf_counter() - started))
        return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", action="store_true", help="use the real API")
    parser.add_argument("--yes", action="store_true", help="with --live: really activate")
    parser.add_argument("--limit", type=int, help="activate at most this many SIMs")
    parser.add_argument("--concurrency", type=int, default=20, help="updates in flight")
    parser.add_argument("--sims", type=int, default=200, help="simulated fleet size")
    parser.add_argument("--fail", type=int, default=0, help="simulated SIMs that cannot activate")
    args = parser.parse_args(argv)
    if args.live:
        missing = [n for n in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not os.environ.get(n)]
        if missing:
            parser.error(f"--live needs {' and '.join(missing)} in the environment")
    try:
        return asyncio.run(run(args))
    except KeyboardInterrupt:  # update_many cancelled the updates in flight
        print("\ninterrupted", file=sys.stderr)
        return 130
    except tw.WirelessError as error:  # e.g. listing the SIMs failed
        print(f"failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
