"""Fleet operations: one call per SIM, a bounded number in progress, results as they come.

How many calls are in progress follows the client's cap on requests in flight (see
_pacing) unless the caller gives `concurrency=`; the batch counts what it has done as it
runs (`BatchProgress`) and, when stopped early, records which SIMs were in flight and
which were never started.
"""

from __future__ import annotations

import functools
import logging
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Collection,
    Iterable,
    Iterator,
    Sized,
)
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

import attrs

from . import _runtime
from ._checks import is_count
from ._later import Later

if TYPE_CHECKING:
    from ._pacing import Limiter

T = TypeVar("T")

__all__ = ["DEFAULT_BATCH_CONCURRENCY", "BatchProgress", "BatchResult", "BatchResults"]

logger = logging.getLogger("twilio_wireless")

# Calls in progress at once when neither `concurrency=` nor a client cap says otherwise.
DEFAULT_BATCH_CONCURRENCY = 10
# How many SIDs a log line or an exception note lists at most.
_LISTED = 10
# Calls started between two yields to the event loop while a batch fills up.
_START_BURST = 32


@attrs.frozen
class BatchResult(Generic[T]):
    """The outcome for one SIM of a fleet operation: `value` or `error`, never both."""

    sid: str
    value: T | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@attrs.frozen(kw_only=True)
class BatchProgress:
    """Where a fleet operation stands: what `on_progress` receives, and
    `BatchResults.progress`. A snapshot: it does not change afterwards.

    A progress bar can show `finished` of `total` (`total` is None for a SIM source
    without a length, e.g. a generator), with `failed` and `in_flight` beside it.
    """

    total: int | None
    """How many SIMs the batch was given, if the source has a length."""
    started: int
    """Calls begun so far."""
    done: int
    """Calls that succeeded."""
    failed: int
    """Calls that failed (their `BatchResult` holds the error)."""
    in_flight: int
    """Calls begun and not finished: sending, waiting for a slot under the client's cap,
    or waiting for a SIM to settle."""
    limit: int
    """How many calls may be in progress now (it follows the client's adaptive cap
    unless `concurrency=` was given)."""

    @property
    def finished(self) -> int:
        """Calls with a result, succeeded or failed."""
        return self.done + self.failed

    @property
    def not_started(self) -> int | None:
        """SIMs not started yet, if `total` is known."""
        return None if self.total is None else self.total - self.started


class _State:
    """What the engine and its BatchResults share (the engine never refers to the
    BatchResults itself: dropping that finalises the engine, see `_run`)."""

    __slots__ = (
        "cancelled",
        "concurrency",
        "done",
        "failed",
        "interrupted",
        "iterator",
        "limit",
        "limiter",
        "on_progress",
        "running",
        "started",
        "stopping",
        "total",
        "undelivered",
        "unstarted",
    )

    def __init__(
        self,
        *,
        total: int | None,
        concurrency: int | None,
        limit: Callable[[], int] | None,
        on_progress: Callable[[BatchProgress], object] | None,
    ) -> None:
        self.total = total
        self.concurrency = concurrency
        self.limit = limit
        self.on_progress = on_progress
        self.started = self.done = self.failed = 0
        # The calls in progress, in the order they were started: index -> (SID, handle).
        self.running: dict[int, tuple[str, _runtime.Spawned]] = {}
        self.stopping = False
        self.cancelled = False
        # Set once stopped early: calls cancelled mid-way, results never handed out,
        # SIDs never started.
        self.interrupted: list[tuple[int, str]] = []
        self.undelivered: list[BatchResult[Any]] = []
        self.unstarted: list[str] = []
        # A sync source's iterator: the rest of a collection is listed as unstarted.
        self.iterator: Iterator[str] | None = None
        # The client's cap, when the batch runs under it: calls start only as it has room.
        self.limiter: Limiter | None = None

    def bound(self) -> int:
        if self.concurrency is not None:
            return self.concurrency
        if self.limit is not None:
            return max(1, self.limit())
        return DEFAULT_BATCH_CONCURRENCY

    def snapshot(self) -> BatchProgress:
        return BatchProgress(
            total=self.total,
            started=self.started,
            done=self.done,
            failed=self.failed,
            in_flight=len(self.running),
            limit=self.bound(),
        )

    def report(self) -> None:
        if self.on_progress is not None:
            self.on_progress(self.snapshot())

    def stop(self, source: object) -> None:
        """Record, once, that the batch ended before every SIM had a result."""
        if self.cancelled:
            return
        self.cancelled = True
        self.interrupted.sort()
        if isinstance(source, Collection) and not isinstance(source, AsyncIterable):
            # The rest of a list (or any collection) is known without reading anyone's
            # iterator; an iterator or generator is left unconsumed.
            self.unstarted.extend(source if self.iterator is None else self.iterator)
        if self.interrupted:
            logger.warning(
                "batch stopped with %d call(s) in flight, which may or may not have taken "
                "effect: %s; %d finished, %s not started (BatchResults.in_flight_sids, "
                ".unstarted_sids)",
                len(self.interrupted),
                _listed([sid for _, sid in self.interrupted]),
                self.done + self.failed,
                len(self.unstarted) if self.total is None else self.total - self.started,
            )
        else:
            logger.debug(
                "batch stopped: %d finished, %d undelivered, %d listed as not started",
                self.done + self.failed,
                len(self.undelivered),
                len(self.unstarted),
            )


class BatchResults(Generic[T]):
    """Results of a fleet operation, yielded as each call completes.

    Iterate it directly; stopping early (break, an exception, a cancellation) cancels the
    calls still in flight, on asyncio and trio alike; `async with` around the loop makes
    that immediate.

        async with client.sims.update_many(sids, status="active") as results:
            async for result in results:
                ...

    While it runs, `done`, `failed`, `in_flight` and `total` (or a `BatchProgress` from
    `progress`, or passed to `on_progress` after each call starts or finishes, in the task
    iterating) tell where it stands.

    Stopped early, `cancelled` is True and the batch tells what it leaves behind:
    `in_flight_sids` (calls cancelled mid-way: their change may or may not have been
    applied; check those SIMs), `undelivered` (results that finished but your loop never
    received), `unstarted_sids` (never started: the rest of a list, tuple or other
    collection; from an iterator or generator, the SIDs not yet pulled are left unread
    and are not listed, and an async generator of yours is closed). An exception that
    leaves the `async with` block (a cancellation, Ctrl-C, an error in your loop) gets a
    note naming the SIMs in flight; they are also logged at WARNING on the
    `twilio_wireless` logger.

    Args:
        sids: the SIMs' SIDs or unique names (an iterable or async iterable).
        call: the operation, called once per SID.
        concurrency: at most this many calls in progress at once (default: as many as the
            client's cap on requests in flight allows now, `limit()`; 10 without one).
        limit: the client's cap on requests in flight, read as it adapts.
        on_progress: called with a `BatchProgress` after calls start and after each
            result, in the task iterating; an exception from it stops the batch.
    """

    def __init__(
        self,
        sids: Iterable[str] | AsyncIterable[str],
        call: Callable[[str], Awaitable[T | Later[T]]],
        *,
        concurrency: int | None = None,
        limit: Callable[[], int] | None = None,
        on_progress: Callable[[BatchProgress], object] | None = None,
    ) -> None:
        if concurrency is not None and not is_count(concurrency):
            raise ValueError(
                f"concurrency: {concurrency!r} is not valid; expected an int >= 1 or None"
            )
        if isinstance(sids, str | bytes):
            raise ValueError("sids: expected an iterable of SIM SIDs or unique names, got a str")
        if on_progress is not None and not callable(on_progress):
            raise ValueError(f"on_progress: {on_progress!r} is not callable")
        self._sids = sids
        self._call = call
        self._state = _State(
            total=len(sids) if isinstance(sids, Sized) else None,
            concurrency=concurrency,
            limit=limit,
            on_progress=on_progress,
        )
        self._iterator: AsyncIterator[BatchResult[T]] | None = None

    def __aiter__(self) -> AsyncIterator[BatchResult[T]]:
        if self._iterator is None:
            self._iterator = _run(self._sids, self._call, self._state)
        return self._iterator

    @classmethod
    def _paced(
        cls,
        sids: Iterable[str] | AsyncIterable[str],
        call: Callable[[str], Awaitable[T | Later[T]]],
        *,
        limiter: Limiter,
        per_request: int,
        concurrency: int | None,
        on_progress: Callable[[BatchProgress], object] | None,
    ) -> BatchResults[T]:
        """A batch under a client's cap: `per_request` calls in progress per request it
        allows, each started only as it has room (see `_run`)."""
        results = cls(
            sids,
            call,
            concurrency=concurrency,
            limit=lambda: limiter.limit * per_request,
            on_progress=on_progress,
        )
        results._state.limiter = limiter
        return results

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
        state = self._state
        if exc is not None and state.cancelled and (state.interrupted or state.unstarted):
            exc.add_note(_note(state))

    async def aclose(self) -> None:
        """Stop: cancel the calls in flight and wait for them (what leaving `async with`
        does). Nothing is started afterwards; iterating again yields nothing."""
        state = self._state
        if self._iterator is not None:
            await self._iterator.aclose()  # type: ignore[attr-defined]
        elif not state.cancelled:
            state.stop(self._sids)  # never iterated: nothing was started

            async def nothing() -> AsyncGenerator[BatchResult[T], None]:
                return
                yield  # pragma: no cover

            self._iterator = nothing()

    @property
    def progress(self) -> BatchProgress:
        """Where the batch stands now, as a snapshot."""
        return self._state.snapshot()

    @property
    def total(self) -> int | None:
        """How many SIMs the batch was given, if the source has a length."""
        return self._state.total

    @property
    def done(self) -> int:
        """Calls that succeeded so far."""
        return self._state.done

    @property
    def failed(self) -> int:
        """Calls that failed so far."""
        return self._state.failed

    @property
    def in_flight(self) -> int:
        """Calls in progress now."""
        return len(self._state.running)

    @property
    def cancelled(self) -> bool:
        """True once the batch stopped before every SIM had a result (your loop left
        early, its task was cancelled, or `aclose()`); False while it runs and after it
        completed."""
        return self._state.cancelled

    @property
    def in_flight_sids(self) -> tuple[str, ...]:
        """While running: the SIDs in progress. Once cancelled: those whose calls were cut
        short (a change may or may not have been applied to them), in start order."""
        state = self._state
        if state.cancelled:
            return tuple(sid for _, sid in state.interrupted)
        return tuple(sid for sid, _ in state.running.values())

    @property
    def unstarted_sids(self) -> tuple[str, ...]:
        """Once cancelled: the SIDs never started that are known (the rest of a
        collection; an iterator's unread SIDs are not listed)."""
        return tuple(self._state.unstarted)

    @property
    def undelivered(self) -> tuple[BatchResult[T], ...]:
        """Once cancelled: results that finished but that your loop never received."""
        return tuple(self._state.undelivered)


def _listed(sids: list[str]) -> str:
    shown = ", ".join(sids[:_LISTED])
    return shown + (f" and {len(sids) - _LISTED} more" if len(sids) > _LISTED else "")


def _note(state: _State) -> str:
    parts = []
    if state.interrupted:
        parts.append(
            f"{len(state.interrupted)} SIM(s) in flight, which may or may not have been "
            f"changed: {_listed([sid for _, sid in state.interrupted])}"
        )
    if state.unstarted:
        parts.append(f"{len(state.unstarted)} never started")
    return (
        "the batch was stopped: "
        + "; ".join(parts)
        + " (BatchResults.in_flight_sids / .unstarted_sids)"
    )


async def _run(
    sids: Iterable[str] | AsyncIterable[str],
    call: Callable[[str], Awaitable[T | Later[T]]],
    state: _State,
) -> AsyncGenerator[BatchResult[T], None]:
    # One engine on asyncio and trio: each call runs as a task of its own (_runtime.spawn),
    # not in a task group, so leaving the loop early (break, an exception) cancels the
    # calls in flight even when this generator is closed later, from another task. Nothing
    # here refers to the BatchResults or to this generator, so dropping them finalises it
    # (and cancels the calls) at once. A call may hand back a `Later` (see _later) when
    # the rest is a wait for an event: its item stays in progress with no task of its own.
    import anyio  # deferred: keeps `import twilio_wireless` light
    import anyio.lowlevel

    # Results not yet handed out: at most `state.bound()` ever wait (see below). `wake` is
    # set by a result, or by the cap freeing a slot, while the loop waits for either.
    ready: deque[BatchResult[T]] = deque()
    wake: _runtime.Event | None = None
    running = state.running
    limiter = state.limiter
    source = _aiter(sids, state)
    exhausted = False
    completed = False
    # Calls started since the loop last waited: not holding their slot yet (a `yield` to
    # the caller need not let them run, so this outlives one pass).
    fresh = 0

    def finish(result: BatchResult[T]) -> None:
        nonlocal wake
        ready.append(result)
        if wake is not None:
            wake.set()
            wake = None

    def record(index: int, result: BatchResult[T]) -> None:
        del running[index]
        if result.error is None:
            state.done += 1
        else:
            state.failed += 1
        if state.stopping:
            state.undelivered.append(result)
        else:
            finish(result)

    def report(index: int, sid: str, value: T | None, error: BaseException | None) -> None:
        # A Later's outcome (see _later): it reports outside any task of the batch's.
        if error is None:
            record(index, BatchResult(sid, value=value))
        else:
            record(index, BatchResult(sid, error=error))

    async def one(index: int, sid: str) -> None:
        try:
            try:
                value = await call(sid)
                if isinstance(value, Later):
                    # The rest comes without this task: the item stays in progress, held
                    # by the Later (which stopping the batch cancels like a task).
                    running[index] = (sid, value)
                    value._report = functools.partial(report, index, sid)
                    return
                result = BatchResult(sid, value=value)
            except Exception as error:  # one SIM's failure never aborts the batch
                result = BatchResult(sid, error=error)
        except BaseException as error:  # cancelled
            del running[index]
            if state.stopping:
                state.interrupted.append((index, sid))
            else:  # by someone else: still a result
                state.failed += 1
                finish(BatchResult(sid, error=error))
            raise
        record(index, result)

    def start(sid: str) -> None:
        index = state.started
        # Registered before the call first runs (spawn only schedules it).
        running[index] = (sid, _runtime.spawn(one, index, sid))
        state.started += 1

    try:
        while True:
            # New calls start only as results are taken: at most `bound()` in progress,
            # and never more than that many results waiting. Under the client's cap, only
            # as it has room too (and a few to stand by): a call started beyond it would
            # only queue for a slot (thousands of them, each a task and a wake-up, slowing
            # those in flight).
            bound = state.bound()
            before = state.started
            full = False
            while not exhausted and len(running) + len(ready) < bound:
                if limiter is not None and fresh >= limiter.room() + _standby(limiter):
                    full = True
                    break
                try:
                    sid = await anext(source)
                except StopAsyncIteration:
                    exhausted = True
                    break
                start(sid)
                fresh += 1
                if (state.started - before) % _START_BURST == 0:
                    # Let the calls started so far send their requests while the rest are
                    # started: 10,000 at once would hold the loop for a second first.
                    await anyio.lowlevel.checkpoint()
                    fresh = 0
            if state.started != before:
                state.report()
            if not ready:
                if exhausted and not running:
                    completed = True
                    return
                event = wake = _runtime.new_event()
                if full and limiter is not None:
                    limiter.watch(event)
                try:
                    await event.wait()  # set by others only: the calls started have run
                finally:
                    wake = None
                    if full and limiter is not None:
                        limiter.unwatch(event)
                fresh = 0
                continue
            result = ready.popleft()
            try:
                state.report()
            except BaseException:
                state.undelivered.append(result)
                raise
            yield result
    finally:
        # Left after the last result was taken: that is not stopping early.
        completed = completed or (
            (exhausted or state.started == state.total) and not running and not ready
        )
        state.stopping = True
        handles = []
        for index, (sid, handle) in list(running.items()):
            handles.append(handle)
            if isinstance(handle, Later):  # no task to be cancelled: in flight, cut short
                del running[index]
                state.interrupted.append((index, sid))
        for handle in handles:
            handle.cancel()
        # Leave no call running behind the caller's back (even as the caller is cancelled).
        with anyio.CancelScope(shield=True):
            for handle in handles:
                await handle.wait()
        # Calls cancelled before they first ran (asyncio) never began: not started (in
        # start order: the order of the dict).
        for sid, _ in running.values():
            state.unstarted.append(sid)
            state.started -= 1
        running.clear()
        state.undelivered.extend(ready)
        ready.clear()
        if not completed:
            state.stop(sids)
        await source.aclose()


def _standby(limiter: Limiter) -> int:
    # Calls let wait for a slot: a freed slot goes straight to one of them (a batch that
    # started calls only on a free slot would take two steps of the loop more per call),
    # while a tenth of the cap keeps the queue short.
    return limiter.limit // 10 + 1


async def _aiter(
    items: Iterable[str] | AsyncIterable[str], state: _State
) -> AsyncGenerator[str, None]:
    if not isinstance(items, AsyncIterable):
        iterator = state.iterator = iter(items)
        for item in iterator:
            yield item
        return
    async_iterator = aiter(items)
    try:
        async for item in async_iterator:
            yield item
    finally:
        # We own the iteration: a caller's async generator is closed when we stop early.
        aclose = getattr(async_iterator, "aclose", None)
        if aclose is not None:
            await aclose()
