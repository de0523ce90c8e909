"""What a SIM status callback says, and what answering one came to."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from types import MappingProxyType

import attrs

__all__ = ["CallbackResult", "SimStatusCallback"]


def _frozen_params(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


def _text(params: Mapping[str, str], *names: str) -> str | None:
    for name in names:
        value = params.get(name)
        if value:  # Twilio sends empty strings for fields the SIM does not have
            return value
    return None


def _timestamp(value: str | None) -> dt.datetime | None:
    if value is None:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    # A naive time from the API is UTC, as every date the API sends is.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=dt.UTC)


@attrs.frozen(kw_only=True)
class SimStatusCallback:
    """A SIM status callback: Twilio calling the `CallbackUrl` of a SIM update once the
    change (status, rate plan, connectivity reset...) has completed.

    Attributes:
        sim_sid: the SIM's SID (`SimSid`, or `Sid`).
        status: the SIM's status now (`Status`); compare with `tw.SimStatus` members.
        account_sid: the account the SIM belongs to (`AccountSid`).
        unique_name: the SIM's unique name (`UniqueName`), None if it has none.
        iccid: the SIM's ICCID (`Iccid`).
        rate_plan_sid: the SIM's Rate Plan (`RatePlanSid`).
        reset_status: `"completed"` on the callback of a connectivity reset (`ResetStatus`).
        date_updated: when the SIM last changed (`DateUpdated`), timezone-aware.
        idempotency_token: the `I-Twilio-Idempotency-Token` header (the same on every
            delivery attempt of one callback), None if it was not sent.
        method: how it came: `"POST"` (form body) or `"GET"` (query string).
        params: every parameter received, also those not listed above (Twilio may add
            parameters at any time).
    """

    sim_sid: str
    status: str | None = None
    account_sid: str | None = None
    unique_name: str | None = None
    iccid: str | None = None
    rate_plan_sid: str | None = None
    reset_status: str | None = None
    date_updated: dt.datetime | None = None
    idempotency_token: str | None = None
    method: str = "POST"
    params: Mapping[str, str] = attrs.field(
        factory=dict, converter=_frozen_params, repr=False, hash=False
    )

    @classmethod
    def from_params(
        cls,
        params: Mapping[str, str],
        *,
        method: str = "POST",
        idempotency_token: str | None = None,
    ) -> SimStatusCallback:
        """Read a callback from its parameters (already validated as Twilio's).

        Raises:
            ValueError: the parameters are not a SIM status callback: no `SimSid`/`Sid`,
                or a `CommandSid` (a Command's callback, which reports the Command).
        """
        if params.get("CommandSid"):
            raise ValueError(
                "a Command callback (it has CommandSid), not a SIM status callback; "
                "point the SIM's CommandsCallbackUrl at another endpoint"
            )
        sim_sid = _text(params, "SimSid", "Sid")
        if sim_sid is None:
            raise ValueError("not a SIM status callback: it has no SimSid (nor Sid)")
        return cls(
            sim_sid=sim_sid,
            status=_text(params, "Status"),
            account_sid=_text(params, "AccountSid"),
            unique_name=_text(params, "UniqueName"),
            iccid=_text(params, "Iccid"),
            rate_plan_sid=_text(params, "RatePlanSid"),
            reset_status=_text(params, "ResetStatus"),
            date_updated=_timestamp(_text(params, "DateUpdated")),
            idempotency_token=idempotency_token or None,
            method=method.upper(),
            params=params,
        )


@attrs.frozen(kw_only=True)
class CallbackResult:
    """How a `StatusCallbackReceiver` answered one request.

    Send `status_code` with `reason` as a `text/plain` body and `headers` (e.g. `Allow`
    on a 405): that is what the receiver's own ASGI app does, except that it acknowledges
    an accepted callback with an empty 200 (Twilio reads only the status).

    Attributes:
        status_code: 200 accepted (or a duplicate acknowledged), 400 not a SIM status
            callback, 403 signature missing or wrong, 405 method, 413 body too large,
            500 the `on_callback` hook raised.
        reason: a plain-text explanation (never holds a credential).
        callback: the parsed callback, once the signature was checked (also on a
            duplicate); None otherwise.
        duplicate: True if this `I-Twilio-Idempotency-Token` was already delivered: the
            request is acknowledged but the application is not told again.
        headers: extra response headers.
    """

    status_code: int
    reason: str
    callback: SimStatusCallback | None = None
    duplicate: bool = False
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """True for a 2xx answer: Twilio will not retry it."""
        return 200 <= self.status_code < 300
