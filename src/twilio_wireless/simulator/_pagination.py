"""Twilio-style pagination: PageSize, Page, PageToken and the `meta` block.

Stored resources are kept in insertion order with a sequence number each. A page token
names a sequence number (`PA<seq>`: the items after it; `PB<seq>`: the items before it),
so the next page starts with a binary search, not by skipping `Page * PageSize` items: a
deep page costs what the page itself costs. Computed lists (usage records, data sessions)
use their item index the same way.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from typing import Generic, Protocol, TypeVar
from urllib.parse import urlencode

from ._errors import invalid

__all__ = ["DEFAULT_PAGE_SIZE", "MAX_PAGE_SIZE", "Collection", "PageRequest", "page_meta"]

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000

T = TypeVar("T")


class _Sequenced(Protocol):
    @property
    def seq(self) -> int: ...

    @property
    def sid(self) -> str: ...


R = TypeVar("R", bound=_Sequenced)


class PageRequest:
    """The paging parameters of one list request, checked."""

    __slots__ = ("page", "size", "token", "token_text")

    def __init__(self, size: int, page: int, token: tuple[str, int] | None, text: str | None):
        self.size = size
        self.page = page
        self.token = token
        self.token_text = text

    @classmethod
    def from_query(cls, query: Mapping[str, list[str]]) -> PageRequest:
        size = _integer(query, "PageSize", DEFAULT_PAGE_SIZE)
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise invalid(f"PageSize must be between 1 and {MAX_PAGE_SIZE}, got {size}")
        page = _integer(query, "Page", 0)
        if page < 0:
            raise invalid(f"Page must be >= 0, got {page}")
        text = _last(query, "PageToken")
        token: tuple[str, int] | None = None
        if text:
            if len(text) < 3 or text[:2] not in {"PA", "PB"} or not text[2:].isdigit():
                raise invalid(f"Invalid PageToken {text!r}")
            token = (text[1], int(text[2:]))
        return cls(size, page, token, text or None)


def _last(query: Mapping[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def _integer(query: Mapping[str, list[str]], name: str, default: int) -> int:
    raw = _last(query, name)
    if raw is None or raw == "":
        return default
    text = raw.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits.isdigit() or not digits.isascii() or len(digits) > 1000:
        raise invalid(f"{name} must be an integer, got {raw!r}")
    return int(text)


class Collection(Generic[R]):
    """Records by SID (and unique name), kept in insertion order for paging."""

    def __init__(self) -> None:
        self.by_sid: dict[str, R] = {}
        self.by_name: dict[str, R] = {}
        self.items: list[R] = []
        self.seqs: list[int] = []
        self._next_seq = 1

    def next_seq(self) -> int:
        seq = self._next_seq
        self._next_seq += 1
        return seq

    def add(self, record: R, name: str | None = None) -> None:
        self.by_sid[record.sid] = record
        if name is not None:
            self.by_name[name] = record
        # Sequence numbers only grow, so appending keeps both lists sorted.
        self.items.append(record)
        self.seqs.append(record.seq)

    def remove(self, record: R, name: str | None = None) -> None:
        del self.by_sid[record.sid]
        if name is not None and self.by_name.get(name) is record:
            del self.by_name[name]
        index = bisect_left(self.seqs, record.seq)
        del self.items[index]
        del self.seqs[index]

    def rename(self, record: R, old: str | None, new: str | None) -> None:
        if old is not None and self.by_name.get(old) is record:
            del self.by_name[old]
        if new is not None:
            self.by_name[new] = record

    def lookup(self, key: str) -> R | None:
        """By SID, else by unique name."""
        found = self.by_sid.get(key)
        return found if found is not None else self.by_name.get(key)

    def __len__(self) -> int:
        return len(self.items)

    def select(
        self,
        request: PageRequest,
        predicate: Callable[[R], bool] | None = None,
        *,
        newest_first: bool = False,
    ) -> tuple[list[R], bool]:
        """The page's records and whether more follow."""
        return select(self.items, self.seqs, request, predicate, newest_first=newest_first)


def select(
    items: Sequence[T],
    seqs: Sequence[int],
    request: PageRequest,
    predicate: Callable[[T], bool] | None,
    *,
    newest_first: bool = False,
) -> tuple[list[T], bool]:
    """One page of `items` (sorted by `seqs`) and whether more follow it."""
    size = request.size
    step = -1 if newest_first else 1
    token = request.token
    if token is not None and token[0] == "B":
        # Items before the token's position, nearest first; then put them back in order.
        before = token[1]
        start = bisect_left(seqs, before) - 1 if step == 1 else bisect_right(seqs, before)
        found = _scan(items, start, -step, predicate, size, 0)
        found.reverse()
        return found, True
    if token is not None:
        after = token[1]
        start = bisect_right(seqs, after) if step == 1 else bisect_left(seqs, after) - 1
        skip = 0
    else:
        start = 0 if step == 1 else len(items) - 1
        skip = request.page * size
        if predicate is None:  # no filter: jump straight to the offset
            start += skip * step
            skip = 0
    found = _scan(items, start, step, predicate, size + 1, skip)
    more = len(found) > size
    if more:
        del found[size:]
    return found, more


def _scan(
    items: Sequence[T],
    start: int,
    step: int,
    predicate: Callable[[T], bool] | None,
    want: int,
    skip: int,
) -> list[T]:
    count = len(items)
    if start < 0 or start >= count or want <= 0:
        return []
    if predicate is None:
        if step == 1:
            return list(items[start : start + want])
        stop = start - want
        return list(items[start : stop if stop >= 0 else None : -1])
    found: list[T] = []
    index = start
    while 0 <= index < count:
        item = items[index]
        if predicate(item):
            if skip:
                skip -= 1
            else:
                found.append(item)
                if len(found) >= want:
                    break
        index += step
    return found


def page_meta(
    *,
    key: str,
    base: str,
    path: str,
    filters: Sequence[tuple[str, str]],
    request: PageRequest,
    first: int | None,
    last: int | None,
    more: bool,
    extra: Sequence[str] = (),
) -> bytes:
    """The `meta` object; every URL is absolute on `base` and keeps the filters.

    `extra` names fields the spec documents beyond `META_FIELDS`: they are sent as null.
    """
    size = request.size

    def link(page: int, token: str | None) -> str:
        params = [*filters, ("PageSize", str(size)), ("Page", str(page))]
        if token is not None:
            params.append(("PageToken", token))
        return f"{base}{path}?{urlencode(params)}"

    meta = {
        "first_page_url": link(0, None),
        "key": key,
        "next_page_url": (
            link(request.page + 1, f"PA{last}") if more and last is not None else None
        ),
        "page": request.page,
        "page_size": size,
        "previous_page_url": (
            link(request.page - 1, f"PB{first}") if request.page > 0 and first is not None else None
        ),
        "url": link(request.page, request.token_text),
    }
    for name in extra:
        meta.setdefault(name, None)
    return json.dumps(meta, separators=(",", ":")).encode("ascii")


META_FIELDS = (
    "first_page_url",
    "key",
    "next_page_url",
    "page",
    "page_size",
    "previous_page_url",
    "url",
)
