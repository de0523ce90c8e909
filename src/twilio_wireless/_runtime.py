"""Which async library runs the caller: the one place the SDK tells asyncio from trio.

The SDK runs on asyncio (its default transport is aiohttp) and on trio (through anyio and
httpx). What differs is decided here: the transport a client is built with, and whether
work may run in background tasks (next-page prefetch, batch calls) without a task group.
"""

from __future__ import annotations


def current_library() -> str | None:
    """ "asyncio", "trio" (or another sniffio name) when called inside one, else None."""
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
