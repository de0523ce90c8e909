"""SimulatorConfig: the fleet to seed, the credentials to accept, and the timings."""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from ._clock import Clock
from ._limits import DEFAULT_MAX_IN_FLIGHT, check_latency, check_max_in_flight
from ._vocabulary import Vocabulary

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "DEFAULT_STATUS_DELAYS",
    "DEFAULT_STATUS_MIX",
    "SimulatorConfig",
]

DEFAULT_ACCOUNT_SID = "AC" + "5e" * 16
DEFAULT_AUTH_TOKEN = "simulator-auth-token"

# Statuses a seeded SIM can have, and the default share of each.
DEFAULT_STATUS_MIX: Mapping[str, float] = MappingProxyType(
    {
        "active": 0.70,
        "ready": 0.08,
        "new": 0.08,
        "suspended": 0.07,
        "deactivated": 0.04,
        "canceled": 0.03,
    }
)

# Seconds a SIM stays `updating` before it reaches each target status.
DEFAULT_STATUS_DELAYS: Mapping[str, float] = MappingProxyType(
    {"ready": 2.0, "active": 3.0, "suspended": 2.0, "deactivated": 4.0, "canceled": 2.0}
)

_ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}\Z")


@dataclasses.dataclass(frozen=True, kw_only=True)
class SimulatorConfig:
    """How a `WirelessSimulator` starts and behaves.

    Attributes:
        account_sid, auth_token: the only credentials accepted (HTTP Basic auth).
        sims: how many SIMs to seed.
        status_mix: the share of seeded SIMs in each status (weights; normalised). Any
            status the spec documents except `updating` and `deleted`, including one the
            state machine does not model (see `_vocabulary`).
        seed: seeds every random choice: the same seed gives the same fleet and delays.
        seed_commands: how many past Commands to seed (to and from active SIMs).
        clock: a `ManualClock` for tests; default the real monotonic clock.
        status_delays: seconds a SIM stays `updating` before reaching each status.
        settle_delay: if set, replaces every status delay and the reset delay.
        reset_delay: seconds a connectivity reset (`reset_status=resetting`) takes.
        jitter: each delay is multiplied by a deterministic factor in
            [1 - jitter, 1 + jitter].
        command_sent_delay, command_delivered_delay: seconds from `queued` to `sent`,
            and from `sent` to `delivered` (when a delivery receipt is requested).
        auto_cancel_after: seconds after which a `deactivated` SIM becomes `canceled`
            (Twilio: 72 hours); None disables it.
        callback_transport: the httpx transport callbacks are sent with (default: the
            network); tests pass a `CallbackCapture` or an `httpx.ASGITransport`.
        callback_timeout: seconds before a callback request is abandoned.
        max_recorded_requests: how many requests `simulator.requests` keeps (oldest are
            dropped first); None keeps all.
        max_in_flight: API requests handled at once, like Twilio's per-account
            concurrency limit (default 100); one more is answered 429 (code 20429) at
            once. None or 0: no limit.
        latency: seconds each API request takes, holding its in-flight slot, on the
            simulator's clock (virtual time on a `ManualClock`; see `_limits`).
    """

    account_sid: str = DEFAULT_ACCOUNT_SID
    auth_token: str = DEFAULT_AUTH_TOKEN
    sims: int = 100
    status_mix: Mapping[str, float] = dataclasses.field(default_factory=lambda: DEFAULT_STATUS_MIX)
    seed: int = 0
    seed_commands: int = 20
    clock: Clock | None = None
    status_delays: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: DEFAULT_STATUS_DELAYS
    )
    settle_delay: float | None = None
    reset_delay: float = 5.0
    jitter: float = 0.2
    command_sent_delay: float = 1.0
    command_delivered_delay: float = 2.0
    auto_cancel_after: float | None = 72 * 3600.0
    callback_transport: httpx.AsyncBaseTransport | None = None
    callback_timeout: float = 5.0
    max_recorded_requests: int | None = 10_000
    max_in_flight: int | None = DEFAULT_MAX_IN_FLIGHT
    latency: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.account_sid, str) or not _ACCOUNT_SID.match(self.account_sid):
            raise ValueError(f"account_sid: {self.account_sid!r} is not AC + 32 hex digits")
        if not isinstance(self.auth_token, str) or not self.auth_token:
            raise ValueError("auth_token: expected a non-empty string")
        if isinstance(self.sims, bool) or not isinstance(self.sims, int) or self.sims < 0:
            raise ValueError(f"sims: {self.sims!r} is not valid; expected an int >= 0")
        seedable = Vocabulary.load().seedable_sim_statuses
        unknown = {str(status) for status in self.status_mix} - seedable
        if unknown:
            raise ValueError(
                f"status_mix: cannot seed SIMs in {sorted(unknown)}; use {sorted(seedable)}"
            )
        weights = list(self.status_mix.values())
        if any(
            isinstance(weight, bool)
            or not isinstance(weight, int | float)
            or not math.isfinite(weight)
            or weight < 0
            for weight in weights
        ) or (self.sims and not sum(weights) > 0):
            raise ValueError("status_mix: weights must be finite numbers >= 0, not all 0")
        if not 0 <= self.jitter < 1:
            raise ValueError(f"jitter: {self.jitter!r} is not valid; expected 0 <= jitter < 1")
        delays = [
            *self.status_delays.values(),
            self.reset_delay,
            self.command_sent_delay,
            self.command_delivered_delay,
        ]
        if self.settle_delay is not None:
            delays.append(self.settle_delay)
        if any(delay < 0 for delay in delays):
            raise ValueError("delays must be >= 0 seconds")
        check_max_in_flight(self.max_in_flight)
        check_latency(self.latency)
        if self.seed_commands < 0:
            raise ValueError(f"seed_commands: {self.seed_commands!r} is not valid; expected >= 0")

    def status_delay(self, status: str) -> float:
        """Seconds (before jitter) a change to `status` takes."""
        if self.settle_delay is not None:
            return self.settle_delay
        return self.status_delays.get(status, 2.0)

    def reset_seconds(self) -> float:
        return self.settle_delay if self.settle_delay is not None else self.reset_delay
