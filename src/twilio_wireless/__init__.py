"""Async Python SDK for Twilio Programmable Wireless v1.

import twilio_wireless as tw

async with tw.WirelessClient() as client:  # TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN
    async for sim in client.sims.list(status="active"):
        print(sim.sid, sim.unique_name)
"""

from ._batch import BatchResult, BatchResults
from ._client import WirelessClient
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
from ._resources import SimUpdate
from ._retry import RetryEvent, RetryPolicy
from ._version import __version__

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
