"""Which async library runs the caller: the one place the SDK tells asyncio from trio.

The SDK runs on asyncio (its default transport is aiohttp) and on trio (through anyio and
httpx). What differs is decided here: the transport a client is built with, and whether
work may run in background tasks (next-page prefetch, batch calls) without a task group.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol


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


class Spawned(Protocol):
    """A call running in the background, started by `spawn()`."""

    def cancel(self) -> None:
        """Ask it to stop (at its next await)."""

    async def wait(self) -> None:
        """Return once it has finished, however it ended."""


def spawn(run: Callable[[], Awaitable[None]]) -> Spawned:
    """Run `run()` in the background without a task group, on asyncio or trio.

    Batches use this so that leaving their loop early (even without `async with`) can
    cancel the calls in flight the same way on both: asyncio tasks, trio system tasks.
    `run` reports its own outcome: an exception escaping it (other than the cancellation
    `cancel()` asks for) is not caught here, and on trio it would end the run.
    """
    if on_asyncio():
        return _AsyncioTask(run)
    return _TrioSystemTask(run)


class _AsyncioTask:
    def __init__(self, run: Callable[[], Awaitable[None]]) -> None:
        import asyncio

        async def main() -> None:
            await run()

        self._task = asyncio.get_running_loop().create_task(main())

    def cancel(self) -> None:
        self._task.cancel()

    async def wait(self) -> None:
        import asyncio

        await asyncio.gather(self._task, return_exceptions=True)


class _TrioSystemTask:
    def __init__(self, run: Callable[[], Awaitable[None]]) -> None:
        import trio

        self._scope = trio.CancelScope()
        self._done = trio.Event()

        async def main() -> None:
            try:
                with self._scope:  # absorbs the cancellation cancel() asks for
                    await run()
            finally:
                self._done.set()

        trio.lowlevel.spawn_system_task(main)

    def cancel(self) -> None:
        self._scope.cancel()

    async def wait(self) -> None:
        await self._done.wait()
