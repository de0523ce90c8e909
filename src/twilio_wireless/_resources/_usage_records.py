"""Account-wide usage records, aggregated over all SIMs."""

from __future__ import annotations

import datetime as dt

from twilio_wireless_openapi.api.wireless_v1_usage_record import list_account_usage_record
from twilio_wireless_openapi.models.account_usage_record import AccountUsageRecord
from twilio_wireless_openapi.models.account_usage_record_granularity import (
    AccountUsageRecordGranularity,
)
from twilio_wireless_openapi.models.account_usage_record_page import AccountUsageRecordPage

from .. import _params as p
from .._pagination import AsyncPager
from ._base import Resource


class UsageRecordsResource(Resource):
    """`client.usage_records`: usage of all SIMs on the account."""

    def list(
        self,
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        granularity: AccountUsageRecordGranularity | str | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        page_url: str | None = None,
    ) -> AsyncPager[AccountUsageRecord]:
        """List the account's usage records.

        Args:
            start, end: timezone-aware datetimes, sent as UTC `YYYY-MM-DDTHH:MM:SSZ`.
            granularity: `hourly`, `daily` or `all`.
            limit, page_size, page_url: see `SimsResource.list()`.

        Raises:
            ValueError: an argument is invalid (e.g. a naive datetime); nothing was sent.
        """
        start_at = p.utc_datetime(start, "start")
        end_at = p.utc_datetime(end, "end")
        grain = p.enum_value(granularity, AccountUsageRecordGranularity, "granularity")
        return self._pager(
            first_request=lambda size: list_account_usage_record.request_kwargs(
                start=start_at, end=end_at, granularity=grain, page_size=size
            ),
            page_url=page_url,
            filters={
                "start": start,
                "end": end,
                "granularity": granularity,
            },
            list_path="/v1/UsageRecords",
            parse=AccountUsageRecordPage.from_dict,
            items=lambda page: page.usage_records,
            limit=limit,
            page_size=page_size,
        )
