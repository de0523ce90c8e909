"""Async pagination: AsyncPager yields items across pages, or the pages themselves."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

import attrs
import httpx
from twilio_wireless_openapi.models.page_meta import PageMeta
from twilio_wireless_openapi.types import Unset

from ._http import Requester

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


# (parsed page model) -> (items, meta); one per list endpoint.
PageParser = Callable[[httpx.Response], tuple[list[T], PageMeta | Unset]]


def _optional(value: object) -> Any:
    return None if isinstance(value, Unset) else value


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
        self._page_url = _path_and_query(page_url, list_path) if page_url is not None else None
        self._list_path = list_path
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

    async def _fetch(self, path_and_query: str | None) -> Page[T]:
        requester = self._requester
        if path_and_query is None:
            assert self._first_request is not None
            request = requester.build_request(self._first_request)
        else:
            request = requester.build_get(path_and_query)
        response = await requester.send(request, idempotent=True)
        items, meta = requester.parse(response, self._parse_page)
        if isinstance(meta, Unset):
            return Page(items, None, None, None)
        return Page(
            items=items,
            page=_optional(meta.page),
            page_size=_optional(meta.page_size),
            next_page_url=_optional(meta.next_page_url),
            previous_page_url=_optional(meta.previous_page_url),
            url=_optional(meta.url),
        )


class _PageIterator(Generic[T]):
    def __init__(self, pager: AsyncPager[T]) -> None:
        self._pager = pager
        self._next: str | None = pager._page_url
        self._started = False
        self._done = pager._limit == 0
        self._remaining = pager._limit

    def __aiter__(self) -> _PageIterator[T]:
        return self

    async def __anext__(self) -> Page[T]:
        if self._done:
            raise StopAsyncIteration
        if self._started and self._next is None:
            raise StopAsyncIteration
        self._started = True
        page = await self._pager._fetch(self._next)
        # Credentials go only to the configured base URL, whatever host the server names:
        # only the path and query of its next_page_url are used.
        self._next = _server_path_and_query(page.next_page_url) if page.next_page_url else None
        if self._next is None or not page.items:
            self._done = True
        if self._remaining is not None:
            if len(page.items) >= self._remaining:
                page = attrs.evolve(page, items=page.items[: self._remaining])
                self._done = True
            self._remaining -= len(page.items)
        return page


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


def _path_and_query(url: str, list_path: str) -> str:
    """The path and query of a page URL given to resume, checked to belong to this list.

    `list_path` may hold `*` for one segment: a SIM's usage records may be resumed from a
    URL naming the SIM by SID or by unique name.
    """
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"page_url: {url!r} is not a URL ({exc})") from None
    segments = parsed.path.rstrip("/").split("/")
    expected = list_path.split("/")
    if len(segments) != len(expected) or any(
        want not in ("*", got) for want, got in zip(expected, segments, strict=True)
    ):
        raise ValueError(f"page_url: {url!r} is not a page of {list_path}")
    return parsed.raw_path.decode("ascii")


def _server_path_and_query(url: str) -> str:
    try:
        return httpx.URL(url).raw_path.decode("ascii")
    except httpx.InvalidURL as exc:
        raise ValueError(f"the API returned an invalid next_page_url {url!r} ({exc})") from None
