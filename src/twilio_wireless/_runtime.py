"""Which async library runs the caller: the one place the SDK tells asyncio from trio.

The SDK runs on asyncio (its default transport is aiohttp) and on trio (through anyio and
httpx). What differs is decided here: the transport a client is built with, whether work
may run in background tasks (next-page prefetch, batch calls) without a task group, and
the event a wait for a status callback uses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol


def current_library() -> str | None:
    """The running async library's name ("asyncio", "trio", ...), or None outside one."""
    import sniffio  # deferred: keeps `import twilio_wireless` light

    try:
        return sniffio.current_async_library()
    except sniffio.AsyncLibraryNotFoundError:
        return None


def on_asyncio() -> bool:
    """Whether the caller runs on asyncio, where background tasks need no task group."""
    return current_library() == "asyncio"


def builds_for_trio() -> bool:
    """Whether a client built now will run on trio (it is built inside trio).

    A client built outside any event loop is built for asyncio, the default.
    """
    library = current_library()
    return library is not None and library != "asyncio"


class Event(Protocol):
    """A one-shot signal: `new_event()`'s."""

    def set(self) -> None:
        """Wake every waiter, now and later."""

    def is_set(self) -> bool:
        """Whether `set()` was called."""

    async def wait(self) -> object:
        """Return once it is set."""


def new_event() -> Event:
    """An event for the running library (asyncio's own on asyncio: a tenth of the cost
    of anyio.Event, which is made for every SIM waiting for its status callback)."""
    if on_asyncio():
        import asyncio

        return asyncio.Event()
    import anyio

    return anyio.Event()


async def wait_for_event(event: Event, seconds: float) -> None:
    """Wait until `event` is set or `seconds` pass, whichever comes first.

    A deadline, not a task: nothing is cancelled (and no exception made) when the event
    comes first. On asyncio, `asyncio.timeout()`: a fifth of the cost of anyio's cancel
    scope, and a batch waits this way once for every SIM.
    """
    if on_asyncio():
        import asyncio

        try:
            async with asyncio.timeout(seconds):
                await event.wait()
        except TimeoutError:
            pass
        return
    import anyio

    with anyio.move_on_after(seconds):
        await event.wait()


class Spawned(Protocol):
    """A call running in the background, started by `spawn()`."""

    def cancel(self) -> None:
        """Ask it to stop (at its next await)."""

    async def wait(self) -> None:
        """Return once it has finished, however it ended."""


def spawn(run: Callable[..., Awaitable[None]], *args: Any) -> Spawned:
    """Run `run(*args)` in the background without a task group, on asyncio or trio.

    Batches use this so that leaving their loop early (even without `async with`) can
    cancel the calls in flight the same way on both: asyncio tasks, trio system tasks.
    `run` reports its own outcome: an exception escaping it (other than the cancellation
    `cancel()` asks for) is not caught here, and on trio it would end the run.
    """
    if on_asyncio():
        return _AsyncioTask(run, args)
    return _TrioSystemTask(run, args)


class _AsyncioTask:
    __slots__ = ("_task",)

    def __init__(self, run: Callable[..., Awaitable[None]], args: tuple[Any, ...]) -> None:
        import asyncio

        awaitable = run(*args)
        if not asyncio.iscoroutine(awaitable):  # e.g. a Future: a task needs a coroutine

            async def main() -> None:
                await awaitable

            awaitable = main()
        self._task = asyncio.get_running_loop().create_task(awaitable)

    def cancel(self) -> None:
        self._task.cancel()

    async def wait(self) -> None:
        import asyncio

        await asyncio.gather(self._task, return_exceptions=True)


class _TrioSystemTask:
    def __init__(self, run: Callable[..., Awaitable[None]], args: tuple[Any, ...]) -> None:
        import trio

        self._scope = trio.CancelScope()
        self._done = trio.Event()

        async def main() -> None:
            try:
                with self._scope:  # absorbs the cancellation cancel() asks for
                    await run(*args)
            finally:
                self._done.set()

        trio.lowlevel.spawn_system_task(main)

    def cancel(self) -> None:
        self._scope.cancel()

    async def wait(self) -> None:
        await self._done.wait()
