"""The stored resources, each caching its own JSON so a page is a join of bytes.

A record renders once into a template split around its base URL (scheme and host), so
the same cached bytes serve requests made to any host; `json_bytes(base)` caches the last
rendering too. Any change calls `touch()`, which drops both.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

__all__ = [
    "CommandRecord",
    "RatePlanRecord",
    "Record",
    "SimRecord",
    "format_date",
]

# Stands for the base URL inside cached JSON; random, so no user value can collide.
_BASE = f"@@base-{secrets.token_hex(8)}@@"
_BASE_BYTES = _BASE.encode("ascii")


def format_date(value: dt.datetime) -> str:
    """Twilio's date format: `2015-07-30T20:00:00Z` (UTC, whole seconds)."""
    if value.utcoffset():
        value = value.astimezone(dt.UTC)
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
        f"T{value.hour:02d}:{value.minute:02d}:{value.second:02d}Z"
    )


def _dumps(data: dict[str, Any]) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode("ascii")


class Record:
    """Base of the stored resources: a SID, an insertion sequence and a JSON cache."""

    __slots__ = (
        "_parts",
        "_rendered",
        "_rendered_base",
        "date_created",
        "date_updated",
        "extras",
        "seq",
        "sid",
    )

    def __init__(self, sid: str, seq: int, created: str) -> None:
        self.sid = sid
        self.seq = seq
        self.date_created = created
        self.date_updated = created
        # Fields the spec documents that this record does not model: sent as null.
        self.extras: tuple[str, ...] = ()
        self._parts: list[bytes] | None = None
        self._rendered_base: bytes | None = None
        self._rendered = b""

    def to_dict(self, base: str) -> dict[str, Any]:  # pragma: no cover - abstract
        raise NotImplementedError

    def document(self, base: str) -> dict[str, Any]:
        """The resource's JSON object, with URLs on `base`."""
        data = self.to_dict(base)
        for name in self.extras:
            data.setdefault(name, None)
        return data

    def touch(self, updated: str | None = None) -> None:
        """Forget the cached JSON (call after every change)."""
        if updated is not None:
            self.date_updated = updated
        self._parts = None
        self._rendered_base = None

    def json_bytes(self, base: bytes) -> bytes:
        """This resource's JSON with URLs on `base` (e.g. b"http://host:8080")."""
        if self._rendered_base == base:
            return self._rendered
        parts = self._parts
        if parts is None:
            parts = self._parts = _dumps(self.document(_BASE)).split(_BASE_BYTES)
        rendered = base.join(parts)
        self._rendered_base = base
        self._rendered = rendered
        return rendered


class SimRecord(Record):
    __slots__ = (
        "account_sid",
        "commands_callback_method",
        "commands_callback_url",
        "e_id",
        "friendly_name",
        "iccid",
        "ip_address",
        "pending_status",
        "rate_plan_sid",
        "reset_status",
        "sim_registration_code",
        "sms_fallback_method",
        "sms_fallback_url",
        "sms_method",
        "sms_url",
        "status",
        "token",
        "unique_name",
        "voice_fallback_method",
        "voice_fallback_url",
        "voice_method",
        "voice_url",
    )

    def __init__(
        self,
        sid: str,
        seq: int,
        created: str,
        *,
        account_sid: str,
        iccid: str,
        status: str,
        unique_name: str | None = None,
        friendly_name: str | None = None,
        rate_plan_sid: str | None = None,
        e_id: str | None = None,
        sim_registration_code: str | None = None,
        ip_address: str | None = None,
    ) -> None:
        super().__init__(sid, seq, created)
        self.account_sid = account_sid
        self.unique_name = unique_name
        self.friendly_name = friendly_name
        self.iccid = iccid
        self.e_id = e_id
        self.sim_registration_code = sim_registration_code
        self.rate_plan_sid = rate_plan_sid
        self.status = status
        self.reset_status: str | None = None
        # The status an `updating` SIM settles to, and a counter that voids stale timers.
        self.pending_status: str | None = None
        self.token = 0
        self.ip_address = ip_address
        self.commands_callback_url: str | None = None
        self.commands_callback_method = "POST"
        self.sms_url: str | None = None
        self.sms_method = "POST"
        self.sms_fallback_url: str | None = None
        self.sms_fallback_method = "POST"
        self.voice_url: str | None = None
        self.voice_method = "POST"
        self.voice_fallback_url: str | None = None
        self.voice_fallback_method = "POST"

    def to_dict(self, base: str) -> dict[str, Any]:
        url = f"{base}/v1/Sims/{self.sid}"
        links = {"data_sessions": f"{url}/DataSessions"}
        if self.rate_plan_sid:  # links are URLs: a SIM without a Rate Plan has no such link
            links["rate_plan"] = f"{base}/v1/RatePlans/{self.rate_plan_sid}"
        links["usage_records"] = f"{url}/UsageRecords"
        return {
            "sid": self.sid,
            "unique_name": self.unique_name,
            "account_sid": self.account_sid,
            "rate_plan_sid": self.rate_plan_sid,
            "friendly_name": self.friendly_name,
            "iccid": self.iccid,
            "e_id": self.e_id,
            "status": self.status,
            "reset_status": self.reset_status,
            "commands_callback_url": self.commands_callback_url,
            "commands_callback_method": self.commands_callback_method,
            "sms_fallback_method": self.sms_fallback_method,
            "sms_fallback_url": self.sms_fallback_url,
            "sms_method": self.sms_method,
            "sms_url": self.sms_url,
            "voice_fallback_method": self.voice_fallback_method,
            "voice_fallback_url": self.voice_fallback_url,
            "voice_method": self.voice_method,
            "voice_url": self.voice_url,
            "date_created": self.date_created,
            "date_updated": self.date_updated,
            "url": url,
            "links": links,
            "ip_address": self.ip_address,
        }


class RatePlanRecord(Record):
    __slots__ = (
        "account_sid",
        "data_enabled",
        "data_limit",
        "data_limit_strategy",
        "data_metering",
        "friendly_name",
        "international_roaming",
        "international_roaming_data_limit",
        "messaging_enabled",
        "national_roaming_data_limit",
        "national_roaming_enabled",
        "unique_name",
        "voice_enabled",
    )

    def __init__(
        self,
        sid: str,
        seq: int,
        created: str,
        *,
        account_sid: str,
        unique_name: str | None = None,
        friendly_name: str | None = None,
        data_enabled: bool = True,
        data_limit: int = 1000,
        data_metering: str = "payg",
        data_limit_strategy: str = "block",
        messaging_enabled: bool = True,
        voice_enabled: bool = False,
        national_roaming_enabled: bool = True,
        national_roaming_data_limit: int = 1000,
        international_roaming: list[str] | None = None,
        international_roaming_data_limit: int = 0,
    ) -> None:
        super().__init__(sid, seq, created)
        self.account_sid = account_sid
        self.unique_name = unique_name
        self.friendly_name = friendly_name
        self.data_enabled = data_enabled
        self.data_limit = data_limit
        self.data_metering = data_metering
        self.data_limit_strategy = data_limit_strategy
        self.messaging_enabled = messaging_enabled
        self.voice_enabled = voice_enabled
        self.national_roaming_enabled = national_roaming_enabled
        self.national_roaming_data_limit = national_roaming_data_limit
        self.international_roaming = list(international_roaming or [])
        self.international_roaming_data_limit = international_roaming_data_limit

    def to_dict(self, base: str) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "unique_name": self.unique_name,
            "account_sid": self.account_sid,
            "friendly_name": self.friendly_name,
            "data_enabled": self.data_enabled,
            "data_metering": self.data_metering,
            "data_limit": self.data_limit,
            "messaging_enabled": self.messaging_enabled,
            "voice_enabled": self.voice_enabled,
            "national_roaming_enabled": self.national_roaming_enabled,
            "national_roaming_data_limit": self.national_roaming_data_limit,
            "international_roaming": list(self.international_roaming),
            "international_roaming_data_limit": self.international_roaming_data_limit,
            "date_created": self.date_created,
            "date_updated": self.date_updated,
            "url": f"{base}/v1/RatePlans/{self.sid}",
        }


class CommandRecord(Record):
    __slots__ = (
        "account_sid",
        "callback_method",
        "callback_url",
        "command",
        "command_mode",
        "created_at",
        "delivery_receipt_requested",
        "direction",
        "include_sid",
        "sim_sid",
        "status",
        "transport",
    )

    def __init__(
        self,
        sid: str,
        seq: int,
        created: str,
        *,
        account_sid: str,
        sim_sid: str,
        command: str,
        created_at: dt.datetime,
        command_mode: str = "text",
        transport: str = "sms",
        direction: str = "to_sim",
        status: str = "queued",
        delivery_receipt_requested: bool = True,
        include_sid: str = "none",
        callback_url: str | None = None,
        callback_method: str = "POST",
    ) -> None:
        super().__init__(sid, seq, created)
        self.account_sid = account_sid
        self.sim_sid = sim_sid
        self.command = command
        self.created_at = created_at
        self.command_mode = command_mode
        self.transport = transport
        self.direction = direction
        self.status = status
        self.delivery_receipt_requested = delivery_receipt_requested
        self.include_sid = include_sid
        self.callback_url = callback_url
        self.callback_method = callback_method

    def to_dict(self, base: str) -> dict[str, Any]:
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "sim_sid": self.sim_sid,
            "command": self.command,
            "command_mode": self.command_mode,
            "transport": self.transport,
            "delivery_receipt_requested": self.delivery_receipt_requested,
            "status": self.status,
            "direction": self.direction,
            "date_created": self.date_created,
            "date_updated": self.date_updated,
            "url": f"{base}/v1/Commands/{self.sid}",
        }
