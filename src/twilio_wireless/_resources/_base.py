"""What every resource shares: sending a generated request and parsing its answer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import httpx
from twilio_wireless_openapi.models.page_meta import PageMeta
from twilio_wireless_openapi.types import Unset

from .. import _params as p
from .._http import Requester
from .._pagination import AsyncPager

T = TypeVar("T")
PageModel = TypeVar("PageModel")


class Resource:
    def __init__(self, requester: Requester) -> None:
        self._requester = requester

    async def _call(
        self,
        kwargs: Mapping[str, Any],
        parser: Callable[[httpx.Response], T],
        *,
        idempotent: bool,
    ) -> T:
        requester = self._requester
        response = await requester.send(requester.build_request(kwargs), idempotent=idempotent)
        return requester.parse(response, parser)

    async def _call_with_status(
        self,
        kwargs: Mapping[str, Any],
        parser: Callable[[httpx.Response], T],
        *,
        idempotent: bool,
    ) -> tuple[T, int]:
        requester = self._requester
        response = await requester.send(requester.build_request(kwargs), idempotent=idempotent)
        return requester.parse(response, parser), response.status_code

    def _pager(
        self,
        *,
        first_request: Callable[[int | Unset], Mapping[str, Any]],
        page_url: str | None,
        filters: Mapping[str, object],
        list_path: str,
        parse: Callable[[Any], PageModel],
        items: Callable[[PageModel], list[T] | Unset],
        limit: object,
        page_size: object,
    ) -> AsyncPager[T]:
        """A pager for one list endpoint; `first_request(PageSize)` builds its first page."""
        max_items = p.limit(limit)
        size = p.page_size(page_size, max_items)
        if page_url is not None:
            given = sorted(
                name
                for name, value in {**filters, "page_size": page_size}.items()
                if value is not None
            )
            if given:
                raise ValueError(
                    f"page_url: it already carries the list's filters; do not also pass {given}"
                )

        def parse_page(body: Any) -> tuple[list[T], PageMeta | Unset]:
            model = parse(body)
            found = items(model)
            meta: PageMeta | Unset = model.meta  # type: ignore[attr-defined]
            return ([] if isinstance(found, Unset) else found), meta

        return AsyncPager(
            self._requester,
            first_request=None if page_url is not None else first_request(size),
            page_url=page_url,
            list_path=list_path,
            parse_page=parse_page,
            limit=max_items,
        )
