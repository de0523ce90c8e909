"""What every resource shares: sending a generated operation and parsing its answer."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from twilio_wireless_openapi.models.page_meta import PageMeta

from .. import _params as p
from .._http import Requester
from .._pagination import AsyncPager
from .._params import Operation

if TYPE_CHECKING:
    from .._batch import BatchProgress, BatchResults
    from .._later import Later

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_ANY_SEGMENT = re.compile(r"\{[^}/]+\}")
# The pager sets these itself, from `limit` and the API's next-page URLs.
PAGER_PARAMETERS = frozenset({"page", "page_token"})


def sends(operation: Operation, *, owned: frozenset[str] = frozenset()) -> Callable[[F], F]:
    """Mark a facade method as one that sends `operation`.

    `owned` names parameters the method sets itself instead of taking them from callers.
    tests/facade/test_spec_coverage.py checks that every generated operation is sent by a
    method, and that every one of its parameters is accepted or owned.
    """

    def mark(method: F) -> F:
        method.__wireless_operation__ = operation  # type: ignore[attr-defined]
        method.__wireless_owned__ = owned  # type: ignore[attr-defined]
        return method

    return mark


class Resource:
    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    def _paced_batch(
        self,
        items: Iterable[str] | AsyncIterable[str],
        call: Callable[[str], Awaitable[T | Later[T]]],
        *,
        concurrency: int | None,
        on_progress: Callable[[BatchProgress], object] | None,
        per_request: int = 1,
    ) -> BatchResults[T]:
        """A fleet operation: `call` per item, paced by the client's cap on requests in
        flight (`per_request` items in progress per request the cap allows: items that
        mostly wait, e.g. for a 202 change to settle, hold no request meanwhile); an item
        refused with 429 (nothing done) is sent again within the retry policy's deadline
        instead of failing."""
        from .._batch import BatchResults  # loaded when a batch is first made
        from .._pacing import admitted

        requester = self._requester
        policy, clock = requester.options.retry, requester.clock
        limiter = requester.connection.limiter()

        each = functools.partial(admitted, call, policy, clock)  # admitted(call, ..., item)
        if limiter is None:
            return BatchResults(items, each, concurrency=concurrency, on_progress=on_progress)
        return BatchResults._paced(
            items,
            each,
            limiter=limiter,
            per_request=per_request,
            concurrency=concurrency,
            on_progress=on_progress,
        )

    async def _send(
        self,
        operation: Operation,
        path: tuple[str, ...],
        values: Mapping[str, Any],
        requester: Requester | None = None,
    ) -> Any:
        """Send `operation` with checked values; return its parsed 2xx body.

        `requester`: another than the resource's own (e.g. one bounded in time).
        """
        parsed, _ = await self._send_with_status(operation, path, values, requester)
        return parsed

    async def _send_with_status(
        self,
        operation: Operation,
        path: tuple[str, ...],
        values: Mapping[str, Any],
        requester: Requester | None = None,
    ) -> tuple[Any, int]:
        requester = requester or self._requester
        request = requester.build_request(operation.request_kwargs_from(*path, params=values))
        # Only a create can repeat an effect when sent twice; reads, updates that set
        # fields to values, and deletes cannot.
        response = await requester.send(
            request, idempotent=operation.METHOD != "POST" or bool(path)
        )
        return requester.parse(response, operation.parse_response), response.status_code

    def _pager(
        self,
        operation: Operation,
        path: tuple[str, ...],
        *,
        given: Mapping[str, object],
        identifiers: Mapping[str, str] = {},
        parse: Callable[[Any], Any],
        items: Callable[[Any], list[T]],
        limit: object,
        page_url: str | None,
    ) -> AsyncPager[T]:
        """A pager over a list operation; its filters are checked before anything is sent."""
        max_items = p.limit(limit)
        if page_url is not None:
            given_names = sorted(name for name, value in given.items() if value is not None)
            if given_names:
                raise ValueError(
                    f"page_url: it already carries the list's filters; do not also pass "
                    f"{given_names}"
                )
        settable = p.settable_names(operation) - PAGER_PARAMETERS
        values = p.check(operation, given, identifiers=identifiers, settable=settable)
        if "page_size" not in values and max_items is not None:
            # Request no more than `limit` needs, within what the spec allows per page.
            page_size = p.parameter(operation, "page_size")
            largest = int(page_size.maximum) if page_size.maximum is not None else max_items
            smallest = int(page_size.minimum) if page_size.minimum is not None else 1
            values["page_size"] = max(smallest, min(max_items, largest))

        def parse_page(body: Any) -> tuple[list[T], PageMeta]:
            model = parse(body)
            return items(model), model.meta

        return AsyncPager(
            self._requester,
            first_request=None
            if page_url is not None
            else operation.request_kwargs_from(*path, params=values),
            page_url=page_url,
            # The list's own path, with `*` for a path parameter (a SIM by SID or name).
            list_path=_ANY_SEGMENT.sub("*", operation.PATH),
            parse_page=parse_page,
            limit=max_items,
        )
