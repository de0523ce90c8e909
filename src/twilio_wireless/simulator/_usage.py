"""Usage records and data sessions, computed on demand and deterministic.

Nothing is stored: each SIM has a data rate derived from its SID, each period some noise
derived from the SID and the period's start, and Commands are counted from the real
Commands in the period. A page of hourly records for a year costs only its own records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from typing import Any

from ._errors import invalid
from ._records import format_date

__all__ = [
    "GRANULARITIES",
    "Period",
    "data_rate",
    "data_sessions",
    "parse_period",
    "usage_record",
]

GRANULARITIES = {"all": None, "daily": dt.timedelta(days=1), "hourly": dt.timedelta(hours=1)}
DEFAULT_SPAN = dt.timedelta(days=30)
PRICE_PER_MB = 0.10
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _hash(*parts: object) -> int:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _hex(*parts: object) -> str:
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=16).hexdigest()


def parse_datetime(raw: str, name: str) -> dt.datetime:
    text = raw.strip()
    if len(text) > 18 and text[16:19] == ":60":  # a leap second: Twilio rounds it down
        text = text[:17] + "59" + text[19:]
    try:
        if len(text) == 10:
            value = dt.datetime.fromisoformat(text)
        else:
            value = dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        raise invalid(
            f"{name} must be an ISO 8601 date-time such as 2015-07-30T20:00:00Z, got {raw!r}"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


class Period:
    """The checked Start/End/Granularity of a usage request and its buckets."""

    def __init__(self, start: dt.datetime, end: dt.datetime, granularity: str) -> None:
        self.start = start
        self.end = end
        self.granularity = granularity
        step = GRANULARITIES[granularity]
        self.step = step
        if step is None:
            self.origin = start
            self.count = 1
        else:
            delta = start - _EPOCH
            aligned = delta - (delta % step)
            self.origin = _EPOCH + aligned
            self.count = max(1, math.ceil((end - self.origin) / step))

    def bucket(self, index: int) -> tuple[dt.datetime, dt.datetime]:
        if self.step is None:
            return self.start, self.end
        try:
            low = self.origin + self.step * index
        except OverflowError:
            low = self.end
        try:
            high = low + self.step
        except OverflowError:
            high = self.end
        return max(low, self.start), min(high, self.end)


def parse_period(query: Mapping[str, list[str]], now: dt.datetime) -> Period:
    def last(name: str) -> str | None:
        values = query.get(name)
        return values[-1] if values else None

    raw_end, raw_start, raw_grain = last("End"), last("Start"), last("Granularity")
    end = parse_datetime(raw_end, "End") if raw_end else now
    if raw_start:
        start = parse_datetime(raw_start, "Start")
    else:
        try:
            start = end - DEFAULT_SPAN
        except OverflowError:
            start = dt.datetime.min.replace(tzinfo=dt.UTC)
    if start > end:
        raise invalid(f"Start ({format_date(start)}) must not be after End ({format_date(end)})")
    grain = raw_grain or "all"
    if grain not in GRANULARITIES:
        raise invalid(f"Granularity must be one of all, daily, hourly; got {grain!r}")
    return Period(start, end, grain)


def data_rate(sim_sid: str, status: str) -> float:
    """Bytes per hour the SIM uses (0 for SIMs that never connected)."""
    if status == "new":
        return 0.0
    return 10_000 + _hash("rate", sim_sid) % 2_000_000


def _commands_usage(to_sim: int, from_sim: int) -> dict[str, Any]:
    total = to_sim + from_sim
    home = {"billing_units": "USD", "billed": 0, "total": total, "from_sim": from_sim}
    home["to_sim"] = to_sim
    return {
        **home,
        "home": dict(home),
        "national_roaming": {
            "billing_units": "USD",
            "billed": 0,
            "total": 0,
            "from_sim": 0,
            "to_sim": 0,
        },
        "international_roaming": [],
    }


def _data_usage(total: int, upload_share: float) -> dict[str, Any]:
    upload = int(total * upload_share)
    home = {
        "billing_units": "USD",
        "billed": round(total / 1_000_000 * PRICE_PER_MB, 2),
        "total": total,
        "upload": upload,
        "download": total - upload,
        "units": "bytes",
    }
    return {
        **home,
        "home": dict(home),
        "national_roaming": {
            "billing_units": "USD",
            "billed": 0,
            "total": 0,
            "upload": 0,
            "download": 0,
            "units": "bytes",
        },
        "international_roaming": [],
    }


def _count_between(
    times: Sequence[dt.datetime], low: dt.datetime, high: dt.datetime, *, closed: bool
) -> int:
    """How many `times` fall in [low, high) (or [low, high] when `closed`)."""
    upper = bisect_right(times, high) if closed else bisect_left(times, high)
    return upper - bisect_left(times, low)


def usage_record(
    *,
    key: str,
    account_sid: str,
    rate: float,
    period: Period,
    index: int,
    to_sim_times: Sequence[dt.datetime],
    from_sim_times: Sequence[dt.datetime],
    sim_sid: str | None,
) -> dict[str, Any]:
    """One usage record: `key` seeds the noise (a SIM SID, or the account SID)."""
    low, high = period.bucket(index)
    hours = max(0.0, (high - low).total_seconds() / 3600)
    noise = 0.5 + (_hash(key, low.isoformat()) % 1000) / 1000
    share = 0.2 + (_hash("up", key) % 150) / 1000
    total = int(min(rate * hours * noise, 1e15))
    record: dict[str, Any] = {}
    if sim_sid is not None:
        record["sim_sid"] = sim_sid
    record["account_sid"] = account_sid
    record["period"] = {"start": format_date(low), "end": format_date(high)}
    closed = high == period.end  # the last period includes its end (e.g. "now")
    record["commands"] = _commands_usage(
        _count_between(to_sim_times, low, high, closed=closed),
        _count_between(from_sim_times, low, high, closed=closed),
    )
    record["data"] = _data_usage(total, share)
    return record


_RADIO = ("LTE", "LTE", "LTE-M", "3G", "NB-IoT")
_OPERATORS = (
    ("310", "260", "USA", "T-Mobile"),
    ("310", "410", "USA", "AT&T"),
    ("302", "720", "CAN", "Rogers"),
    ("234", "30", "GBR", "EE"),
)


def _luhn_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def data_sessions(
    sim_sid: str, account_sid: str, status: str, anchor: dt.datetime
) -> list[dict[str, Any]]:
    """The SIM's data sessions of the 30 days before `anchor`, newest first."""
    if status == "new":
        return []
    seed = _hash("sessions", sim_sid)
    count = seed % 6
    imei_body = "35" + str(seed % 10**12).zfill(12)
    imei = imei_body + _luhn_digit(imei_body)
    sessions: list[dict[str, Any]] = []
    for index in range(count):
        h = _hash("session", sim_sid, index)
        start = anchor - dt.timedelta(days=index * 5 + 1, seconds=h % 86_400)
        open_session = index == 0 and status == "active"
        end = None if open_session else start + dt.timedelta(seconds=60 + h % 7_200)
        last = anchor - dt.timedelta(seconds=h % 600) if open_session else end
        mcc, mnc, country, name = _OPERATORS[h % len(_OPERATORS)]
        sessions.append(
            {
                "sid": "WN" + _hex("session", sim_sid, index),
                "sim_sid": sim_sid,
                "account_sid": account_sid,
                "radio_link": _RADIO[h % len(_RADIO)],
                "operator_mcc": mcc,
                "operator_mnc": mnc,
                "operator_country": country,
                "operator_name": name,
                "cell_id": str(h % 10**9),
                "cell_location_estimate": {
                    "lat": round(30 + (h % 2000) / 100, 5),
                    "lon": round(-120 + (h // 7 % 4000) / 100, 5),
                },
                "packets_uploaded": h % 5_000,
                "packets_downloaded": h // 3 % 20_000,
                "last_updated": format_date(last) if last is not None else None,
                "start": format_date(start),
                "end": format_date(end) if end is not None else None,
                "imei": imei,
            }
        )
    return sessions
