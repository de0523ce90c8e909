"""Clock: where a client's time comes from (retry backoff, 202 polling).

Time is an explicit dependency of the client: `WirelessClient(..., clock=...)`. The
default reads `time.monotonic()` and sleeps with `anyio.sleep()`; tests pass a
`twilio_wireless.testing.FakeClock`, whose waits take no real time.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Protocol, cast

from . import _runtime

__all__ = ["SYSTEM_CLOCK", "Clock", "SystemClock", "check_clock", "is_system_sleep", "wait_event"]


class Clock(Protocol):
    """What a `WirelessClient` needs from a clock.

    Calling it returns seconds on a monotonic clock (deadlines and elapsed time are
    measured on it); `await clock.sleep(seconds)` waits that long on the same clock
    (each retry backoff and poll interval is one such wait). It must stay cancellable.
    """

    def __call__(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    async def sleep(self, seconds: float, /) -> None:
        """Wait `seconds` on this clock."""
        ...


class SystemClock:
    """The default clock: `time.monotonic()` and `anyio.sleep()` (asyncio or trio)."""

    def __call__(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float, /) -> None:
        import anyio  # deferred: keeps `import twilio_wireless` light

        await anyio.sleep(seconds)

    def __repr__(self) -> str:
        return "<SystemClock>"


SYSTEM_CLOCK = SystemClock()


def check_clock(value: object) -> Clock:
    """`value` if it is a usable Clock (None: the system clock), else a ValueError."""
    if value is None:
        return SYSTEM_CLOCK
    sleep = getattr(value, "sleep", None)
    if isinstance(value, type) or not callable(value) or not callable(sleep):
        raise ValueError(
            f"clock: {value!r} is not a Clock; expected an object that returns monotonic "
            "seconds when called and has an async sleep(seconds), e.g. "
            "twilio_wireless.testing.FakeClock()"
        )
    return cast("Clock", value)  # checked structurally above


async def wait_event(
    event: _runtime.Event, seconds: float, sleep: Callable[[float], Awaitable[object]]
) -> bool:
    """Wait until `event` is set or `seconds` pass as `sleep` measures them; True if set."""
    seconds = max(seconds, 0.0)
    if is_system_sleep(sleep):
        # A deadline on the loop's clock: no task, and nothing is cancelled when the event
        # comes first. Per wait, the task-and-cancel way below leaves a CancelledError with
        # its traceback and frames in reference cycles that only the cyclic GC frees: in a
        # 10,000-SIM batch that garbage made gen-2 collections a fifth of the CPU.
        await _runtime.wait_for_event(event, seconds)
        return event.is_set()
    import anyio

    async with anyio.create_task_group() as group:

        async def time_out() -> None:
            await sleep(seconds)
            group.cancel_scope.cancel()

        group.start_soon(time_out)
        await event.wait()
        group.cancel_scope.cancel()
    return event.is_set()


def is_system_sleep(sleep: Callable[[float], Awaitable[object]]) -> bool:
    """Whether `sleep` is the system clock's (real time: the loop's own timers serve)."""
    owner = getattr(sleep, "__self__", None)
    return isinstance(owner, SystemClock) and getattr(sleep, "__func__", None) is (
        SystemClock.sleep
    )
