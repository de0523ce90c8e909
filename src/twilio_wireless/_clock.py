"""Clock: where a client's time comes from (retry backoff, 202 polling).

Time is an explicit dependency of the client: `WirelessClient(..., clock=...)`. The
default reads `time.monotonic()` and sleeps with `anyio.sleep()`; tests pass a
`twilio_wireless.testing.FakeClock`, whose waits take no real time.
"""

from __future__ import annotations

import time
from typing import Protocol, cast

__all__ = ["SYSTEM_CLOCK", "Clock", "SystemClock", "check_clock"]


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
