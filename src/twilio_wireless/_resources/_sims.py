"""SIMs: fetch, update, delete, list, and each SIM's usage records and data sessions."""

from __future__ import annotations

from collections.abc import AsyncIterable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Unpack

from twilio_wireless_openapi.api.wireless_v1_sim import delete_sim, fetch_sim
from twilio_wireless_openapi.models.sim import Sim

from .. import _params as p
from .._errors import APIError
from .._lazy import lazy_module
from .._pagination import AsyncPager
from .._polling import SimStatusChange, is_settled
from .._wire import WireResponse
from ._base import PAGER_PARAMETERS, Resource, sends

if TYPE_CHECKING:
    from twilio_wireless_openapi.api.wireless_v1_data_session import list_data_session
    from twilio_wireless_openapi.api.wireless_v1_sim import list_sim, update_sim
    from twilio_wireless_openapi.api.wireless_v1_usage_record import list_usage_record
    from twilio_wireless_openapi.models import (
        data_session_page,
        http_method,
        sim_page,
        sim_status,
        sim_usage_record_page,
    )
    from twilio_wireless_openapi.models.data_session import DataSession
    from twilio_wireless_openapi.models.sim_usage_record import SimUsageRecord

    from .._batch import BatchProgress, BatchResults
    from .._http import Requester
    from .._later import Later
    from .._webhooks import CallbackWaiter, SimStatusCallback
else:
    # Loaded on first use: a first fetch needs none of these (see _lazy).
    _API = "twilio_wireless_openapi.api."
    _MODELS = "twilio_wireless_openapi.models."
    list_data_session = lazy_module(_API + "wireless_v1_data_session.list_data_session")
    list_sim = lazy_module(_API + "wireless_v1_sim.list_sim")
    update_sim = lazy_module(_API + "wireless_v1_sim.update_sim")
    list_usage_record = lazy_module(_API + "wireless_v1_usage_record.list_usage_record")
    http_method = lazy_module(_MODELS + "http_method")
    data_session_page = lazy_module(_MODELS + "data_session_page")
    sim_page = lazy_module(_MODELS + "sim_page")
    sim_status = lazy_module(_MODELS + "sim_status")
    sim_usage_record_page = lazy_module(_MODELS + "sim_usage_record_page")


def __getattr__(name: str) -> Any:
    # SimUpdate (exported as tw.SimUpdate) is UpdateSim's generated Params, loaded lazily.
    if name == "SimUpdate":
        return update_sim.Params
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


if TYPE_CHECKING:
    SimUpdate = update_sim.Params
    """The fields `sims.update()` can set: UpdateSim's body, from the spec (None: not sent)."""

# Parameters that name another resource: its SID (of this kind) or its unique name.
_UPDATE_IDENTIFIERS = {"rate_plan": "WP", "account_sid": "AC"}
_LIST_IDENTIFIERS = {"rate_plan": "WP"}


def _expect_callback(
    requester: Requester,
    sid: str,
    values: dict[str, Any],
    status: sim_status.SimStatus | None,
) -> CallbackWaiter | None:
    """With the client's status-callback receiver, a status change asks Twilio to call it
    (unless the caller gave a `callback_url`) and its wait listens there first."""
    receiver = requester.options.status_callbacks
    if receiver is None or status is None or "callback_url" in values:
        return None
    values["callback_url"] = receiver.url
    values["callback_method"] = http_method.HttpMethod(receiver.method)
    # Registered before the request: the callback may come before the answer does.
    return receiver.expect(sid, match=_settled_callback)


def _settled_callback(callback: SimStatusCallback) -> bool:
    return callback.status != "updating"


def _update_values(fields: Mapping[str, object]) -> dict[str, Any]:
    return p.check(update_sim, fields, identifiers=_UPDATE_IDENTIFIERS)


# SIMs in progress per request the client's cap allows, while update_many waits them out:
# settling takes ~2 s, and 100 requests in flight of ~50 ms serve 2,000 SIMs a second.
_WAITING_PER_REQUEST = 40


def _answered_sid(asked: str, sim: Sim, name: object, response: WireResponse) -> str:
    """The SID a SIM update was answered with, checked to be the SIM that was asked for.

    It is server data: an invalid SID, another SID than the one asked for or (asked by
    unique name, `name` given) a SIM under another name than `name` (the asked or new
    unique name) is the server's error, and no SIM is polled.
    """
    answered: object = sim.sid
    problem = None
    if not isinstance(answered, str) or not p.is_sid(answered, "DE"):
        problem = "an invalid SID"
    elif p.is_sid(asked, "DE"):
        if answered.lower() != asked.lower():
            problem = f"another SIM's SID ({answered})"
    elif name is not None and sim.unique_name != name:
        problem = f"another SIM ({answered}, not named {name!r})"
    if problem is None:
        assert isinstance(answered, str)
        return answered
    raise APIError(
        f"the server answered the update of SIM {asked!r} with {problem}; it was not waited for",
        response=response,
    )


class SimsResource(Resource):
    """`client.sims`: the SIMs on your account.

    Wherever a SIM is named, its SID (`DE...`) or its `unique_name` works.
    """

    @sends(fetch_sim)
    async def fetch(self, sid: str) -> Sim:
        """Fetch one SIM by SID or unique name.

        Raises:
            NotFoundError: no such SIM on this account.
            ValueError: `sid` is empty, `.`/`..`, or another resource's SID.
        """
        sid = p.path_identifier(fetch_sim, "sid", sid, prefix="DE")
        sim: Sim = await self._send(fetch_sim, (sid,), {})
        return sim

    @sends(update_sim)
    async def update(
        self, sid: str, *, wait: bool = True, **fields: Unpack[update_sim.Params]
    ) -> Sim:
        """Update a SIM's properties; only the fields you pass are sent.

        A status change or connectivity reset (`reset_status="resetting"`) may be accepted
        with `202 Accepted` and finish in the background. By default this waits for it
        (polling with the client's PollPolicy) and returns the settled SIM; `wait=False`
        returns the 202 body at once (`status="updating"`). See `begin_update()` for a
        handle on the change.

        Args:
            sid: the SIM's SID or unique name.
            wait: wait for a background change to settle (default True).
            **fields: UpdateSim's body parameters as the spec declares them (`SimUpdate`),
                e.g. `status` (`tw.SimStatus` or its value), `reset_status="resetting"`,
                `unique_name`, `friendly_name`, `rate_plan` (a `WP...` SID or unique name),
                `account_sid` (`AC...`), `callback_url`/`callback_method`.

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

    @sends(update_sim)
    async def begin_update(self, sid: str, **fields: Unpack[update_sim.Params]) -> SimStatusChange:
        """Send an update and return a `SimStatusChange` handle without waiting.

        `change.accepted` tells whether the API answered 202; `await change.wait()` polls
        until the SIM settles. Takes the same fields as `update()`.

        Raises:
            BadRequestError: the API refused the change.
            ValueError: an argument is invalid; nothing was sent.
        """
        sid = p.path_identifier(update_sim, "sid", sid, prefix="DE")
        return await self._begin_checked(sid, _update_values(fields))

    async def _begin_checked(
        self, sid: str, values: dict[str, Any], batch: dict[str, Any] | None = None
    ) -> SimStatusChange:
        """`begin_update()` of checked values. `batch`: shared by the SIMs of one
        update_many, which all send the same form, built and encoded once (for the first)."""
        requester = self._requester
        status: sim_status.SimStatus | None = values.get("status")
        reset = "reset_status" in values
        waiter = _expect_callback(requester, sid, values, status)
        body = None if batch is None else batch.get("body")
        if body is None:
            request = requester.build_request(update_sim.request_kwargs_from(sid, params=values))
            if batch is not None:
                batch["body"] = request.body
        else:  # the same form as the first SIM's, encoded once
            request = requester.build_request(update_sim.request_kwargs(sid), body)
        try:
            response = await requester.send(request, idempotent=True)  # sets fields to values
            sim: Sim = requester.parse(response, update_sim.parse_response)
            # Poll by the SID the API answered with (the update may have renamed the SIM),
            # once it is sure to be this SIM's: the name is checked where a poll would follow.
            name = values.get("unique_name", sid) if not is_settled(sim, reset=reset) else None
            answered = _answered_sid(sid, sim, name, response)
        except BaseException:
            if waiter is not None:
                waiter.close()
            raise
        return self._change(
            answered,
            initial=sim,
            accepted=response.status_code == 202,
            status=None if status is None else status.value,
            reset=reset,
            waiter=waiter,
        )

    def resume_update(
        self, sid: str, *, status: sim_status.SimStatus | str | None = None, reset: bool = False
    ) -> SimStatusChange:
        """A handle to wait for a change begun earlier (e.g. before a restart), from the SID.

        Args:
            sid: the SIM's SID or unique name.
            status: the status that was asked for, checked when the SIM settles.
            reset: whether a connectivity reset is being waited for.

        `await handle.wait()` polls at once. Raises ValueError for invalid arguments.
        """
        sid = p.path_identifier(update_sim, "sid", sid, prefix="DE")
        target = None if status is None else p.enum_member(status, sim_status.SimStatus, "status")
        return self._change(
            sid,
            initial=None,
            accepted=True,
            status=None if target is None else target.value,
            reset=p.boolean(reset, "reset"),
        )

    @sends(update_sim)
    def update_many(
        self,
        sids: Iterable[str] | AsyncIterable[str],
        *,
        concurrency: int | None = None,
        wait: bool = True,
        on_progress: Callable[[BatchProgress], object] | None = None,
        **fields: Unpack[update_sim.Params],
    ) -> BatchResults[Sim]:
        """Apply the same update to many SIMs, as fast as the account allows.

        Yields a `BatchResult` per SIM as each completes (`sid`, and the settled SIM as
        `value` or the exception as `error`); one SIM's failure never stops the others.
        Use `async with` around the iteration if you may stop early: a batch stopped early
        tells which SIMs were in flight and which were never started (see `BatchResults`).

        The client's cap on requests in flight paces it (by default adaptive: it finds the
        account's limit from 429s), and a SIM whose update keeps being refused with 429
        is sent again until the retry policy's deadline, instead of failing.

        Args:
            sids: SIDs or unique names (an iterable or async iterable).
            concurrency: at most this many SIMs in progress at once (default: as many as
                the client's cap allows requests in flight, as it adapts; with `wait=True`
                40 times that, since a waiting SIM holds no request between its polls, and
                a change takes seconds to settle: 4,000 SIMs changing keep 100 requests
                in flight busy. Lower it to bound memory on a small machine).
            wait: wait for each change accepted with 202 to settle (default True).
            on_progress: called with a `BatchProgress` as SIMs start and finish.
            **fields: as for `update()`.

        Raises:
            ValueError: an argument is invalid; nothing was sent.
        """
        values = _update_values(fields)  # refuse bad fields before anything is sent
        batch: dict[str, Any] = {}  # every SIM is sent the same fields: checked, built once

        async def one(sid: str) -> Sim | Later[Sim]:
            sid = p.path_identifier(update_sim, "sid", sid, prefix="DE")
            change = await self._begin_checked(sid, dict(values), batch)
            if not wait:
                assert change.initial is not None
                return change.initial
            # With status callbacks, the SIM's callback ends its wait: no task waits.
            later = change._settle_later()
            return later if later is not None else await change.wait()

        return self._paced_batch(
            sids,
            one,
            concurrency=concurrency,
            on_progress=on_progress,
            # A SIM waiting for its change to settle sends a poll now and then (or nothing,
            # with status callbacks): many more can wait than requests can be in flight.
            per_request=_WAITING_PER_REQUEST if wait else 1,
        )

    async def _poll_once(self, sid: str, time_left: float) -> Sim:
        """One poll of a 202 wait: its request and retries end within `time_left` seconds."""
        sim: Sim = await self._send(fetch_sim, (sid,), {}, self._requester.within(time_left))
        return sim

    def _change(
        self,
        sid: str,
        *,
        initial: Sim | None,
        accepted: bool,
        status: str | None,
        reset: bool,
        waiter: CallbackWaiter | None = None,
    ) -> SimStatusChange:
        requester = self._requester
        return SimStatusChange(
            waiter=waiter,
            sid=sid,
            fetch=self._poll_once,
            clock=requester.clock,
            policy=requester.options.poll,
            initial=initial,
            accepted=accepted,
            status=status,
            reset=reset,
        )

    @sends(delete_sim)
    async def delete(self, sid: str) -> None:
        """Delete a SIM (it must be in a status that allows it, e.g. `canceled`).

        Raises:
            NotFoundError: no such SIM.
            ValueError: `sid` is invalid; nothing was sent.
        """
        sid = p.path_identifier(delete_sim, "sid", sid, prefix="DE")
        await self._send(delete_sim, (sid,), {})

    @sends(list_sim, owned=PAGER_PARAMETERS)
    def list(
        self,
        *,
        limit: int | None = None,
        page_url: str | None = None,
        **filters: Unpack[list_sim.Params],
    ) -> AsyncPager[Sim]:
        """List SIMs, optionally filtered. Returns at once; requests are made as you iterate.

        Args:
            limit: stop after this many SIMs (and fetch no page beyond them).
            page_url: resume from a `Page.next_page_url` saved earlier (no filters with it).
            **filters: ListSim's query parameters as the spec declares them, e.g. `status`,
                `iccid`, `rate_plan` (a `WP...` SID or unique name), and `page_size`
                (SIMs per request; default: the API's, or no more than `limit` needs).

        Raises:
            ValueError: an argument is invalid; nothing was sent.
        """
        return self._pager(
            list_sim,
            (),
            given=filters,
            identifiers=_LIST_IDENTIFIERS,
            parse=sim_page.SimPage.from_dict,
            items=lambda page: page.sims,
            limit=limit,
            page_url=page_url,
        )

    @sends(list_usage_record, owned=PAGER_PARAMETERS)
    def usage_records(
        self,
        sim_sid: str,
        *,
        limit: int | None = None,
        page_url: str | None = None,
        **filters: Unpack[list_usage_record.Params],
    ) -> AsyncPager[SimUsageRecord]:
        """List one SIM's usage records.

        Args:
            sim_sid: the SIM's SID or unique name.
            limit, page_url: as for `list()`.
            **filters: ListUsageRecord's query parameters: `start` and `end` (timezone-aware
                datetimes, sent as UTC `YYYY-MM-DDTHH:MM:SSZ`), `granularity`
                (`hourly`, `daily` or `all`), `page_size`.

        Raises:
            ValueError: an argument is invalid (e.g. a naive datetime); nothing was sent.
        """
        sim_sid = p.path_identifier(list_usage_record, "sim_sid", sim_sid, prefix="DE")
        return self._pager(
            list_usage_record,
            (sim_sid,),
            given=filters,
            parse=sim_usage_record_page.SimUsageRecordPage.from_dict,
            items=lambda page: page.usage_records,
            limit=limit,
            page_url=page_url,
        )

    @sends(list_data_session, owned=PAGER_PARAMETERS)
    def data_sessions(
        self,
        sim_sid: str,
        *,
        limit: int | None = None,
        page_url: str | None = None,
        **filters: Unpack[list_data_session.Params],
    ) -> AsyncPager[DataSession]:
        """List one SIM's data sessions (the API covers at most the last 30 days).

        Args:
            sim_sid: the SIM's SID or unique name.
            limit, page_url, page_size: as for `list()`.

        Raises:
            ValueError: an argument is invalid; nothing was sent.
        """
        sim_sid = p.path_identifier(list_data_session, "sim_sid", sim_sid, prefix="DE")
        return self._pager(
            list_data_session,
            (sim_sid,),
            given=filters,
            parse=data_session_page.DataSessionPage.from_dict,
            items=lambda page: page.data_sessions,
            limit=limit,
            page_url=page_url,
        )
