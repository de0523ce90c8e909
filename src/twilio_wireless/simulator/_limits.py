"""The account's limits: requests in flight (Twilio's concurrency limit) and latency.

Twilio limits how many REST requests an account may have in flight at once (100 by
default) and answers a request beyond that at once with 429, code 20429, "never
processed, always safe to retry" (https://www.twilio.com/docs/api/errors/20429).
The simulator does the same per simulator (one simulator is one account):
`max_in_flight` requests are handled at once (None or 0: no limit).

Each request holds its slot while it is handled: its `latency`, an injected `delay`, the
work itself, until its headers are sent. So `latency * max_in_flight` bounds throughput
as the real service's processing time does. A body sent slowly (`drip`) no longer holds
the slot: the request was processed, only the network is slow.

Latency runs on the simulator's clock. On the real clock it is real time. On a
`ManualClock` it is virtual time, so tests stay instant: a request's latency ends when
the test advances the clock past it or, if nothing does while the other ready tasks run,
by moving the clock to the request's deadline itself (as trio's autojumping clock does).
Requests sent together therefore overlap for their whole latency, and the clock ends
`latency` later, not `latency` times the number of requests.
"""

from __future__ import annotations

import collections
import dataclasses
import math
from collections.abc import Mapping
from types import MappingProxyType

import anyio
import anyio.lowlevel

from ._clock import Clock, ManualClock

__all__ = ["DEFAULT_MAX_IN_FLIGHT", "Limits", "SimulatorStats"]

DEFAULT_MAX_IN_FLIGHT = 100
# Rounds of the event loop a request on a manual clock lets the other ready tasks run
# (requests being sent alongside it reach the app within a few) before it moves the clock.
_MANUAL_ROUNDS = 16


@dataclasses.dataclass(frozen=True, slots=True)
class SimulatorStats:
    """What the simulator has handled (`simulator.stats`, or `GET /__simulator/stats`).

    Attributes:
        requests: API requests received (the admin routes excluded), refused ones too.
        in_flight: API requests being handled now.
        in_flight_peak: the most API requests handled at once.
        too_many_requests: 429 answers by reason: `"concurrency"` (over `max_in_flight`)
            and `"fault"` (an injected 429).
    """

    requests: int
    in_flight: int
    in_flight_peak: int
    too_many_requests: Mapping[str, int]

    def to_json(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "in_flight": self.in_flight,
            "in_flight_peak": self.in_flight_peak,
            "too_many_requests": dict(self.too_many_requests),
        }


def check_max_in_flight(value: int | None) -> int | None:
    """`value` validated; 0 means no limit (None)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"max_in_flight: {value!r} is not valid; expected an int >= 0 or None")
    return value or None


def check_latency(value: float) -> float:
    """`value` validated, as seconds (a float)."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"latency: {value!r} is not valid; expected seconds >= 0")
    return float(value)


class Limits:
    """The in-flight counter, the latency and the statistics of one simulator."""

    def __init__(self, clock: Clock, *, max_in_flight: int | None, latency: float) -> None:
        self._clock = clock
        self._max = check_max_in_flight(max_in_flight)
        self._latency = check_latency(latency)
        self._sleepers: list[tuple[float, anyio.Event]] = []
        if isinstance(clock, ManualClock):
            clock.subscribe(self._on_clock_jump)
        self.requests = 0
        self.in_flight = 0
        self.peak = 0
        self.too_many: collections.Counter[str] = collections.Counter()

    @property
    def max_in_flight(self) -> int | None:
        return self._max

    @max_in_flight.setter
    def max_in_flight(self, value: int | None) -> None:
        self._max = check_max_in_flight(value)

    @property
    def latency(self) -> float:
        return self._latency

    @latency.setter
    def latency(self, value: float) -> None:
        self._latency = check_latency(value)

    def admit(self) -> int | None:
        """Take a slot for a request: the requests in flight with it, or None if full."""
        self.requests += 1
        if self._max is not None and self.in_flight >= self._max:
            self.too_many["concurrency"] += 1
            return None
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        return self.in_flight

    def release(self) -> None:
        self.in_flight -= 1

    async def wait_latency(self) -> None:
        """Wait the configured latency on the simulator's clock (see the module docstring)."""
        seconds = self._latency
        if not seconds:
            return
        clock = self._clock
        if not isinstance(clock, ManualClock):
            await anyio.sleep(seconds)
            return
        deadline = clock.monotonic() + seconds
        event = anyio.Event()
        entry = (deadline, event)
        self._sleepers.append(entry)
        try:
            for _ in range(_MANUAL_ROUNDS):
                await anyio.lowlevel.checkpoint()
                if event.is_set():
                    return
            if clock.monotonic() < deadline:
                # Nobody moved the clock: jump to the deadline, which wakes every request
                # due by then (and settles whatever else became due, as any advance does).
                clock.advance(deadline - clock.monotonic())
            await event.wait()
        finally:
            if entry in self._sleepers:
                self._sleepers.remove(entry)

    def _on_clock_jump(self) -> None:
        now = self._clock.monotonic()
        for deadline, event in self._sleepers:
            if deadline <= now:
                event.set()

    def snapshot(self) -> SimulatorStats:
        return SimulatorStats(
            requests=self.requests,
            in_flight=self.in_flight,
            in_flight_peak=self.peak,
            too_many_requests=MappingProxyType(dict(self.too_many)),
        )

    def reset(self) -> None:
        """Zero the counters (the requests in flight stay counted, and set the peak)."""
        self.requests = 0
        self.peak = self.in_flight
        self.too_many.clear()
