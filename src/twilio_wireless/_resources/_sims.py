"""SIMs: fetch, update, delete, list, and each SIM's usage records and data sessions."""

from __future__ import annotations

import datetime as dt

from twilio_wireless_openapi.api.wireless_v1_data_session import list_data_session
from twilio_wireless_openapi.api.wireless_v1_sim import delete_sim, fetch_sim, list_sim, update_sim
from twilio_wireless_openapi.api.wireless_v1_usage_record import list_usage_record
from twilio_wireless_openapi.models.data_session import DataSession
from twilio_wireless_openapi.models.http_method import HttpMethod
from twilio_wireless_openapi.models.sim import Sim
from twilio_wireless_openapi.models.sim_reset_status import SimResetStatus
from twilio_wireless_openapi.models.sim_status import SimStatus
from twilio_wireless_openapi.models.sim_usage_record import SimUsageRecord
from twilio_wireless_openapi.models.sim_usage_record_granularity import SimUsageRecordGranularity
from twilio_wireless_openapi.models.update_sim_request import UpdateSimRequest

from .. import _params as p
from .._pagination import AsyncPager
from ._base import Resource


class SimsResource(Resource):
    """`client.sims`: the SIMs on your account.

    Wherever a SIM is named, its SID (`DE...`) or its `unique_name` works.
    """

    async def fetch(self, sid: str) -> Sim:
        """Fetch one SIM by SID or unique name.

        Raises:
            NotFoundError: no such SIM on this account.
            ValueError: `sid` is empty, `.`/`..`, or another resource's SID.
        """
        sid = p.identifier(sid, "sid", prefix="DE")
        return await self._call(
            fetch_sim.request_kwargs(sid), fetch_sim.parse_response, idempotent=True
        )

    async def update(
        self,
        sid: str,
        *,
        status: SimStatus | str | None = None,
        unique_name: str | None = None,
        friendly_name: str | None = None,
        rate_plan: str | None = None,
        reset_status: SimResetStatus | str | None = None,
        callback_url: str | None = None,
        callback_method: HttpMethod | str | None = None,
        commands_callback_url: str | None = None,
        commands_callback_method: HttpMethod | str | None = None,
        account_sid: str | None = None,
        sms_url: str | None = None,
        sms_method: HttpMethod | str | None = None,
        sms_fallback_url: str | None = None,
        sms_fallback_method: HttpMethod | str | None = None,
        voice_url: str | None = None,
        voice_method: HttpMethod | str | None = None,
        voice_fallback_url: str | None = None,
        voice_fallback_method: HttpMethod | str | None = None,
    ) -> Sim:
        """Update a SIM's properties; only the arguments you pass are sent.

        A status change or connectivity reset (`reset_status="resetting"`) may be accepted
        with `202 Accepted` and finish in the background: the returned SIM then shows
        `status="updating"` (or `reset_status="resetting"`) until it settles.

        Args:
            sid: the SIM's SID or unique name.
            status: the new status: `ready`, `active`, `suspended`, `deactivated`, ...
            rate_plan: the SID (`WP...`) or unique name of the Rate Plan to assign.
            account_sid: move a `new` SIM to this (sub)account (`AC...`).
            callback_url, callback_method: called when a background change completes.
            Other arguments set the SIM property of the same name.

        Raises:
            BadRequestError: the API refused the change (e.g. an invalid transition).
            ValueError: an argument is invalid; nothing was sent.
        """
        sim, _ = await self._update(
            sid,
            status=status,
            unique_name=unique_name,
            friendly_name=friendly_name,
            rate_plan=rate_plan,
            reset_status=reset_status,
            callback_url=callback_url,
            callback_method=callback_method,
            commands_callback_url=commands_callback_url,
            commands_callback_method=commands_callback_method,
            account_sid=account_sid,
            sms_url=sms_url,
            sms_method=sms_method,
            sms_fallback_url=sms_fallback_url,
            sms_fallback_method=sms_fallback_method,
            voice_url=voice_url,
            voice_method=voice_method,
            voice_fallback_url=voice_fallback_url,
            voice_fallback_method=voice_fallback_method,
        )
        return sim

    async def _update(
        self,
        sid: str,
        *,
        status: SimStatus | str | None,
        unique_name: str | None,
        friendly_name: str | None,
        rate_plan: str | None,
        reset_status: SimResetStatus | str | None,
        callback_url: str | None,
        callback_method: HttpMethod | str | None,
        commands_callback_url: str | None,
        commands_callback_method: HttpMethod | str | None,
        account_sid: str | None,
        sms_url: str | None,
        sms_method: HttpMethod | str | None,
        sms_fallback_url: str | None,
        sms_fallback_method: HttpMethod | str | None,
        voice_url: str | None,
        voice_method: HttpMethod | str | None,
        voice_fallback_url: str | None,
        voice_fallback_method: HttpMethod | str | None,
    ) -> tuple[Sim, int]:
        """The update, and the HTTP status it was answered with (200 or 202)."""
        sid = p.identifier(sid, "sid", prefix="DE")
        body = UpdateSimRequest(
            status=p.enum_value(status, SimStatus, "status"),
            unique_name=p.text(unique_name, "unique_name"),
            friendly_name=p.text(friendly_name, "friendly_name"),
            rate_plan=p.optional_identifier(rate_plan, "rate_plan", prefix="WP"),
            reset_status=p.enum_value(reset_status, SimResetStatus, "reset_status"),
            callback_url=p.url(callback_url, "callback_url"),
            callback_method=p.enum_value(callback_method, HttpMethod, "callback_method"),
            commands_callback_url=p.url(commands_callback_url, "commands_callback_url"),
            commands_callback_method=p.enum_value(
                commands_callback_method, HttpMethod, "commands_callback_method"
            ),
            account_sid=p.optional_identifier(
                account_sid, "account_sid", prefix="AC", unique_name=False
            ),
            sms_url=p.url(sms_url, "sms_url"),
            sms_method=p.enum_value(sms_method, HttpMethod, "sms_method"),
            sms_fallback_url=p.url(sms_fallback_url, "sms_fallback_url"),
            sms_fallback_method=p.enum_value(
                sms_fallback_method, HttpMethod, "sms_fallback_method"
            ),
            voice_url=p.url(voice_url, "voice_url"),
            voice_method=p.enum_value(voice_method, HttpMethod, "voice_method"),
            voice_fallback_url=p.url(voice_fallback_url, "voice_fallback_url"),
            voice_fallback_method=p.enum_value(
                voice_fallback_method, HttpMethod, "voice_fallback_method"
            ),
        )
        # Setting fields to values is idempotent: sending the same update twice is harmless.
        return await self._call_with_status(
            update_sim.request_kwargs(sid, body=body), update_sim.parse_response, idempotent=True
        )

    async def delete(self, sid: str) -> None:
        """Delete a SIM (it must be in a status that allows it, e.g. `canceled`).

        Raises:
            NotFoundError: no such SIM.
            ValueError: `sid` is invalid; nothing was sent.
        """
        sid = p.identifier(sid, "sid", prefix="DE")
        await self._call(delete_sim.request_kwargs(sid), delete_sim.parse_response, idempotent=True)

    def list(
        self,
        *,
        status: SimStatus | str | None = None,
        iccid: str | None = None,
        rate_plan: str | None = None,
        e_id: str | None = None,
        sim_registration_code: str | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        page_url: str | None = None,
    ) -> AsyncPager[Sim]:
        """List SIMs, optionally filtered. Returns at once; requests are made as you iterate.

        Args:
            status, iccid, rate_plan, e_id, sim_registration_code: filters.
            limit: stop after this many SIMs (and fetch no page beyond them).
            page_size: SIMs per request, 1..1000 (default: the API's 50, or `limit`).
            page_url: resume from a `Page.next_page_url` saved earlier (no filters with it).

        Raises:
            ValueError: an argument is invalid; nothing was sent.
        """
        checked = {
            "status": p.enum_value(status, SimStatus, "status"),
            "iccid": p.text(iccid, "iccid", allow_empty=False),
            "rate_plan": p.optional_identifier(rate_plan, "rate_plan", prefix="WP"),
            "e_id": p.text(e_id, "e_id", allow_empty=False),
            "sim_registration_code": p.text(
                sim_registration_code, "sim_registration_code", allow_empty=False
            ),
        }
        max_items = p.limit(limit)
        size = p.page_size(page_size, max_items)
        return self._pager(
            first_request=lambda: list_sim.request_kwargs(**checked, page_size=size),  # type: ignore[arg-type]
            page_url=page_url,
            filters={
                "status": status,
                "iccid": iccid,
                "rate_plan": rate_plan,
                "e_id": e_id,
                "sim_registration_code": sim_registration_code,
                "page_size": page_size,
            },
            list_path="/v1/Sims",
            parse=list_sim.parse_response,
            items=lambda page: page.sims,
            limit=max_items,
        )

    def usage_records(
        self,
        sim_sid: str,
        *,
        start: dt.datetime | None = None,
        end: dt.datetime | None = None,
        granularity: SimUsageRecordGranularity | str | None = None,
        limit: int | None = None,
        page_size: int | None = None,
        page_url: str | None = None,
    ) -> AsyncPager[SimUsageRecord]:
        """List one SIM's usage records.

        Args:
            sim_sid: the SIM's SID or unique name.
            start, end: timezone-aware datetimes, sent as UTC `YYYY-MM-DDTHH:MM:SSZ`
                (default: the month before `end`, which defaults to now).
            granularity: `hourly`, `daily` or `all` (the default: one record).
            limit, page_size, page_url: as for `list()`.

        Raises:
            ValueError: an argument is invalid (e.g. a naive datetime); nothing was sent.
        """
        sim_sid = p.identifier(sim_sid, "sim_sid", prefix="DE")
        start_at = p.utc_datetime(start, "start")
        end_at = p.utc_datetime(end, "end")
        grain = p.enum_value(granularity, SimUsageRecordGranularity, "granularity")
        max_items = p.limit(limit)
        size = p.page_size(page_size, max_items)
        return self._pager(
            first_request=lambda: list_usage_record.request_kwargs(
                sim_sid, start=start_at, end=end_at, granularity=grain, page_size=size
            ),
            page_url=page_url,
            filters={
                "start": start,
                "end": end,
                "granularity": granularity,
                "page_size": page_size,
            },
            list_path=f"/v1/Sims/{sim_sid}/UsageRecords",
            parse=list_usage_record.parse_response,
            items=lambda page: page.usage_records,
            limit=max_items,
        )

    def data_sessions(
        self,
        sim_sid: str,
        *,
        limit: int | None = None,
        page_size: int | None = None,
        page_url: str | None = None,
    ) -> AsyncPager[DataSession]:
        """List one SIM's data sessions (the API covers at most the last 30 days).

        Args:
            sim_sid: the SIM's SID or unique name.
            limit, page_size, page_url: as for `list()`.

        Raises:
            ValueError: an argument is invalid; nothing was sent.
        """
        sim_sid = p.identifier(sim_sid, "sim_sid", prefix="DE")
        max_items = p.limit(limit)
        size = p.page_size(page_size, max_items)
        return self._pager(
            first_request=lambda: list_data_session.request_kwargs(sim_sid, page_size=size),
            page_url=page_url,
            filters={"page_size": page_size},
            list_path=f"/v1/Sims/{sim_sid}/DataSessions",
            parse=list_data_session.parse_response,
            items=lambda page: page.data_sessions,
            limit=max_items,
        )
