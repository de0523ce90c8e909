"""Async Python SDK for Twilio Programmable Wireless v1.

import twilio_wireless as tw

async with tw.WirelessClient() as client:  # TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN
    async for sim in client.sims.list(status="active"):
        print(sim.sid, sim.unique_name)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:
    from ._batch import BatchResult, BatchResults
    from ._client import WirelessClient
    from ._clock import Clock
    from ._errors import (
        APIConnectionError,
        APIError,
        APITimeoutError,
        AuthenticationError,
        BadRequestError,
        ConflictError,
        NotFoundError,
        PermissionDeniedError,
        PollTimeoutError,
        RateLimitError,
        ServerError,
        SimStatusChangeError,
        WirelessError,
    )
    from ._models import (
        AccountUsageRecord,
        AccountUsageRecordGranularity,
        CellLocationEstimate,
        Command,
        CommandDirection,
        CommandMode,
        CommandStatus,
        CommandsUsage,
        CommandsUsageDetail,
        CommandTransport,
        DataLimitStrategy,
        DataSession,
        DataUsage,
        DataUsageDetail,
        HttpMethod,
        RatePlan,
        Sim,
        SimLinks,
        SimResetStatus,
        SimStatus,
        SimUsageRecord,
        SimUsageRecordGranularity,
        TwilioErrorBody,
        UsagePeriod,
    )
    from ._pagination import AsyncPager, Page
    from ._polling import PollPolicy, SimStatusChange
    from ._resources._sims import SimUpdate
    from ._retry import RetryEvent, RetryPolicy

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AccountUsageRecord",
    "AccountUsageRecordGranularity",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "BatchResult",
    "BatchResults",
    "CellLocationEstimate",
    "Clock",
    "Command",
    "CommandDirection",
    "CommandMode",
    "CommandStatus",
    "CommandTransport",
    "CommandsUsage",
    "CommandsUsageDetail",
    "ConflictError",
    "DataLimitStrategy",
    "DataSession",
    "DataUsage",
    "DataUsageDetail",
    "HttpMethod",
    "NotFoundError",
    "Page",
    "PermissionDeniedError",
    "PollPolicy",
    "PollTimeoutError",
    "RateLimitError",
    "RatePlan",
    "RetryEvent",
    "RetryPolicy",
    "ServerError",
    "Sim",
    "SimLinks",
    "SimResetStatus",
    "SimStatus",
    "SimStatusChange",
    "SimStatusChangeError",
    "SimUpdate",
    "SimUsageRecord",
    "SimUsageRecordGranularity",
    "TwilioErrorBody",
    "UsagePeriod",
    "WirelessClient",
    "WirelessError",
    "__version__",
]

# Names are imported on first use, so `import twilio_wireless.simulator` (which runs this
# file first) loads nothing of the client, and `import twilio_wireless` stays light.
_LAZY = {
    "BatchResult": "._batch",
    "BatchResults": "._batch",
    "WirelessClient": "._client",
    "Clock": "._clock",
    "APIConnectionError": "._errors",
    "APIError": "._errors",
    "APITimeoutError": "._errors",
    "AuthenticationError": "._errors",
    "BadRequestError": "._errors",
    "ConflictError": "._errors",
    "NotFoundError": "._errors",
    "PermissionDeniedError": "._errors",
    "PollTimeoutError": "._errors",
    "RateLimitError": "._errors",
    "ServerError": "._errors",
    "SimStatusChangeError": "._errors",
    "WirelessError": "._errors",
    "AccountUsageRecord": "._models",
    "AccountUsageRecordGranularity": "._models",
    "CellLocationEstimate": "._models",
    "Command": "._models",
    "CommandDirection": "._models",
    "CommandMode": "._models",
    "CommandStatus": "._models",
    "CommandsUsage": "._models",
    "CommandsUsageDetail": "._models",
    "CommandTransport": "._models",
    "DataLimitStrategy": "._models",
    "DataSession": "._models",
    "DataUsage": "._models",
    "DataUsageDetail": "._models",
    "HttpMethod": "._models",
    "RatePlan": "._models",
    "Sim": "._models",
    "SimLinks": "._models",
    "SimResetStatus": "._models",
    "SimStatus": "._models",
    "SimUsageRecord": "._models",
    "SimUsageRecordGranularity": "._models",
    "TwilioErrorBody": "._models",
    "UsagePeriod": "._models",
    "AsyncPager": "._pagination",
    "Page": "._pagination",
    "PollPolicy": "._polling",
    "SimStatusChange": "._polling",
    "SimUpdate": "._resources._sims",
    "RetryEvent": "._retry",
    "RetryPolicy": "._retry",
}


if not TYPE_CHECKING:  # type checkers see the imports above, and typos stay errors

    def __getattr__(name: str) -> Any:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, __name__), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted(__all__)
