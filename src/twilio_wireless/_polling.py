"""Waiting out a 202 Accepted: PollPolicy and SimStatusChange."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import attrs

from . import _runtime
from ._clock import Clock, is_system_sleep
from ._errors import (
    APIConnectionError,
    PollTimeoutError,
    RateLimitError,
    ServerError,
    SimStatusChangeError,
)
from ._later import Later
from ._retry import ran_out_of_time

if TYPE_CHECKING:
    # Annotations only: building a client (which needs PollPolicy) creates no model class.
    from twilio_wireless_openapi.models.sim import Sim

    from ._webhooks import CallbackWaiter, SimStatusCallback

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
    growing by `multiplier` up to `max_interval`, for at most `timeout` seconds.

    With status callbacks (`WirelessClient(status_callbacks=receiver)`) the wait ends when
    the SIM's callback arrives; `callback_interval` is then the slower polling kept as a
    fallback, in case a callback never comes.
    """

    interval: float = attrs.field(default=1.0, validator=_seconds)
    max_interval: float = attrs.field(default=10.0, validator=_seconds)
    multiplier: float = attrs.field(default=1.5, validator=_multiplier)
    timeout: float = attrs.field(default=300.0, validator=_seconds)
    callback_interval: float = attrs.field(default=30.0, validator=_seconds)


def _with_callback(sim: Sim, callback: SimStatusCallback, *, in_place: bool = False) -> Sim:
    """The last SIM seen, with what its status callback reports (status, name, plan):
    a copy, or (`in_place`, for a SIM nobody else holds) `sim` itself, updated."""
    from twilio_wireless_openapi.models.sim_status import SimStatus

    settled = sim if in_place else attrs.evolve(sim)
    if callback.status is not None:
        settled.status = SimStatus._from_wire(callback.status)
    if callback.unique_name is not None:
        settled.unique_name = callback.unique_name
    if callback.rate_plan_sid is not None:
        settled.rate_plan_sid = callback.rate_plan_sid
    if callback.date_updated is not None:
        settled.date_updated = callback.date_updated
    return settled


def _shown(status: object) -> str:
    """A status from the server, as a message may quote it: one line, at most 40 chars."""
    text = " ".join(str(status).split())
    return text if len(text) <= 40 else text[:37] + "..."


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
    leaves no request behind. Its waits are on `clock`, the client's. `fetch(sid,
    time_left)` polls once, its request and retries bounded by `time_left` seconds.
    """

    def __init__(
        self,
        *,
        sid: str,
        fetch: Callable[[str, float], Awaitable[Sim]],
        clock: Clock,
        policy: PollPolicy,
        initial: Sim | None,
        accepted: bool,
        status: str | None,
        reset: bool,
        waiter: CallbackWaiter | None = None,
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
        # Catches the SIM's status callback, when the client has a receiver for them.
        self._waiter = waiter
        if initial is not None and is_settled(initial, reset=reset):
            self._result = initial
            self._close_waiter()

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
        return await self._waited(self._policy.timeout if timeout is None else timeout)

    async def _waited(self, limit: float, started: float | None = None) -> Sim:
        if self._result is None:
            try:
                self._result = await self._poll(limit, started)
            finally:
                if self._result is not None:
                    self._close_waiter()
        return self._check(self._result)

    def _settle_later(self) -> Later[Sim] | None:
        """For a batch: the rest of the wait as a `Later` that the SIM's status callback
        ends, with no task waiting meanwhile; None where `wait()` must run instead (no
        receiver, the callback already came, a clock of the caller's, or not asyncio)."""
        waiter = self._waiter
        if (
            waiter is None
            or self._result is not None
            or waiter.done
            or not is_system_sleep(self._clock.sleep)
            or not _runtime.on_asyncio()
        ):
            return None
        return _SettledByCallback(self, waiter)

    def _close_waiter(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None:
            waiter.close()

    async def _poll(self, limit: float, started: float | None = None) -> Sim:
        clock, policy = self._clock, self._policy
        # A wait taken over from a batch's (`started`: when that began) has waited out its
        # first interval already: it polls at once.
        pause = started is None
        if started is None:
            started = clock()
        deadline = started + limit
        waiter = self._waiter
        interval = policy.interval if waiter is None else policy.callback_interval
        last = self.initial
        while True:
            remaining = deadline - clock()
            if remaining <= 0 and last is not None and pause:  # (a takeover polls once)
                raise self._timed_out(last, clock() - started)
            if last is not None and pause:  # a resumed wait polls at once
                seconds = min(interval, max(remaining, 0.0))
                if waiter is None:
                    await clock.sleep(seconds)
                    interval = min(interval * policy.multiplier, policy.max_interval)
                else:
                    callback = await waiter.wait(seconds, sleep=clock.sleep)
                    if callback is not None:
                        # The change is done: no poll needed (one request per change).
                        return _with_callback(last, callback)
                remaining = deadline - clock()
            pause = True
            try:
                # Each poll, its retries included, gets only the time left of the wait (a
                # last poll at the deadline: one attempt, no retry).
                seen = await self._fetch(self.sid, remaining)
            except (APIConnectionError, RateLimitError, ServerError) as error:
                # Out of time: a PollTimeoutError with the last SIM seen (a wait resumed from
                # a SID alone that never got an answer has none: the poll's error, then).
                out_of_time = ran_out_of_time(error) or clock() >= deadline or remaining <= 0
                if out_of_time and last is not None:
                    raise self._timed_out(last, clock() - started) from error
                raise
            finally:
                self.polls += 1
            last = seen
            if is_settled(last, reset=self.reset):
                return last

    def _timed_out(self, last: Sim, waited: float) -> PollTimeoutError:
        return PollTimeoutError(
            f"SIM {self.sid} still {_shown(last.status)} after {waited:.1f} s ({self.polls} polls)",
            sim=last,
            waited=waited,
        )

    def _check(self, sim: Sim) -> Sim:
        if self.target_status is not None and sim.status != self.target_status:
            raise SimStatusChangeError(
                f"SIM {self.sid} settled as {_shown(sim.status)}, not {self.target_status}",
                sim=sim,
                expected=self.target_status,
            )
        return sim


class _SettledByCallback(Later["Sim"]):
    """The rest of a batch's wait for one SIM change: its status callback ends it, with no
    task waiting meanwhile. If none came within the PollPolicy's `callback_interval`, a
    task takes over and polls as `wait()` does (within the policy's `timeout`, counted
    from the start)."""

    __slots__ = ("_change", "_loop", "_started", "_task", "_timer")

    def __init__(self, change: SimStatusChange, waiter: CallbackWaiter) -> None:
        import asyncio  # made only on asyncio (see _settle_later)

        super().__init__()
        self._change = change
        self._loop = asyncio.get_running_loop()
        self._task: asyncio.Task[None] | None = None
        policy = change._policy
        self._started = change._clock()
        interval = min(policy.callback_interval, policy.timeout)
        self._timer = self._loop.call_later(interval, self._fall_back)
        waiter._then = self._on_callback

    def _on_callback(self, callback: SimStatusCallback) -> None:
        self._timer.cancel()
        change = self._change
        try:
            assert change.initial is not None  # a change made by an update
            # The batch's change is its own: its first answer becomes the settled SIM.
            settled = change._result = _with_callback(change.initial, callback, in_place=True)
            change._close_waiter()
            value = change._check(settled)
        except Exception as error:
            self.fail(error)
            return
        self.resolve(value)

    def _fall_back(self) -> None:
        waiter = self._change._waiter
        if waiter is not None:
            waiter._then = None  # a late callback goes to the polling task's wait
        self._task = self._loop.create_task(self._poll())

    async def _poll(self) -> None:
        change = self._change
        try:
            value = await change._waited(change._policy.timeout, self._started)
        except Exception as error:
            self.fail(error)
            return
        self.resolve(value)

    def cancel(self) -> None:
        super().cancel()
        self._timer.cancel()
        self._change._close_waiter()  # a closed waiter calls nobody
        if self._task is not None:
            self._task.cancel()

    async def wait(self) -> None:
        import asyncio

        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
