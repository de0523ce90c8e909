"""Rate Plans: what SIMs assigned to them may do, and how much."""

from __future__ import annotations

from collections.abc import Sequence

from twilio_wireless_openapi.api.wireless_v1_rate_plan import (
    create_rate_plan,
    delete_rate_plan,
    fetch_rate_plan,
    list_rate_plan,
    update_rate_plan,
)
from twilio_wireless_openapi.models.create_rate_plan_request import CreateRatePlanRequest
from twilio_wireless_openapi.models.data_limit_strategy import DataLimitStrategy
from twilio_wireless_openapi.models.rate_plan import RatePlan
from twilio_wireless_openapi.models.rate_plan_page import RatePlanPage
from twilio_wireless_openapi.models.update_rate_plan_request import UpdateRatePlanRequest

from .. import _params as p
from .._pagination import AsyncPager
from ._base import Resource

INTERNATIONAL_ROAMING_VALUES = ("data", "messaging", "voice")
DATA_METERING_VALUES = ("payg", "quota-1", "quota-10", "quota-50")
# Twilio caps each data limit at 2 TB, given in megabytes.
MAX_DATA_LIMIT_MB = 2_000_000


class RatePlansResource(Resource):
    """`client.rate_plans`: the Rate Plans on your account."""

    async def create(
        self,
        *,
        unique_name: str | None = None,
        friendly_name: str | None = None,
        data_enabled: bool | None = None,
        data_limit: int | None = None,
        data_metering: str | None = None,
        data_limit_strategy: DataLimitStrategy | str | None = None,
        messaging_enabled: bool | None = None,
        voice_enabled: bool | None = None,
        national_roaming_enabled: bool | None = None,
        national_roaming_data_limit: int | None = None,
        international_roaming: Sequence[str] | None = None,
        international_roaming_data_limit: int | None = None,
    ) -> RatePlan:
        """Create a Rate Plan; only the arguments you pass are sent.

        Args:
            unique_name, friendly_name: names; `unique_name` can address the plan later.
            data_enabled, messaging_enabled, voice_enabled: what SIMs may use.
            data_limit, national_roaming_data_limit, international_roaming_data_limit:
                monthly data limits in megabytes (up to 2 TB).
            data_metering: `payg`, `quota-1`, `quota-10` or `quota-50`.
            data_limit_strategy: `block` or `throttle` once `data_limit` is reached.
            national_roaming_enabled: roaming on other US networks.
            international_roaming: a list from `data`, `messaging`, `voice`.

        A create is not retried after the request may have reached the server.

        Raises:
            BadRequestError: the API refused the plan (e.g. a duplicate `unique_name`).
            ValueError: an argument is invalid; nothing was sent.
        """
        body = CreateRatePlanRequest(
            unique_name=p.text(unique_name, "unique_name", allow_empty=False),
            friendly_name=p.text(friendly_name, "friendly_name"),
            data_enabled=p.boolean(data_enabled, "data_enabled"),
            data_limit=p.integer(data_limit, "data_limit", maximum=MAX_DATA_LIMIT_MB),
            data_metering=p.choice(data_metering, DATA_METERING_VALUES, "data_metering"),
            data_limit_strategy=p.enum_value(
                data_limit_strategy, DataLimitStrategy, "data_limit_strategy"
            ),
            messaging_enabled=p.boolean(messaging_enabled, "messaging_enabled"),
            voice_enabled=p.boolean(voice_enabled, "voice_enabled"),
            national_roaming_enabled=p.boolean(
                national_roaming_enabled, "national_roaming_enabled"
            ),
            national_roaming_data_limit=p.integer(
                national_roaming_data_limit,
                "national_roaming_data_limit",
                maximum=MAX_DATA_LIMIT_MB,
            ),
            international_roaming=p.string_list(
                international_roaming, "international_roaming", allowed=INTERNATIONAL_ROAMING_VALUES
            ),
            international_roaming_data_limit=p.integer(
                international_roaming_data_limit,
                "international_roaming_data_limit",
                maximum=MAX_DATA_LIMIT_MB,
            ),
        )
        return await self._call(
            create_rate_plan.request_kwargs(body=body),
            create_rate_plan.parse_response,
            idempotent=False,
        )

    async def fetch(self, sid: str) -> RatePlan:
        """Fetch one Rate Plan by SID (`WP...`) or unique name.

        Raises:
            NotFoundError: no such Rate Plan.
            ValueError: `sid` is invalid; nothing was sent.
        """
        sid = p.identifier(sid, "sid", prefix="WP")
        return await self._call(
            fetch_rate_plan.request_kwargs(sid), fetch_rate_plan.parse_response, idempotent=True
        )

    async def update(
        self, sid: str, *, unique_name: str | None = None, friendly_name: str | None = None
    ) -> RatePlan:
        """Rename a Rate Plan (the API allows changing only its names).

        Raises:
            NotFoundError: no such Rate Plan.
            ValueError: an argument is invalid; nothing was sent.
        """
        sid = p.identifier(sid, "sid", prefix="WP")
        body = UpdateRatePlanRequest(
            unique_name=p.text(unique_name, "unique_name", allow_empty=False),
            friendly_name=p.text(friendly_name, "friendly_name"),
        )
        return await self._call(
            update_rate_plan.request_kwargs(sid, body=body),
            update_rate_plan.parse_response,
            idempotent=True,
        )

    async def delete(self, sid: str) -> None:
        """Delete a Rate Plan (no SIM may be assigned to it).

        Raises:
            NotFoundError: no such Rate Plan.
            ValueError: `sid` is invalid; nothing was sent.
        """
        sid = p.identifier(sid, "sid", prefix="WP")
        await self._call(
            delete_rate_plan.request_kwargs(sid), delete_rate_plan.parse_response, idempotent=True
        )

    def list(
        self,
        *,
        limit: int | None = None,
        page_size: int | None = None,
        page_url: str | None = None,
    ) -> AsyncPager[RatePlan]:
        """List the account's Rate Plans (see `SimsResource.list()` for the arguments).

        Raises:
            ValueError: an argument is invalid; nothing was sent.
        """
        return self._pager(
            first_request=lambda size: list_rate_plan.request_kwargs(page_size=size),
            page_url=page_url,
            filters={},
            list_path="/v1/RatePlans",
            parse=RatePlanPage.from_dict,
            items=lambda page: page.rate_plans,
            limit=limit,
            page_size=page_size,
        )
