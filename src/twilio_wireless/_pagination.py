"""Async pagination: AsyncPager yields items across pages, or the pages themselves."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator, Mapping
from typing import Any, Generic, TypeVar
from urllib.parse import quote, unquote, urlsplit

import attrs
from twilio_wireless_openapi.models.page_meta import PageMeta
from twilio_wireless_openapi.types import json_loads

from . import _runtime
from ._errors import APIError, without_userinfo
from ._http import Requester
from ._params import is_sid
from ._wire import WireResponse

T = TypeVar("T")

__all__ = ["AsyncPager", "Page"]


@attrs.frozen
class Page(Generic[T]):
    """One page of a list.

    Keep `next_page_url` to resume later: pass it as `page_url=` to the same list method.
    """

    items: list[T]
    page: int | None
    page_size: int | None
    next_page_url: str | None
    previous_page_url: str | None = None
    url: str | None = None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


# (decoded JSON body of a page) -> (items, meta); one per list endpoint.
PageParser = Callable[[Any], tuple[list[T], PageMeta]]


class AsyncPager(Generic[T]):
    """The result of a `list(...)` call. No request is made until you iterate.

    `async for item in pager` yields items across pages; `async for page in
    pager.pages()` yields `Page` objects. Each iteration starts again from the first page
    (or the `page_url` it was given). Only one page is held in memory at a time.
    """

    def __init__(
        self,
        requester: Requester,
        *,
        first_request: Mapping[str, Any] | None,
        page_url: str | None,
        list_path: str,
        parse_page: PageParser[T],
        limit: int | None,
    ) -> None:
        self._requester = requester
        self._first_request = first_request
        self._base_path = _segments(urlsplit(requester.base_url).path)
        self._page_url = (
            _path_and_query(page_url, list_path, self._base_path) if page_url is not None else None
        )
        self._list_path = list_path
        # The list's path as first requested: its `*` segment (a SIM's SID or unique name)
        # is the one SIM a server-given next page may name (see _follow).
        first_path = (
            first_request["url"] if first_request is not None else self._page_url or list_path
        )
        self._pattern = _pattern(list_path, first_path.partition("?")[0], self._base_path)
        self._parse_page = parse_page
        self._limit = limit

    def __repr__(self) -> str:
        return f"<AsyncPager {self._list_path} limit={self._limit}>"

    def __aiter__(self) -> _ItemIterator[T]:
        return _ItemIterator(self.pages())

    def pages(self) -> _PageIterator[T]:
        """Iterate page by page (items, page number, page size, next_page_url)."""
        return _PageIterator(self)

    async def to_list(self) -> list[T]:
        """Collect every item (up to `limit`) into a list."""
        return [item async for item in self]

    async def _send(self, path_and_query: str | None) -> WireResponse:
        requester = self._requester
        if path_and_query is None:
            assert self._first_request is not None
            request = requester.build_request(self._first_request)
        else:
            request = requester.build_get(path_and_query)
        return await requester.send(request, idempotent=True)

    def _follow(self, url: str, seen: set[str], response: WireResponse) -> str:
        """The path and query to request for a next_page_url the server gave, checked.

        Credentials go only to the configured base URL, whatever host the server names:
        only the path and query are used, and only when the path is this list's own
        (under the base URL's path, no `.`/`..` segments) and names no page already fetched
        in this iteration. Anything else is the server's fault: an APIError, nothing sent.
        """
        try:
            path_and_query = _split(url)[1]
        except ValueError as exc:
            raise _refused(url, f"it is not a valid URL ({exc})", response) from None
        path, _, query = path_and_query.partition("?")
        bad = _bad_segment(_segments(path))
        if bad is not None:
            raise _refused(url, bad, response)
        relative = _under(path, self._pattern, self._base_path)
        if relative is None:
            raise _refused(url, f"its path is not {self._list_path}", response)
        relative += f"?{query}" if query else ""
        if relative in seen:
            raise _refused(url, "it names a page already fetched (the list would loop)", response)
        return relative

    def _decode(self, response: WireResponse) -> Any:
        return self._requester.parse(response, _decode_page)

    def _build(self, response: WireResponse, body: Any) -> Page[T]:
        items, meta = self._requester.parse(response, lambda _: self._parse_page(body))
        return Page(
            items=items,
            page=meta.page,
            page_size=meta.page_size,
            next_page_url=meta.next_page_url,
            previous_page_url=meta.previous_page_url,
            url=meta.url,
        )


def _decode_page(response: WireResponse) -> Any:
    if response.status_code != 200:
        raise ValueError(f"undocumented status {response.status_code} for a list")
    body = json_loads(response.content)
    if not isinstance(body, dict):
        raise TypeError(f"a page must be a JSON object, got {type(body).__name__}")
    return body


def _page_facts(body: dict[str, Any]) -> tuple[str | None, int | None]:
    """(next_page_url, number of items) read from a decoded page, before building models."""
    meta = body.get("meta")
    if not isinstance(meta, dict):
        return None, None
    next_url = meta.get("next_page_url")
    key = meta.get("key")
    items = body.get(key) if isinstance(key, str) else None
    return (
        next_url if isinstance(next_url, str) and next_url else None,
        len(items) if isinstance(items, list) else None,
    )


class _PageIterator(Generic[T]):
    def __init__(self, pager: AsyncPager[T]) -> None:
        self._pager = pager
        self._next: str | None = pager._page_url
        self._started = False
        self._done = pager._limit == 0
        self._remaining = pager._limit
        self._prefetch: asyncio.Task[WireResponse] | None = None
        # Path and query of every page fetched in this iteration: a next page naming one
        # of them again would loop forever.
        self._seen: set[str] = set()
        # A next_page_url refused: raised when (and only if) that next page is needed.
        self._refused: APIError | None = None

    def __aiter__(self) -> _PageIterator[T]:
        return self

    def __del__(self) -> None:
        # Stopped early: the next page's request is not needed any more.
        if self._prefetch is not None:
            self._prefetch.cancel()

    async def __anext__(self) -> Page[T]:
        if self._refused is not None and not self._done:
            refused, self._refused = self._refused, None
            self._done = True
            raise refused
        if self._done or (self._started and self._next is None):
            raise StopAsyncIteration
        self._started = True
        pager = self._pager
        prefetch, self._prefetch = self._prefetch, None
        response = await (prefetch if prefetch is not None else pager._send(self._next))
        self._seen.add(response.request.path)
        body = pager._decode(response)
        next_url, count = _page_facts(body)
        self._next = None
        if next_url and count != 0:
            try:
                self._next = pager._follow(next_url, self._seen, response)
            except APIError as refused:
                self._refused = refused
        if (
            self._next is not None
            and count
            and (self._remaining is None or self._remaining > count)
        ):
            # While this page's models are built (and then consumed), the next page is
            # already on its way; with a limit, only when it is sure to be needed.
            self._prefetch = _start(pager._send(self._next))
            if self._prefetch is not None:
                # Let it put the request on the wire before the CPU-bound build below.
                await asyncio.sleep(0)
        page = pager._build(response, body)
        if (self._next is None and self._refused is None) or not page.items:
            self._done = True
        if self._remaining is not None:
            if len(page.items) >= self._remaining:
                page = attrs.evolve(page, items=page.items[: self._remaining])
                self._done = True
            self._remaining -= len(page.items)
        return page


def _start(fetch: Coroutine[Any, Any, WireResponse]) -> asyncio.Task[WireResponse] | None:
    """Run `fetch` in the background on asyncio; elsewhere (trio) close it and return None."""
    if not _runtime.on_asyncio():
        fetch.close()
        return None
    task = asyncio.get_running_loop().create_task(fetch)
    # An error is raised where the page is awaited; a page never awaited (the caller
    # stopped early) must not log "exception was never retrieved".
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
    return task


class _ItemIterator(Generic[T]):
    def __init__(self, pages: _PageIterator[T]) -> None:
        self._pages = pages
        self._items: list[T] = []
        self._index = 0

    def __aiter__(self) -> _ItemIterator[T]:
        return self

    async def __anext__(self) -> T:
        # The per-item path of every stream: index into the current page, no iterator frames.
        index = self._index
        items = self._items
        while index >= len(items):
            items = self._items = (await self._pages.__anext__()).items
            index = 0
        self._index = index + 1
        return items[index]


# What may stand unescaped in a path and in a query (RFC 3986); anything else is
# percent-encoded, and existing %XX escapes are kept, as httpx.URL does.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?"


def _split(url: str) -> tuple[str, str]:
    """(decoded path, encoded path and query) of an absolute or relative URL."""
    if any(ord(c) < 32 or c == "\x7f" for c in url):
        raise ValueError("it contains control characters")
    parts = urlsplit(url)
    parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
    path = quote(parts.path, safe=_PATH_SAFE) or "/"
    query = quote(parts.query, safe=_QUERY_SAFE)
    return unquote(parts.path), path + (f"?{query}" if query else "")


_DOT_SEGMENTS = frozenset({".", ".."})


def _segments(path: str) -> tuple[str, ...]:
    """The decoded segments of an encoded path, after its leading `/` ("" and "/": none)."""
    return tuple(unquote(segment) for segment in path.split("/")[1:]) if path.strip("/") else ()


class _Wild:
    """A list path's `*` segment: the SIM the list was asked for, by SID or unique name.

    A next page may name that SIM again, or (asked by unique name) by its SID, which the
    client cannot tell from another SIM's: the server names it, as it names the page.
    """

    __slots__ = ("asked",)

    def __init__(self, asked: str | None) -> None:
        self.asked = asked

    def accepts(self, segment: str) -> bool:
        asked = self.asked
        if asked is None or segment == asked:
            return True
        # A next page may name the SIM asked for by name by its SID.
        return not is_sid(asked, "DE") and is_sid(segment, "DE")


_Pattern = tuple[str | _Wild, ...]


def _pattern(list_path: str, first_path: str, base: tuple[str, ...]) -> _Pattern:
    """`list_path` (with `*` segments) as matched against server-given next pages."""
    wanted = _segments(list_path)
    first = _segments(first_path)
    if len(first) == len(wanted) + len(base) and first[: len(base)] == base:
        first = first[len(base) :]
    asked: tuple[str | None, ...] = first if len(first) == len(wanted) else (None,) * len(wanted)
    return tuple(
        _Wild(name) if want == "*" else want for want, name in zip(wanted, asked, strict=True)
    )


def _matches(segments: tuple[str, ...], pattern: _Pattern) -> bool:
    return len(segments) == len(pattern) and all(
        got == want if isinstance(want, str) else want.accepts(got)
        for want, got in zip(pattern, segments, strict=True)
    )


def _bad_segment(segments: tuple[str, ...]) -> str | None:
    """Why a path's decoded segments may not be requested, or None.

    `.`/`..` (also as %2e) would move the request elsewhere once normalised (outside a base
    URL's path, too); an encoded `/` or `\\` would split a segment on some servers.
    """
    for segment in segments:
        if segment in _DOT_SEGMENTS:
            return "it has a '.' or '..' path segment"
        if "/" in segment or "\\" in segment:
            return "it has an encoded '/' or '\\' in a path segment"
    return None


def _under(path: str, pattern: _Pattern, base: tuple[str, ...]) -> str | None:
    """The encoded path relative to the base URL's path if it is the list's own, or None.

    The API names pages from its root (`/v1/Sims?...`); behind a proxy at a base URL with
    a path (`https://proxy/twilio`), it may name them under that path too: both are
    requested as the base URL + the list's path.
    """
    encoded = path.split("/")[1:]
    segments = tuple(unquote(segment) for segment in encoded)
    if base and segments[: len(base)] == base and _matches(segments[len(base) :], pattern):
        return "/" + "/".join(encoded[len(base) :])
    if _matches(segments, pattern):
        return path
    return None


def _shown(url: object) -> str:
    """A URL for an error message: no userinfo, no control characters, bounded."""
    text = without_userinfo(str(url))
    shown = repr(text[:200])
    return shown + "..." if len(text) > 200 else shown


def _refused(url: str, reason: str, response: WireResponse) -> APIError:
    return APIError(
        f"the server's next_page_url {_shown(url)} was refused: {reason}; it was not requested",
        response=response,
    )


def _path_and_query(url: str, list_path: str, base: tuple[str, ...] = ()) -> str:
    """The path and query of a page URL given to resume, checked to belong to this list.

    Returned relative to the base URL's path. `list_path` may hold `*` for one segment: a
    SIM's usage records may be resumed from a URL naming the SIM by SID or by unique name.
    """
    if not isinstance(url, str):
        raise ValueError(f"page_url: expected a str, got {type(url).__name__}")
    try:
        _, path_and_query = _split(url)
    except ValueError as exc:
        raise ValueError(f"page_url: {_shown(url)} is not a URL ({exc})") from None
    path, mark, query = path_and_query.partition("?")
    bad = _bad_segment(_segments(path))
    if bad is not None:
        raise ValueError(f"page_url: {_shown(url)} is not valid: {bad}")
    # A trailing slash is tolerated in a URL given by hand.
    trimmed = path.rstrip("/") or "/"
    relative = _under(trimmed, _pattern(list_path, "", ()), base)
    if relative is None:
        raise ValueError(f"page_url: {_shown(url)} is not a page of {list_path}")
    return relative + path[len(trimmed) :] + mark + query


def _server_path_and_query(url: str) -> str:
    try:
        return _split(url)[1]
    except ValueError as exc:
        raise ValueError(
            f"the API returned an invalid next_page_url {_shown(url)} ({exc})"
        ) from None
