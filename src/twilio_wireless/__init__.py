"""Async Python SDK for Twilio Programmable Wireless v1.

import twilio_wireless as tw

async with tw.WirelessClient() as client:  # TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN
    async for sim in client.sims.list(status="active"):
        print(sim.sid, sim.unique_name)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Every name below is an attrs class or uses them, and attrs (with typing and inspect) is
# the bulk of what loading one costs: here, at import time, not at first use, which is
# usually on a running event loop where it stalls every other task (~20 ms).
import attrs  # noqa: F401

from ._version import __version__

if TYPE_CHECKING:
    from ._batch import BatchProgress, BatchResult, BatchResults
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
        ResponseTooLargeError,
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
    from ._pacing import AdaptiveConcurrency
    from ._pagination import AsyncPager, Page
    from ._polling import PollPolicy, SimStatusChange
    from ._redis_limit import RedisConcurrency
    from ._resources._sims import SimUpdate
    from ._retry import RetryEvent, RetryPolicy
    from ._signature import WebhookValidator
    from ._webhooks import (
        CallbackResult,
        CallbackWaiter,
        SimStatusCallback,
        StatusCallbackReceiver,
    )

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AccountUsageRecord",
    "AccountUsageRecordGranularity",
    "AdaptiveConcurrency",
    "AsyncPager",
    "AuthenticationError",
    "BadRequestError",
    "BatchProgress",
    "BatchResult",
    "BatchResults",
    "CallbackResult",
    "CallbackWaiter",
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
    "RedisConcurrency",
    "ResponseTooLargeError",
    "RetryEvent",
    "RetryPolicy",
    "ServerError",
    "Sim",
    "SimLinks",
    "SimResetStatus",
    "SimStatus",
    "SimStatusCallback",
    "SimStatusChange",
    "SimStatusChangeError",
    "SimUpdate",
    "SimUsageRecord",
    "SimUsageRecordGranularity",
    "StatusCallbackReceiver",
    "TwilioErrorBody",
    "UsagePeriod",
    "WebhookValidator",
    "WirelessClient",
    "WirelessError",
    "__version__",
]

# Names are imported on first use, so `import twilio_wireless.simulator` (which runs this
# file first) loads nothing of the client, and `import twilio_wireless` stays light.
_LAZY = {
    "BatchProgress": "._batch",
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
    "ResponseTooLargeError": "._errors",
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
    "AdaptiveConcurrency": "._pacing",
    "AsyncPager": "._pagination",
    "Page": "._pagination",
    "PollPolicy": "._polling",
    "SimStatusChange": "._polling",
    "RedisConcurrency": "._redis_limit",
    "SimUpdate": "._resources._sims",
    "RetryEvent": "._retry",
    "RetryPolicy": "._retry",
    "WebhookValidator": "._signature",
    "CallbackResult": "._webhooks",
    "CallbackWaiter": "._webhooks",
    "SimStatusCallback": "._webhooks",
    "StatusCallbackReceiver": "._webhooks",
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
