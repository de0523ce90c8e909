"""Waiting out a 202 Accepted: PollPolicy and SimStatusChange."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import attrs

from ._clock import Clock
from ._errors import PollTimeoutError, SimStatusChangeError

if TYPE_CHECKING:
    # Annotations only: building a client (which needs PollPolicy) creates no model class.
    from twilio_wireless_openapi.models.sim import Sim

__all__ = ["PollPolicy", "SimStatusChange"]

UPDATING = "updating"
RESETTING = "resetting"


def _seconds(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ValueError(f"{attribute.name}: {value!r} is not valid; expected seconds > 0")


def _multiplier(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 1:
        raise ValueError(f"{attribute.name}: {value!r} is not valid; expected a number >= 1")


@attrs.frozen(kw_only=True)
class PollPolicy:
    """How to wait for a SIM change accepted with 202: poll every `interval` seconds,
    growing by `multiplier` up to `max_interval`, for at most `timeout` seconds."""

    interval: float = attrs.field(default=1.0, validator=_seconds)
    max_interval: float = attrs.field(default=10.0, validator=_seconds)
    multiplier: float = attrs.field(default=1.5, validator=_multiplier)
    timeout: float = attrs.field(default=300.0, validator=_seconds)


def is_settled(sim: Sim, *, reset: bool) -> bool:
    """No background change is running: not `updating` (nor `resetting`, for a reset)."""
    if sim.status == UPDATING:
        return False
    return not (reset and sim.reset_status == RESETTING)


class SimStatusChange:
    """A SIM change that may finish in the background (the API answered 202 Accepted).

    `accepted` tells whether it was 202; `initial` is the SIM the update returned;
    `await change.wait()` polls until the SIM settles and returns it. `done` and `result`
    tell whether that has been seen. Waiting is cancellable at any point: cancelling
    leaves no request behind. Its waits are on `clock`, the client's.
    """

    def __init__(
        self,
        *,
        sid: str,
        fetch: Callable[[str], Awaitable[Sim]],
        clock: Clock,
        policy: PollPolicy,
        initial: Sim | None,
        accepted: bool,
        status: str | None,
        reset: bool,
    ) -> None:
        self.sid = sid
        self.initial = initial
        self.accepted = accepted
        self.target_status = status
        self.reset = reset
        self.polls = 0
        """GET requests made while waiting."""
        self._fetch = fetch
        self._clock = clock
        self._policy = policy
        self._result: Sim | None = None
        if initial is not None and is_settled(initial, reset=reset):
            self._result = initial

    def __repr__(self) -> str:
        state = "done" if self.done else "pending"
        return f"<SimStatusChange {self.sid} -> {self.target_status or 'reset'} {state}>"

    @property
    def done(self) -> bool:
        """True once the SIM has been seen settled (by the update or by `wait()`)."""
        return self._result is not None

    @property
    def result(self) -> Sim | None:
        """The settled SIM, once `done`."""
        return self._result

    async def wait(self, timeout: float | None = None) -> Sim:  # noqa: ASYNC109 (a poll deadline, not a cancel scope)
        """Poll until the SIM settles and return it.

        Args:
            timeout: seconds to wait at most (default: the PollPolicy's `timeout`).

        Raises:
            SimStatusChangeError: it settled in another status than the one asked for
                (`.sim` is the settled SIM).
            PollTimeoutError: it had not settled in time (`.sim` is the last SIM seen).
            WirelessError: a poll failed after its own retries.
        """
        if self._result is None:
            self._result = await self._poll(self._policy.timeout if timeout is None else timeout)
        return self._check(self._result)

    async def _poll(self, limit: float) -> Sim:
        clock, policy = self._clock, self._policy
        started = clock()
        deadline = started + limit
        interval = policy.interval
        last = self.initial
        while True:
            remaining = deadline - clock()
            if remaining <= 0 and last is not None:
                raise PollTimeoutError(
                    f"SIM {self.sid} still {last.status} after {clock() - started:.1f} s "
                    f"({self.polls} polls)",
                    sim=last,
                    waited=clock() - started,
                )
            if last is not None:  # a resumed wait polls at once
                await clock.sleep(min(interval, max(remaining, 0.0)))
                interval = min(interval * policy.multiplier, policy.max_interval)
            last = await self._fetch(self.sid)
            self.polls += 1
            if is_settled(last, reset=self.reset):
                return last

    def _check(self, sim: Sim) -> Sim:
        if self.target_status is not None and sim.status != self.target_status:
            raise SimStatusChangeError(
                f"SIM {self.sid} settled as {sim.status!s}, not {self.target_status}",
                sim=sim,
                expected=self.target_status,
            )
        return sim
