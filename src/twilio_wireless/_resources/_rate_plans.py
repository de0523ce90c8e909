"""Rate Plans: what SIMs assigned to them may do, and how much."""

from __future__ import annotations

from typing import Unpack

from twilio_wireless_openapi.api.wireless_v1_rate_plan import (
    create_rate_plan,
    delete_rate_plan,
    fetch_rate_plan,
    list_rate_plan,
    update_rate_plan,
)
from twilio_wireless_openapi.models.rate_plan import RatePlan
from twilio_wireless_openapi.models.rate_plan_page import RatePlanPage

from .. import _params as p
from .._pagination import AsyncPager
from ._base import PAGER_PARAMETERS, Resource, sends


class RatePlansResource(Resource):
    """`client.rate_plans`: the Rate Plans on your account."""

    @sends(create_rate_plan)
    async def create(self, **fields: Unpack[create_rate_plan.Params]) -> RatePlan:
        """Create a Rate Plan; only the arguments you pass are sent.

        Args:
            **fields: CreateRatePlan's body parameters as the spec declares them, e.g.
                `unique_name`, `friendly_name`, `data_enabled`, `data_limit` (MB per
                month), `data_metering`, `data_limit_strategy`, `messaging_enabled`,
                `national_roaming_enabled`, `international_roaming` (a list of str).
                What the spec leaves open (e.g. `data_metering` values) is sent as given:
                the API is the authority on it.

        A create is not retried after the request may have reached the server.

        Raises:
            BadRequestError: the API refused the plan (e.g. a duplicate `unique_name`).
            ValueError: an argument is invalid; nothing was sent.
        """
        plan: RatePlan = await self._send(create_rate_plan, (), p.check(create_rate_plan, fields))
        return plan

    @sends(fetch_rate_plan)
    async def fetch(self, sid: str) -> RatePlan:
        """Fetch one Rate Plan by SID (`WP...`) or unique name.

        Raises:
            NotFoundError: no such Rate Plan.
            ValueError: `sid` is invalid; nothing was sent.
        """
        sid = p.path_identifier(fetch_rate_plan, "sid", sid, prefix="WP")
        plan: RatePlan = await self._send(fetch_rate_plan, (sid,), {})
        return plan

    @sends(update_rate_plan)
    async def update(self, sid: str, **fields: Unpack[update_rate_plan.Params]) -> RatePlan:
        """Update a Rate Plan (UpdateRatePlan's body parameters, e.g. its names).

        Raises:
            NotFoundError: no such Rate Plan.
            ValueError: an argument is invalid; nothing was sent.
        """
        sid = p.path_identifier(update_rate_plan, "sid", sid, prefix="WP")
        values = p.check(update_rate_plan, fields)
        plan: RatePlan = await self._send(update_rate_plan, (sid,), values)
        return plan

    @sends(delete_rate_plan)
    async def delete(self, sid: str) -> None:
        """Delete a Rate Plan (no SIM may be assigned to it).

        Raises:
            NotFoundError: no such Rate Plan.
            ValueError: `sid` is invalid; nothing was sent.
        """
        sid = p.path_identifier(delete_rate_plan, "sid", sid, prefix="WP")
        await self._send(delete_rate_plan, (sid,), {})

    @sends(list_rate_plan, owned=PAGER_PARAMETERS)
    def list(
        self,
        *,
        limit: int | None = None,
        page_url: str | None = None,
        **filters: Unpack[list_rate_plan.Params],
    ) -> AsyncPager[RatePlan]:
        """List the account's Rate Plans (see `SimsResource.list()` for the arguments).

        Raises:
            ValueError: an argument is invalid; nothing was sent.
        """
        return self._pager(
            list_rate_plan,
            (),
            given=filters,
            parse=RatePlanPage.from_dict,
            items=lambda page: page.rate_plans,
            limit=limit,
            page_url=page_url,
        )
