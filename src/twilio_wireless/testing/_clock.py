"""FakeClock: a `twilio_wireless.Clock` whose waits take no real time."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .._client import WirelessClient

__all__ = ["FakeClock"]


class FakeClock:
    """A monotonic clock that only moves when slept on (or advanced by hand).

    A `twilio_wireless.Clock`: pass it as `WirelessClient(..., clock=FakeClock())` and
    retry backoff and 202 polling return at once, each wait recorded in `sleeps`.

    Args:
        start: the clock's reading to begin with.
        on_advance: called with the seconds each sleep or `advance()` moves the clock,
            e.g. to move a simulator's clock along with the client's.
    """

    def __init__(self, *, start: float = 0.0, on_advance: Callable[[float], None] | None = None):
        self.now = start
        """The clock's current reading, in seconds."""
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
        import anyio.lowlevel  # deferred: loading the pytest plugin stays cheap

        self.sleeps.append(seconds)
        self.advance(seconds)
        await anyio.lowlevel.checkpoint()

    def install(self, client: WirelessClient) -> None:
        """Make an existing `client` wait on this clock: the same as `client.clock = self`.

        Prefer `WirelessClient(..., clock=FakeClock())`. Views made from `client` after
        this share the clock; views made before keep theirs.
        """
        client.clock = self

    def __repr__(self) -> str:
        return f"<FakeClock now={self.now!r} sleeps={len(self.sleeps)}>"
