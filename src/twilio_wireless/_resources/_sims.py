"""SIMs: fetch, update, delete, list, and each SIM's usage records and data sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterable, Iterable, Mapping
from typing import Any, TypedDict, Unpack

from twilio_wireless_openapi.api.wireless_v1_data_session import list_data_session
from twilio_wireless_openapi.api.wireless_v1_sim import delete_sim, fetch_sim, list_sim, update_sim
from twilio_wireless_openapi.api.wireless_v1_usage_record import list_usage_record
from twilio_wireless_openapi.models.data_session import DataSession
from twilio_wireless_openapi.models.data_session_page import DataSessionPage
from twilio_wireless_openapi.models.http_method import HttpMethod
from twilio_wireless_openapi.models.sim import Sim
from twilio_wireless_openapi.models.sim_page import SimPage
from twilio_wireless_openapi.models.sim_reset_status import SimResetStatus
from twilio_wireless_openapi.models.sim_status import SimStatus
from twilio_wireless_openapi.models.sim_usage_record import SimUsageRecord
from twilio_wireless_openapi.models.sim_usage_record_granularity import SimUsageRecordGranularity
from twilio_wireless_openapi.models.sim_usage_record_page import SimUsageRecordPage
from twilio_wireless_openapi.models.update_sim_request import UpdateSimRequest
from twilio_wireless_openapi.types import Unset

from .. import _params as p
from .._batch import BatchResults
from .._pagination import AsyncPager
from .._polling import SimStatusChange
from ._base import Resource


class SimUpdate(TypedDict, total=False):
    """The fields `sims.update()` can set (every one optional; None means not sent)."""

    status: SimStatus | str | None
    reset_status: SimResetStatus | str | None
    unique_name: str | None
    friendly_name: str | None
    rate_plan: str | None
    account_sid: str | None
    callback_url: str | None
    callback_method: HttpMethod | str | None
    commands_callback_url: str | None
    commands_callback_method: HttpMethod | str | None
    sms_url: str | None
    sms_method: HttpMethod | str | None
    sms_fallback_url: str | None
    sms_fallback_method: HttpMethod | str | None
    voice_url: str | None
    voice_method: HttpMethod | str | None
    voice_fallback_url: str | None
    voice_fallback_method: HttpMethod | str | None


_URL_FIELDS = (
    "callback_url",
    "commands_callback_url",
    "sms_url",
    "sms_fallback_url",
    "voice_url",
    "voice_fallback_url",
)
_METHOD_FIELDS = tuple(name.replace("_url", "_method") for name in _URL_FIELDS)


def _update_body(fields: Mapping[str, object]) -> UpdateSimRequest:
    unknown = sorted(set(fields) - set(SimUpdate.__annotations__))
    if unknown:
        raise ValueError(
            f"unknown SIM field(s) {unknown}; expected some of {sorted(SimUpdate.__annotations__)}"
        )
    values: dict[str, Any] = {
        "status": p.enum_value(fields.get("status"), SimStatus, "status"),
        "reset_status": p.enum_value(fields.get("reset_status"), SimResetStatus, "reset_status"),
        "unique_name": p.text(fields.get("unique_name"), "unique_name"),
        "friendly_name": p.text(fields.get("friendly_name"), "friendly_name"),
        "rate_plan": p.optional_identifier(fields.get("rate_plan"), "rate_plan", prefix="WP"),
        "account_sid": p.optional_identifier(
            fields.get("account_sid"), "account_sid", prefix="AC", unique_name=False
        ),
    }
    for name in _URL_FIELDS:
        values[name] = p.url(fields.get(name), name)
    for name in _METHOD_FIELDS:
        values[name] = p.enum_value(fields.get(name), HttpMethod, name)
    return UpdateSimRequest(**values)


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

    async def update(self, sid: str, *, wait: bool = True, **fields: Unpack[SimUpdate]) -> Sim:
        """Update a SIM's properties; only the fields you pass are sent.

        A status change or connectivity reset (`reset_status="resetting"`) may be accepted
        with `202 Accepted` and finish in the background. By default this waits for it
        (polling with the client's PollPolicy) and returns the settled SIM; `wait=False`
        returns the 202 body at once (`status="updating"`). See `begin_update()` for a
        handle on the change.

        Args:
            sid: the SIM's SID or unique name.
            wait: wait for a background change to settle (default True).
            status: the new status: `ready`, `active`, `suspended`, `deactivated`, ...
            reset_status: `resetting` to reset the SIM's connectivity.
            unique_name, friendly_name: names; `unique_name` can address the SIM later.
            rate_plan: the SID (`WP...`) or unique name of the Rate Plan to assign.
            account_sid: move a `new` SIM to this (sub)account (`AC...`).
            callback_url, callback_method: called when a background change completes.
            commands_callback_url, commands_callback_method: called for Commands from the SIM.
            sms_*, voice_*: deprecated SIM properties, still settable.

        Raises:
            BadRequestError: the API refused the change (e.g. an invalid transition).
            SimStatusChangeError: the SIM settled in another status than `status`.
            PollTimeoutError: it did not settle within the PollPolicy's timeout.
            ValueError: an argument is invalid; nothing was sent.
        """
        change = await self.begin_update(sid, **fields)
        if not wait:
            assert change.initial is not None
            return change.initial
        return await change.wait()

    async def begin_update(self, sid: str, **fields: Unpack[SimUpdate]) -> SimStatusChange:
        """Send an update and return a `SimStatusChange` handle without waiting.

        `change.accepted` tells whether the API answered 202; `await change.wait()` polls
        until the SIM settles. Takes the same fields as `update()`.

        Raises:
            BadRequestError: the API refused the change.
            ValueError: an argument is invalid; nothing was sent.
        """
        sid = p.identifier(sid, "sid", prefix="DE")
        body = _update_body(fields)
        sim, status_code = await self._call_with_status(
            # Setting fields to values is idempotent: sending it twice is harmless.
            update_sim.request_kwargs(sid, body=body),
            update_sim.parse_response,
            idempotent=True,
        )
        # Poll by the SID the API answered with: the update may have renamed the SIM.
        return self._change(
            sim.sid if isinstance(sim.sid, str) and sim.sid else sid,
            initial=sim,
            accepted=status_code == 202,
            status=None if isinstance(body.status, Unset) else body.status.value,
            reset=not isinstance(body.reset_status, Unset),
        )

    def resume_update(
        self, sid: str, *, status: SimStatus | str | None = None, reset: bool = False
    ) -> SimStatusChange:
        """A handle to wait for a change begun earlier (e.g. before a restart), from the SID.

        Args:
            sid: the SIM's SID or unique name.
            status: the status that was asked for, checked when the SIM settles.
            reset: whether a connectivity reset is being waited for.

        `await handle.wait()` polls at once. Raises ValueError for invalid arguments.
        """
        sid = p.identifier(sid, "sid", prefix="DE")
        target = p.enum_value(status, SimStatus, "status")
        return self._change(
            sid,
            initial=None,
            accepted=True,
            status=None if isinstance(target, Unset) else target.value,
            reset=bool(p.boolean(reset, "reset")),
        )

    def update_many(
        self,
        sids: Iterable[str] | AsyncIterable[str],
        *,
        concurrency: int = 10,
        wait: bool = True,
        **fields: Unpack[SimUpdate],
    ) -> BatchResults[Sim]:
        """Apply the same update to many SIMs, at most `concurrency` at a time.

        Yields a `BatchResult` per SIM as each completes (`sid`, and the settled SIM as
        `value` or the exception as `error`); one SIM's failure never stops the others.
        Use `async with` around the iteration if you may stop early.

        Raises:
            ValueError: an argument is invalid; nothing was sent.
        """
        _update_body(fields)  # refuse bad fields before anything is sent

        async def one(sid: str) -> Sim:
            return await self.update(sid, wait=wait, **fields)

        return BatchResults(sids, one, concurrency=concurrency)

    def _change(
        self, sid: str, *, initial: Sim | None, accepted: bool, status: str | None, reset: bool
    ) -> SimStatusChange:
        requester = self._requester
        return SimStatusChange(
            sid=sid,
            fetch=self.fetch,
            connection=requester.connection,
            policy=requester.options.poll,
            initial=initial,
            accepted=accepted,
            status=status,
            reset=reset,
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
        return self._pager(
            first_request=lambda size: list_sim.request_kwargs(**checked, page_size=size),  # type: ignore[arg-type]
            page_url=page_url,
            filters={
                "status": status,
                "iccid": iccid,
                "rate_plan": rate_plan,
                "e_id": e_id,
                "sim_registration_code": sim_registration_code,
            },
            list_path="/v1/Sims",
            parse=SimPage.from_dict,
            items=lambda page: page.sims,
            limit=limit,
            page_size=page_size,
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
        return self._pager(
            first_request=lambda size: list_usage_record.request_kwargs(
                sim_sid, start=start_at, end=end_at, granularity=grain, page_size=size
            ),
            page_url=page_url,
            filters={
                "start": start,
                "end": end,
                "granularity": granularity,
            },
            list_path="/v1/Sims/*/UsageRecords",
            parse=SimUsageRecordPage.from_dict,
            items=lambda page: page.usage_records,
            limit=limit,
            page_size=page_size,
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
        return self._pager(
            first_request=lambda size: list_data_session.request_kwargs(sim_sid, page_size=size),
            page_url=page_url,
            filters={},
            list_path="/v1/Sims/*/DataSessions",
            parse=DataSessionPage.from_dict,
            items=lambda page: page.data_sessions,
            limit=limit,
            page_size=page_size,
        )
