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
from contextlib import aclosing
from types import TracebackType
from typing import TYPE_CHECKING, Generic, Self, TypeVar

import attrs

from . import _runtime

if TYPE_CHECKING:
    import anyio
    from anyio.streams.memory import MemoryObjectSendStream

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
    flight. On trio, wrap the loop in `async with` if you may stop early.

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
            self._iterator = (
                _run_asyncio(self._sids, self._call, self._concurrency)
                if _runtime.on_asyncio()
                else self._run_anyio()
            )
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

    async def _run_anyio(self) -> AsyncIterator[BatchResult[T]]:
        # On trio: a task group, so stopping early needs `async with` (see the class doc).
        import anyio  # deferred: keeps `import twilio_wireless` light

        send, receive = anyio.create_memory_object_stream[BatchResult[T]]()
        slots = anyio.Semaphore(self._concurrency)
        async with anyio.create_task_group() as group:
            group.start_soon(self._feed, group, slots, send)
            async with receive:
                async for result in receive:
                    try:
                        yield result
                    except GeneratorExit:
                        # Closed early (aclose from `async with`): stop the calls in
                        # flight and end without raising through the task group.
                        group.cancel_scope.cancel()
                        return

    async def _feed(
        self,
        group: anyio.abc.TaskGroup,
        slots: anyio.Semaphore,
        send: MemoryObjectSendStream[BatchResult[T]],
    ) -> None:
        async with send, aclosing(_aiter(self._sids)) as sids:
            async for sid in sids:
                await slots.acquire()  # at most `concurrency` calls in flight
                group.start_soon(self._one, sid, slots, send.clone())

    async def _one(
        self, sid: str, slots: anyio.Semaphore, send: MemoryObjectSendStream[BatchResult[T]]
    ) -> None:
        # The slot is held until the consumer takes the result, so a slow consumer
        # slows the batch down instead of letting results pile up in memory.
        try:
            async with send:
                await send.send(await _one_result(self._call, sid))
        finally:
            slots.release()


async def _run_asyncio(
    sids: Iterable[str] | AsyncIterable[str],
    call: Callable[[str], Awaitable[T]],
    concurrency: int,
) -> AsyncGenerator[BatchResult[T], None]:
    # Plain tasks rather than a task group: cancelling them needs no cancel scope, so
    # leaving the loop early (break, an exception) is clean even when Python closes this
    # generator later from another task. Nothing here refers to the BatchResults or to
    # this generator, so dropping them finalises it (and cancels the calls) at once.
    import asyncio  # deferred: keeps `import twilio_wireless` light

    loop = asyncio.get_running_loop()
    finished: asyncio.Queue[BatchResult[T]] = asyncio.Queue()
    running: dict[asyncio.Task[BatchResult[T]], str] = {}
    source = _aiter(sids)
    exhausted = closing = False

    def on_done(task: asyncio.Task[BatchResult[T]]) -> None:
        sid = running.pop(task)
        if closing:
            return
        if task.cancelled():  # by someone else: still one result per SIM
            finished.put_nowait(BatchResult(sid, error=asyncio.CancelledError()))
        elif (error := task.exception()) is not None:  # BaseException: not ours to keep
            finished.put_nowait(BatchResult(sid, error=error))
        else:
            finished.put_nowait(task.result())

    try:
        while True:
            # New calls start only as results are taken: at most `concurrency` in flight,
            # and never more than that many results waiting.
            while not exhausted and len(running) + finished.qsize() < concurrency:
                try:
                    sid = await anext(source)
                except StopAsyncIteration:
                    exhausted = True
                    break
                task = loop.create_task(_one_result(call, sid))
                running[task] = sid
                task.add_done_callback(on_done)
            if exhausted and not running and finished.empty():
                return
            yield await finished.get()
    finally:
        closing = True
        tasks = list(running)
        for task in tasks:
            task.cancel()
        # Leave no call running behind the caller's back.
        await asyncio.gather(*tasks, return_exceptions=True)
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
