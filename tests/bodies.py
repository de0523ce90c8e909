"""Response bodies as the API sends them: identity fields set, other fields as given.

Twilio serializes every field of a resource; the generated models require the identity
(`sid`, `account_sid`, `url`, `date_created`, the owning SIM) and read a missing field as
None. Tests that only care about a few fields build a valid body with these.
"""

from __future__ import annotations

from typing import Any

ACCOUNT_SID = "AC" + "0" * 32
CREATED = "2026-11-01T00:00:00Z"
BASE = "https://wireless.twilio.com/v1"


def sid(n: int) -> str:
    """SIM SID number `n` (`DE` and 32 hex digits)."""
    return f"DE{n:032x}"


def sim(sid: str, **fields: Any) -> dict[str, Any]:
    """A Sim body."""
    return {
        "sid": sid,
        "account_sid": ACCOUNT_SID,
        "url": f"{BASE}/Sims/{sid}",
        "date_created": CREATED,
        **fields,
    }


def command(sid: str, sim_sid: str = "DE" + "0" * 32, **fields: Any) -> dict[str, Any]:
    """A Command body."""
    return {
        "sid": sid,
        "account_sid": ACCOUNT_SID,
        "sim_sid": sim_sid,
        "url": f"{BASE}/Commands/{sid}",
        "date_created": CREATED,
        **fields,
    }


def rate_plan(sid: str, **fields: Any) -> dict[str, Any]:
    """A RatePlan body."""
    return {
        "sid": sid,
        "account_sid": ACCOUNT_SID,
        "url": f"{BASE}/RatePlans/{sid}",
        "date_created": CREATED,
        **fields,
    }


def meta(
    key: str, path: str, *, page: int = 0, page_size: int = 50, **fields: Any
) -> dict[str, Any]:
    """A list page's `meta`."""
    url = f"{BASE}/{path}?PageSize={page_size}&Page={page}"
    return {
        "key": key,
        "page": page,
        "page_size": page_size,
        "first_page_url": f"{BASE}/{path}?PageSize={page_size}&Page=0",
        "url": url,
        "next_page_url": None,
        "previous_page_url": None,
        **fields,
    }
