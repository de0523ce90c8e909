"""An IoT gateway loop: watch a fleet's SIMs, react to status changes, send Commands.

    python examples/gateway.py                      # against the in-process simulator
    python examples/gateway.py --iterations 20      # stop after 20 polls of the fleet
    python examples/gateway.py --duration 60        # stop after 60 seconds
    python examples/gateway.py --live               # the real API: watch only
    python examples/gateway.py --live --send-commands   # ... and send Commands
                                                    # (--live needs TWILIO_ACCOUNT_SID
                                                    #  and TWILIO_AUTH_TOKEN)

Every `--interval` seconds the gateway lists the SIMs and compares each one's status with
the last it saw. A SIM that becomes `active` is provisioned: it is sent a text Command and
a binary one (a packed configuration frame). A SIM that leaves `active` is reported.

Failures of the API are handled by kind (see `Gateway.run`): a rate limit waits as long
as Twilio asks, a connection problem or a server error is retried at the next poll, and
wrong credentials stop the gateway (exit status 2). Ctrl-C or SIGTERM stops it cleanly:
the current poll finishes, the client is closed and a summary is printed; a second Ctrl-C
stops at once. Without --iterations or --duration it runs until stopped.

On the simulator, a stand-in for the fleet's operator activates and suspends SIMs while
the gateway runs, and a few faults (503s, a 429) are injected so that the error handling
shows. The gateway itself knows nothing of the simulator: `examples/test_gateway.py`
tests it with the pytest plugin's fixtures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import struct
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import anyio

import twilio_wireless as tw

SIMULATOR_URL = "http://wireless.simulator"

PROVISION_TEXT = "config:report-interval=60"
"""The text Command a SIM gets when it becomes active."""


def provision_frame(report_interval: int = 60, sleep_after: int = 300) -> bytes:
    """The binary Command a SIM gets when it becomes active: version, two u16 settings."""
    return struct.pack(">BHH", 1, report_interval, sleep_after)


@dataclass(frozen=True)
class StatusChange:
    sid: str
    name: str
    old: str
    new: str


class Gateway:
    """Watches the SIMs of one account and reacts to their status changes.

    It runs on asyncio or trio alike: it waits only on the client's clock
    (`client.clock.sleep`), which is `anyio.sleep` by default and a FakeClock in tests.

    Args:
        client: the client to use (the gateway never closes it).
        interval: seconds between two polls of the fleet.
        send_commands: send the provisioning Commands; if False, only log them.
        log: where progress lines go (default: print).
    """

    def __init__(
        self,
        client: tw.WirelessClient,
        *,
        interval: float = 10.0,
        send_commands: bool = True,
        log: Callable[[str], None] = print,
    ) -> None:
        self.client = client
        self.interval = interval
        self.send_commands = send_commands
        self.log = log
        self.statuses: dict[str, str] = {}
        """The last settled status seen of each SIM, by SID."""
        self.names: dict[str, str] = {}
        """Each SIM's unique name (or SID), by SID."""
        self.ticks = 0
        self.stats: Counter[str] = Counter()
        """changes, commands_sent, commands_failed, errors (and one count per error type)."""
        self._stopping = False
        self._pause: anyio.CancelScope | None = None

    # --- one poll ----------------------------------------------------------------------

    async def tick(self) -> list[StatusChange]:
        """List the SIMs once, record what changed and react to it."""
        self.ticks += 1
        seen: dict[str, tuple[str, str]] = {}  # sid -> (name, status)
        async for sim in self.client.sims.list(page_size=1000):
            seen[sim.sid] = (sim.unique_name or sim.sid, str(sim.status))
        first = not self.statuses
        changes = []
        for sid, (name, status) in seen.items():
            if status == "updating":  # a change in flight: wait until it settles
                continue
            old = self.statuses.get(sid)
            self.statuses[sid] = status
            self.names[sid] = name
            if old is not None and old != status:
                changes.append(StatusChange(sid, name, old, status))
        if first:
            counts = Counter(status for _, status in seen.values())
            summary = ", ".join(f"{n} {status}" for status, n in counts.most_common())
            self.log(f"watching {len(seen)} SIMs ({summary}) on {self.client.base_url}")
        for change in changes:
            self.log(f"tick {self.ticks}: {change.name} {change.old} -> {change.new}")
        self.stats["changes"] += len(changes)
        await self.react(changes)
        return changes

    async def react(self, changes: list[StatusChange]) -> None:
        """Provision the SIMs that became active; report those that left `active`."""
        activated = [c.sid for c in changes if c.new == "active"]
        for change in changes:
            if change.old == "active":
                self.log(f"  {change.name} is offline ({change.new}): Commands would not reach it")
        if not activated:
            return
        name = self.names.get
        if not self.send_commands:
            self.log(f"  would provision {len(activated)} SIMs (run with --send-commands)")
            return
        # One text and one binary Command per SIM, at most 10 requests in flight. A failed
        # send is reported and counted; it never stops the others (nor the gateway).
        for command in (PROVISION_TEXT, provision_frame()):
            kind = "binary" if isinstance(command, bytes) else "text"
            async for result in self.client.commands.create_many(
                activated, command=command, concurrency=10
            ):
                if result.value is not None:
                    self.stats["commands_sent"] += 1
                    self.log(f"  sent {kind} Command {result.value.sid} to {name(result.sid)}")
                else:
                    self.stats["commands_failed"] += 1
                    error = describe(result.error)
                    self.log(f"  {kind} Command to {name(result.sid)} failed: {error}")

    # --- the loop ------------------------------------------------------------------------

    async def run(self, *, iterations: int | None = None, duration: float | None = None) -> None:
        """Poll until stopped, `iterations` polls are done, or the next poll would come more
        than `duration` seconds after the first one.

        Raises:
            AuthenticationError, PermissionDeniedError: the credentials are wrong or lack
                access: polling again would not help.
        """
        clock = self.client.clock
        deadline = None if duration is None else clock() + duration
        while not self._stopping and (iterations is None or self.ticks < iterations):
            pause = self.interval
            try:
                await self.tick()
            except (tw.AuthenticationError, tw.PermissionDeniedError):
                raise
            except tw.RateLimitError as error:  # after the client's own retries
                self._count(error)
                pause = max(pause, error.retry_after or 0.0)
                self.log(f"tick {self.ticks}: {describe(error)}; next poll in {pause:g} s")
            except tw.WirelessError as error:  # ServerError, APIConnectionError, ...
                self._count(error)
                self.log(f"tick {self.ticks}: {describe(error)}; trying again next poll")
            if self._stopping or (iterations is not None and self.ticks >= iterations):
                break
            if deadline is not None and clock() + pause > deadline:
                break  # the next poll would be past the deadline
            with anyio.CancelScope() as self._pause:  # stop() cuts the pause short
                await clock.sleep(pause)
            self._pause = None

    def stop(self) -> None:
        """Stop after the poll in progress (or at once, if between polls)."""
        self._stopping = True
        if self._pause is not None:
            self._pause.cancel()

    @property
    def stopping(self) -> bool:
        return self._stopping

    def _count(self, error: BaseException) -> None:
        self.stats["errors"] += 1
        self.stats[type(error).__name__] += 1

    def summary(self) -> str:
        stats = self.stats
        return (
            f"stopped after {self.ticks} polls: {stats['changes']} status changes, "
            f"{stats['commands_sent']} Commands sent ({stats['commands_failed']} failed), "
            f"{stats['errors']} errors"
        )


def describe(error: BaseException | None) -> str:
    """One line about an error of the SDK, with what matters for each kind."""
    if isinstance(error, tw.APIError):
        return (
            f"{type(error).__name__}: HTTP {error.status} (code {error.code}) after "
            f"{error.attempts} attempts: {error.message}"
        )
    if isinstance(error, tw.APIConnectionError):
        sent = "may have reached" if error.request_sent else "never reached"
        return f"{type(error).__name__}: the request {sent} Twilio: {error}"
    return f"{type(error).__name__}: {error}"


# --- the simulated fleet ---------------------------------------------------------------


async def operate_fleet(client: tw.WirelessClient, sids: list[str], every: float) -> None:
    """Stand-in for the fleet's operator: activate, then suspend, one SIM at a time."""
    for sid in sids:
        await anyio.sleep(every)
        with contextlib.suppress(tw.WirelessError):
            await client.sims.update(sid, status="active", wait=False)  # 202 Accepted
        await anyio.sleep(4 * every)
        with contextlib.suppress(tw.WirelessError):
            await client.sims.update(sid, status="suspended", wait=False)


@contextlib.asynccontextmanager
async def simulated(interval: float) -> AsyncIterator[tuple[tw.WirelessClient, list[str]]]:
    """A client on an in-process simulator, and the SIMs the operator will change."""
    from twilio_wireless.simulator import SimulatorConfig, WirelessSimulator

    config = SimulatorConfig(sims=40, seed=3, settle_delay=interval / 2)
    async with WirelessSimulator(config) as simulator:
        # Faults the gateway must survive: 503s that outlast the client's 3 attempts on the
        # 3rd poll, then a burst of 429s (Retry-After: 0.2 s).
        simulator.faults.add("ListSim", 503, times=3, skip=2)
        simulator.faults.add("ListSim", "429;retry-after=0.2", times=3, skip=3)
        async with (
            simulator.http_client(SIMULATOR_URL) as http,
            tw.WirelessClient(
                simulator.account_sid,
                simulator.auth_token,
                base_url=SIMULATOR_URL,
                http_client=http,
                retry=tw.RetryPolicy(max_attempts=3, initial_backoff=0.05, max_backoff=0.2),
            ) as client,
        ):
            yield client, simulator.sim_sids("ready")


# --- the program -----------------------------------------------------------------------


async def run(args: argparse.Namespace) -> int:
    interval = args.interval if args.interval is not None else (10.0 if args.live else 0.5)
    async with contextlib.AsyncExitStack() as stack:
        operator_sids: list[str] = []
        if args.live:
            client = await stack.enter_async_context(
                tw.WirelessClient(retry=tw.RetryPolicy(max_attempts=4, deadline=60))
            )
        else:
            client, operator_sids = await stack.enter_async_context(simulated(interval))
        gateway = Gateway(client, interval=interval, send_commands=args.send_commands)
        main_task = asyncio.current_task()
        assert main_task is not None

        def on_signal(name: str) -> None:
            if gateway.stopping:  # the second one: stop now
                main_task.cancel()
                return
            print(f"{name}: stopping after this poll (again to stop at once)", flush=True)
            gateway.stop()

        loop = asyncio.get_running_loop()
        handled = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, on_signal, sig.name)
                handled.append(sig)
            except (NotImplementedError, RuntimeError):  # Windows: Ctrl-C raises instead
                pass
        operator = asyncio.create_task(operate_fleet(client, operator_sids, interval))
        try:
            await gateway.run(iterations=args.iterations, duration=args.duration)
        except (tw.AuthenticationError, tw.PermissionDeniedError) as error:
            print(f"giving up: {describe(error)}", file=sys.stderr)
            return 2
        finally:
            operator.cancel()
            await asyncio.wait([operator])
            for sig in handled:
                loop.remove_signal_handler(sig)
            print(gateway.summary(), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", action="store_true", help="use the real API")
    parser.add_argument(
        "--send-commands",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="send provisioning Commands (default: on the simulator only)",
    )
    parser.add_argument("--interval", type=float, help="seconds between polls")
    parser.add_argument("--iterations", type=int, help="stop after this many polls")
    parser.add_argument("--duration", type=float, help="stop after this many seconds")
    args = parser.parse_args(argv)
    if args.send_commands is None:
        args.send_commands = not args.live
    if args.live:
        missing = [n for n in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not os.environ.get(n)]
        if missing:
            parser.error(f"--live needs {' and '.join(missing)} in the environment")
    try:
        return asyncio.run(run(args))
    except (KeyboardInterrupt, asyncio.CancelledError):  # a second Ctrl-C, or no handlers
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
