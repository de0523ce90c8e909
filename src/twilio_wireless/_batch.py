"""Bounded fleet operations: run one call per SIM, at most N in flight, results as they come."""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
)
from types import TracebackType
from typing import Generic, Self, TypeVar

import attrs

from . import _runtime

T = TypeVar("T")

__all__ = ["BatchResult", "BatchResults"]


@attrs.frozen
class BatchResult(Generic[T]):
    """The outcome for one SIM of a fleet operation: `value` or `error`, never both."""

    sid: str
    value: T | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class BatchResults(Generic[T]):
    """Results of a fleet operation, yielded as each call completes.

    Iterate it directly; stopping early (break, an exception) cancels the calls still in
    flight, on asyncio and trio alike; `async with` around the loop makes that immediate.

        async with client.sims.update_many(sids, status="active") as results:
            async for result in results:
                ...
    """

    def __init__(
        self,
        sids: Iterable[str] | AsyncIterable[str],
        call: Callable[[str], Awaitable[T]],
        *,
        concurrency: int,
    ) -> None:
        if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
            raise ValueError(f"concurrency: {concurrency!r} is not valid; expected an int >= 1")
        if isinstance(sids, str | bytes):
            raise ValueError("sids: expected an iterable of SIM SIDs or unique names, got a str")
        self._sids = sids
        self._call = call
        self._concurrency = concurrency
        self._iterator: AsyncIterator[BatchResult[T]] | None = None

    def __aiter__(self) -> AsyncIterator[BatchResult[T]]:
        if self._iterator is None:
            self._iterator = _run(self._sids, self._call, self._concurrency)
        return self._iterator

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._iterator is not None:
            await self._iterator.aclose()  # type: ignore[attr-defined]


async def _run(
    sids: Iterable[str] | AsyncIterable[str],
    call: Callable[[str], Awaitable[T]],
    concurrency: int,
) -> AsyncGenerator[BatchResult[T], None]:
    # One engine on asyncio and trio: each call runs as a task of its own (_runtime.spawn),
    # not in a task group, so leaving the loop early (break, an exception) cancels the
    # calls in flight even when this generator is closed later, from another task. Nothing
    # here refers to the BatchResults or to this generator, so dropping them finalises it
    # (and cancels the calls) at once.
    import anyio  # deferred: keeps `import twilio_wireless` light

    send, finished = anyio.create_memory_object_stream[BatchResult[T]](concurrency)
    running: set[_runtime.Spawned] = set()
    source = _aiter(sids)
    exhausted = False
    closing = False

    def start(sid: str) -> None:
        handle: list[_runtime.Spawned] = []  # filled below, before the call first runs

        async def one() -> None:
            try:
                result = await _one_result(call, sid)
            except BaseException as error:  # cancelled by someone else: still a result
                if not closing:
                    send.send_nowait(BatchResult(sid, error=error))
                raise
            finally:
                running.discard(handle[0])
            if not closing:
                send.send_nowait(result)

        handle.append(_runtime.spawn(one))
        running.add(handle[0])

    try:
        while True:
            # New calls start only as results are taken: at most `concurrency` in flight,
            # and never more than that many results waiting.
            waiting = finished.statistics().current_buffer_used
            while not exhausted and len(running) + waiting < concurrency:
                try:
                    sid = await anext(source)
                except StopAsyncIteration:
                    exhausted = True
                    break
                start(sid)
            if exhausted and not running and not finished.statistics().current_buffer_used:
                return
            yield await finished.receive()
    finally:
        closing = True
        handles = list(running)
        for handle in handles:
            handle.cancel()
        # Leave no call running behind the caller's back.
        for handle in handles:
            await handle.wait()
        send.close()
        finished.close()
        await source.aclose()


async def _one_result(call: Callable[[str], Awaitable[T]], sid: str) -> BatchResult[T]:
    try:
        return BatchResult(sid, value=await call(sid))
    except Exception as error:  # one SIM's failure never aborts the batch
        return BatchResult(sid, error=error)


async def _aiter(items: Iterable[str] | AsyncIterable[str]) -> AsyncGenerator[str, None]:
    if not isinstance(items, AsyncIterable):
        for item in items:
            yield item
        return
    iterator = aiter(items)
    try:
        async for item in iterator:
            yield item
    finally:
        # We own the iteration: a caller's async generator is closed when we stop early.
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()
