"""Clocks: every simulated delay is measured on one of these.

`RealClock` follows `time.monotonic()`; `ManualClock` only moves when a test calls
`advance()`, which also settles whatever became due (status changes, commands) and starts
the callbacks that completed changes owe.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Awaitable, Callable, Generator
from typing import Any, Protocol, runtime_checkable

__all__ = ["DEFAULT_MANUAL_START", "Clock", "Listener", "ManualClock", "RealClock", "Settled"]

DEFAULT_MANUAL_START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)

# Called when a manual clock jumps; may return an async function that finishes the work.
Listener = Callable[[], Callable[[], Awaitable[None]] | None]


@runtime_checkable
class Clock(Protocol):
    """What the simulator needs from a clock."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back; delays are measured on it."""
        ...

    def now(self) -> dt.datetime:
        """The current wall time (aware, UTC); dates in responses come from it."""
        ...

    def subscribe(self, listener: Listener) -> None:
        """Call `listener` whenever the clock jumps (manual clocks only).

        The listener does its work at once and may return an async function to await
        for the rest (callback deliveries); it is called only if the jump is awaited.
        """
        ...


class RealClock:
    """The machine's clock. Due work is run lazily on each request and by a timer."""

    manual = False

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def subscribe(self, listener: Listener) -> None:
        del listener  # real time needs no notification: the simulator sets timers


class Settled:
    """What `ManualClock.advance()` returns.

    The state has already changed when `advance()` returns; awaiting this also waits
    until every callback that became due has been delivered. Not awaiting it is fine:
    it is not a coroutine, so nothing warns.
    """

    def __init__(self, waiters: list[Callable[[], Awaitable[None]]]) -> None:
        self._waiters = waiters

    def __await__(self) -> Generator[Any, None, None]:
        return self._wait().__await__()

    async def _wait(self) -> None:
        for waiter in self._waiters:
            await waiter()


class ManualClock:
    """A clock that moves only when told to: deterministic tests of timed behaviour.

    Args:
        start: the wall time at monotonic 0 (default 2025-01-01T00:00:00Z).
    """

    manual = True

    def __init__(self, start: dt.datetime = DEFAULT_MANUAL_START) -> None:
        if start.tzinfo is None:
            raise ValueError("start: give an aware datetime, e.g. tzinfo=datetime.UTC")
        self._start = start.astimezone(dt.UTC)
        self._elapsed = 0.0
        self._listeners: list[Listener] = []

    def monotonic(self) -> float:
        return self._elapsed

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=self._elapsed)

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def advance(self, seconds: float) -> Settled:
        """Move time forward, settle what became due, and start its callbacks.

        `await clock.advance(5)` also waits for those callbacks to be delivered.
        """
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
            raise ValueError(f"seconds: {seconds!r} is not valid; expected a number >= 0")
        self._elapsed += float(seconds)
        waiters: list[Callable[[], Awaitable[None]]] = []
        for listener in self._listeners:
            waiter = listener()
            if waiter is not None:
                waiters.append(waiter)
        return Settled(waiters)

    def __repr__(self) -> str:
        return f"<ManualClock now={self.now().isoformat()} elapsed={self._elapsed:g}s>"
