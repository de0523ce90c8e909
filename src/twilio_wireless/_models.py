"""The generated models and enums, under the names users import from twilio_wireless.

Request bodies and list pages stay private: the facade builds and unwraps them.
"""

from twilio_wireless_openapi.models.account_usage_record import AccountUsageRecord
from twilio_wireless_openapi.models.account_usage_record_granularity import (
    AccountUsageRecordGranularity,
)
from twilio_wireless_openapi.models.cell_location_estimate import CellLocationEstimate
from twilio_wireless_openapi.models.command import Command
from twilio_wireless_openapi.models.command_direction import CommandDirection
from twilio_wireless_openapi.models.command_mode import CommandMode
from twilio_wireless_openapi.models.command_status import CommandStatus
from twilio_wireless_openapi.models.command_transport import CommandTransport
from twilio_wireless_openapi.models.commands_usage import CommandsUsage
from twilio_wireless_openapi.models.commands_usage_detail import CommandsUsageDetail
from twilio_wireless_openapi.models.data_limit_strategy import DataLimitStrategy
from twilio_wireless_openapi.models.data_session import DataSession
from twilio_wireless_openapi.models.data_usage import DataUsage
from twilio_wireless_openapi.models.data_usage_detail import DataUsageDetail
from twilio_wireless_openapi.models.http_method import HttpMethod
from twilio_wireless_openapi.models.rate_plan import RatePlan
from twilio_wireless_openapi.models.sim import Sim
from twilio_wireless_openapi.models.sim_links import SimLinks
from twilio_wireless_openapi.models.sim_reset_status import SimResetStatus
from twilio_wireless_openapi.models.sim_status import SimStatus
from twilio_wireless_openapi.models.sim_usage_record import SimUsageRecord
from twilio_wireless_openapi.models.sim_usage_record_granularity import SimUsageRecordGranularity
from twilio_wireless_openapi.models.twilio_error_body import TwilioErrorBody
from twilio_wireless_openapi.models.usage_period import UsagePeriod

__all__ = [
    "AccountUsageRecord",
    "AccountUsageRecordGranularity",
    "CellLocationEstimate",
    "Command",
    "CommandDirection",
    "CommandMode",
    "CommandStatus",
    "CommandTransport",
    "CommandsUsage",
    "CommandsUsageDetail",
    "DataLimitStrategy",
    "DataSession",
    "DataUsage",
    "DataUsageDetail",
    "HttpMethod",
    "RatePlan",
    "Sim",
    "SimLinks",
    "SimResetStatus",
    "SimStatus",
    "SimUsageRecord",
    "SimUsageRecordGranularity",
    "TwilioErrorBody",
    "UsagePeriod",
]
