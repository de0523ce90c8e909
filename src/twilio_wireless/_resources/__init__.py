"""One module per Wireless resource; each wraps the generated endpoints of that resource."""

from ._commands import CommandsResource
from ._rate_plans import RatePlansResource
from ._sims import SimsResource, SimUpdate
from ._usage_records import UsageRecordsResource

__all__ = [
    "CommandsResource",
    "RatePlansResource",
    "SimUpdate",
    "SimsResource",
    "UsageRecordsResource",
]
