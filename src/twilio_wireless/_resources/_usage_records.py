"""Account-wide usage records, aggregated over all SIMs."""

from __future__ import annotations

from typing import Unpack

from twilio_wireless_openapi.api.wireless_v1_usage_record import list_account_usage_record
from twilio_wireless_openapi.models.account_usage_record import AccountUsageRecord
from twilio_wireless_openapi.models.account_usage_record_page import AccountUsageRecordPage

from .._pagination import AsyncPager
from ._base import PAGER_PARAMETERS, Resource, sends


class UsageRecordsResource(Resource):
    """`client.usage_records`: usage of all SIMs on the account."""

    @sends(list_account_usage_record, owned=PAGER_PARAMETERS)
    def list(
        self,
        *,
        limit: int | None = None,
        page_url: str | None = None,
        **filters: Unpack[list_account_usage_record.Params],
    ) -> AsyncPager[AccountUsageRecord]:
        """List the account's usage records.

        Args:
            limit, page_url: see `SimsResource.list()`.
            **filters: ListAccountUsageRecord's query parameters: `start` and `end`
                (timezone-aware datetimes, sent as UTC `YYYY-MM-DDTHH:MM:SSZ`),
                `granularity` (`hourly`, `daily` or `all`), `page_size`.

        Raises:
            ValueError: an argument is invalid (e.g. a naive datetime); nothing was sent.
        """
        return self._pager(
            list_account_usage_record,
            (),
            given=filters,
            parse=AccountUsageRecordPage.from_dict,
            items=lambda page: page.usage_records,
            limit=limit,
            page_url=page_url,
        )
