"""Helpers for testing code that uses WirelessClient: waits that take no time.

    from twilio_wireless.testing import FakeClock

    clock = FakeClock()
    clock.install(client)        # retry backoff and 202 polling now return at once
    ...
    assert clock.sleeps == [0.5, 1.0]

The simulator's pytest plugin (`wireless_client` fixture) installs one for you, tied to
the simulator's own clock, so a SIM change "settles" while the client polls.
"""

from __future__ import annotations

from collections.abc import Callable

import anyio

from ._client import WirelessClient

__all__ = ["FakeClock"]


class FakeClock:
    """A monotonic clock that only moves when slept on (or advanced by hand).

    Args:
        on_advance: called with the seconds each sleep or `advance()` moves the clock,
            e.g. to move a simulator's clock along with the client's.
    """

    def __init__(self, *, start: float = 0.0, on_advance: Callable[[float], None] | None = None):
        self.now = start
        self.sleeps: list[float] = []
        """Every wait the client asked for, in order."""
        self._on_advance = on_advance

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward without sleeping."""
        self.now += seconds
        if self._on_advance is not None:
            self._on_advance(seconds)

    async def sleep(self, seconds: float) -> None:
        """Record the wait, advance the clock, and yield to other tasks without waiting."""
        self.sleeps.append(seconds)
        self.advance(seconds)
        await anyio.lowlevel.checkpoint()

    def install(self, client: WirelessClient) -> None:
        """Make `client` (and every view of it) wait on this clock."""
        connection = client._connection
        connection.clock = self
        connection.sleep = self.sleep
