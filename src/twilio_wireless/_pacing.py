"""Pacing: the client's cap on requests in flight, fixed or adapting to 429s (AIMD).

Twilio limits an account to a number of concurrent requests (100 by default); more in
flight is answered 429 (Twilio error 20429). `AdaptiveConcurrency` is the policy (a frozen
value), `Limiter` the one cap a client and all its views share: `Requester.send` holds a
slot of it around each attempt and gives it back with the attempt's outcome (a 429
shrinks the cap). A `SharedLimit` (e.g. `RedisConcurrency`) adds a second cap that
several processes share.

The cap's path costs a few attribute reads and writes per request: no lock, no
allocation and no event-loop round trip while a slot is free (a waiter, when the cap is
full, gets an event of `_runtime.new_event()`). Two ways to hold a slot: `async with
limiter:` (its `__aexit__` sees the outcome), or, cheaper on the hot path (no coroutine is
made when a slot is free; `async with` costs ~3,000 instructions more per request on
CPython 3.11):

    if not limiter.try_acquire():
        await limiter.acquire()
    try:
        response = await send()
    except BaseException as error:
        limiter.release(error)
        raise
    limiter.release()
"""

from __future__ import annotations

import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, runtime_checkable

import attrs

from . import _runtime
from ._checks import count_field, is_count
from ._errors import APIError, RateLimitError
from ._retry import RetryPolicy, ran_out_of_time

if TYPE_CHECKING:
    from ._clock import Clock

__all__ = [
    "DEFAULT_CONCURRENCY",
    "AdaptiveConcurrency",
    "Limiter",
    "SharedLimit",
    "admitted",
    "limiter_for",
]

T = TypeVar("T")

logger = logging.getLogger("twilio_wireless")


@runtime_checkable
class SharedLimit(Protocol):
    """A cap on requests in flight that other processes share (e.g. `RedisConcurrency`).

    `acquire()` returns once this process may send one more request; `release()` gives
    that slot back without waiting (in the background if it needs I/O) and never
    raises; `aclose()` lets go of what the cap holds (its connection). Slots are
    interchangeable: `release()` frees any one this process holds.
    """

    async def acquire(self) -> None: ...

    def release(self) -> None: ...

    async def aclose(self) -> None: ...


def _initial(_: object, attribute: attrs.Attribute[int | None], value: int | None) -> None:
    if value is not None:
        count_field(_, attribute, value)


def _fraction(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        raise ValueError(
            f"{attribute.name}: {value!r} is not valid; expected a fraction between 0 and 1"
        )


def _shared(_: object, attribute: attrs.Attribute[SharedLimit | None], value: object) -> None:
    if value is not None and not isinstance(value, SharedLimit):
        raise ValueError(
            f"{attribute.name}: {value!r} is not a shared cap; expected e.g. a "
            "twilio_wireless.RedisConcurrency"
        )


@attrs.frozen(kw_only=True)
class AdaptiveConcurrency:
    """A cap on requests in flight that finds the account's limit: the value of
    `WirelessClient(max_concurrency=...)` (the default is `AdaptiveConcurrency()`).

    The cap starts at `initial` and adapts as answers come (additive increase,
    multiplicative decrease): a 429 (Twilio error 20429, "too many concurrent requests",
    or any other 429) multiplies it by `decrease`, at most once per round trip (the other
    429s of requests sent under the old cap do not count again); each run of successes as
    long as the cap grows it by `increase`, never above `ceiling` nor below `floor`. Each
    change is logged at DEBUG on the `twilio_wireless` logger. Requests over the cap wait
    for a slot, first come first served; retries of a 429 still happen (the retry policy's
    wait comes first, outside the cap). Every request of the client counts, batches
    included, and `update_many` starts SIMs only as the cap allows.

    Args:
        ceiling: the most requests in flight ever (default 100: Twilio's default limit
            of concurrent requests per account; ask Twilio's support for more and raise it).
        initial: the cap to start with (default: `ceiling`, so a client under the
            account's limit never waits on it).
        floor: the fewest (default 1).
        increase: added after each run of `cap` successes.
        decrease: the fraction kept after a 429 (default 0.5: halved).
        shared: a cap shared with other processes on the same account (e.g.
            `RedisConcurrency(url, key=..., limit=100)`): each request also holds one of
            its slots, so their sum stays under the account's limit.

    `WirelessClient(max_concurrency=20)` (an int) is a fixed cap; `None`, no cap at all.
    """

    ceiling: int = attrs.field(default=100, validator=count_field)
    initial: int | None = attrs.field(default=None, validator=_initial)
    floor: int = attrs.field(default=1, validator=count_field)
    increase: int = attrs.field(default=1, validator=count_field)
    decrease: float = attrs.field(default=0.5, validator=_fraction)
    shared: SharedLimit | None = attrs.field(default=None, validator=_shared)

    def __attrs_post_init__(self) -> None:
        if self.floor > self.ceiling:
            raise ValueError(
                f"floor: {self.floor!r} is not valid; expected at most ceiling ({self.ceiling})"
            )
        if self.initial is not None and not self.floor <= self.initial <= self.ceiling:
            raise ValueError(
                f"initial: {self.initial!r} is not valid; expected between floor "
                f"({self.floor}) and ceiling ({self.ceiling})"
            )

    @property
    def start(self) -> int:
        """The cap a new client starts with."""
        return self.ceiling if self.initial is None else self.initial


DEFAULT_CONCURRENCY = AdaptiveConcurrency()


def limiter_for(setting: object) -> Limiter | None:
    """The cap for `max_concurrency=`: an int (fixed), an AdaptiveConcurrency, or None."""
    if setting is None:
        return None
    if isinstance(setting, AdaptiveConcurrency):
        return Limiter(setting.start, setting)
    if not is_count(setting):
        raise ValueError(
            f"max_concurrency: {setting!r} is not valid; expected an int >= 1, a "
            "twilio_wireless.AdaptiveConcurrency or None"
        )
    return Limiter(setting)


class Limiter:
    """Requests in flight under a cap: `async with limiter:` holds one slot.

    Fixed without a policy; with an `AdaptiveConcurrency`, `limit` adapts to the outcome
    each slot's holder leaves with (a 429 halves it, successes grow it). Works on asyncio
    and trio alike (waiters wait on an event of `_runtime.new_event()`), and in any event
    loop: it holds nothing of one between requests.
    """

    __slots__ = (
        "_adaptive",
        "_ceiling",
        "_decrease",
        "_floor",
        "_held",
        "_increase",
        "_shared",
        "_slow",
        "_successes",
        "_waiters",
        "_watchers",
        "in_flight",
        "limit",
    )

    def __init__(self, limit: int, policy: AdaptiveConcurrency | None = None) -> None:
        self.limit = limit
        """The cap now: at most this many slots are held at once."""
        self.in_flight = 0
        """Slots held now (it may exceed `limit` for a while just after a decrease)."""
        self._waiters: deque[_runtime.Event] = deque()
        # Events set at the next release: batches waiting for a free slot to start a call.
        self._watchers: list[_runtime.Event] = []
        self._adaptive = policy is not None
        self._ceiling = limit if policy is None else policy.ceiling
        self._floor = limit if policy is None else policy.floor
        self._increase = 0 if policy is None else policy.increase
        self._decrease = 1.0 if policy is None else policy.decrease
        self._shared = None if policy is None else policy.shared
        # Someone waits for a slot, or there is a shared cap: not the fast path.
        self._slow = self._shared is not None
        self._successes = 0
        # Requests sent under the cap before its last decrease and not back yet: a 429 of
        # theirs is of the same round trip (and the cap is below its ceiling meanwhile).
        self._held = 0

    def __repr__(self) -> str:
        kind = "adaptive" if self._adaptive else "fixed"
        return f"<Limiter {kind} limit={self.limit} in_flight={self.in_flight}>"

    def try_acquire(self) -> bool:
        """Take a slot if one is free now (True); else False: `await acquire()`.

        Always False with a shared cap, which takes a wait of its own."""
        if self.in_flight < self.limit and not self._slow:
            self.in_flight += 1
            return True
        return False

    def room(self) -> int:
        """Slots free now, less the calls already waiting for one (negative: more wait)."""
        return self.limit - self.in_flight - len(self._waiters)

    def watch(self, event: _runtime.Event) -> None:
        """Set `event` at the next release: a batch starts its next calls only as slots
        free up, instead of queueing thousands of them here."""
        self._watchers.append(event)

    def unwatch(self, event: _runtime.Event) -> None:
        """Forget an event of `watch()` that was set otherwise (or not at all)."""
        with contextlib.suppress(ValueError):
            self._watchers.remove(event)

    async def acquire(self) -> None:
        """Wait for a slot (first come, first served), then for the shared cap's."""
        if self.in_flight < self.limit and not self._waiters:
            self.in_flight += 1
        else:
            await self._wait()
        shared = self._shared
        if shared is not None:
            try:
                await shared.acquire()
            except BaseException:
                self._give_back()
                raise

    def release(self, error: BaseException | None = None) -> None:
        """Give a slot back, with how its attempt ended: None (a response), else the
        exception it raised (a 429 `APIError` shrinks an adaptive cap)."""
        self.in_flight -= 1
        if error is None:
            if self.limit < self._ceiling:  # never for a fixed cap
                self._succeeded()
        elif self._adaptive:
            self._failed(error)
        if self._slow:
            if self._shared is not None:
                self._shared.release()
            if self._waiters:
                self._grant()
        if self._watchers:
            self._notify()

    async def __aenter__(self) -> None:
        if not self.try_acquire():
            await self.acquire()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release(exc)

    async def aclose(self) -> None:
        """Let go of the shared cap's connection (the local cap holds nothing)."""
        if self._shared is not None:
            await self._shared.aclose()

    async def _wait(self) -> None:
        # Not anyio.Event: _runtime's is asyncio's own on asyncio, a tenth of the cost, and
        # after a 429 halves the cap every call of a batch over the new cap waits here.
        event = _runtime.new_event()
        self._waiters.append(event)
        self._slow = True
        try:
            await event.wait()
        except BaseException:
            if event.is_set():
                self._give_back()  # granted as it was cancelled: pass the slot on
            else:
                self._waiters.remove(event)
                self._slow = bool(self._waiters) or self._shared is not None
            raise

    def _give_back(self) -> None:
        self.in_flight -= 1
        if self._waiters:
            self._grant()
        if self._watchers:
            self._notify()

    def _notify(self) -> None:
        watchers, self._watchers = self._watchers, []
        for event in watchers:
            event.set()

    def _grant(self) -> None:
        # A slot is handed over (counted here), so nobody can take it between the set()
        # and the waiter running.
        waiters = self._waiters
        while waiters and self.in_flight < self.limit:
            self.in_flight += 1
            waiters.popleft().set()
        self._slow = bool(waiters) or self._shared is not None

    def _succeeded(self) -> None:
        if self._held:
            self._held -= 1
        self._successes += 1
        if self._successes >= self.limit:
            self._successes = 0
            old = self.limit
            self.limit = min(self._ceiling, old + self._increase)
            logger.debug("concurrency cap %d -> %d after %d successes", old, self.limit, old)

    def _failed(self, error: BaseException) -> None:
        held = self._held
        if held:
            self._held = held - 1
        if not isinstance(error, APIError) or error.status != 429:
            return
        self._successes = 0
        if held:
            return  # sent under the cap that was just cut: the same round trip
        old = self.limit
        new = max(self._floor, min(old - 1, int(old * self._decrease)))
        # The requests still out went under the old cap: their 429s are this round's.
        self._held = self.in_flight
        if new == old:
            return
        self.limit = new
        code = f", Twilio error {error.code}" if error.code is not None else ""
        logger.debug("concurrency cap %d -> %d after HTTP 429%s", old, new, code)


async def admitted(
    call: Callable[..., Awaitable[T]], policy: RetryPolicy, clock: Clock, *args: Any
) -> T:
    """`call(*args)`, run again while it fails with a 429 its retries gave up on by count.

    For a batch's calls: a 429 means the server refused without acting (safe to send
    again, even a create), and while the cap shrinks a fleet item should wait its turn
    rather than fail. Bounded by the policy's deadline, counted from the first run (with
    no deadline: `max_attempts` runs); a policy that does not retry 429s (or at all) runs
    it once.
    """
    started = clock()
    runs = 1
    while True:
        try:
            return await call(*args)
        except RateLimitError as error:
            if (
                policy.max_attempts <= 1
                or 429 not in policy.retry_statuses
                or ran_out_of_time(error)
            ):
                raise
            delay = policy._wait_after(error, policy.max_attempts)
            if policy.deadline is None:
                if runs >= policy.max_attempts:
                    raise
            elif clock() - started + delay >= policy.deadline:
                raise
            logger.debug(
                "still HTTP 429 after %d attempts (%s); sending again in %.3f s",
                error.attempts,
                error.method + " " + error.url.partition("?")[0],
                delay,
            )
            await clock.sleep(delay)
            runs += 1
