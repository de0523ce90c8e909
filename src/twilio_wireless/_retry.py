"""RetryPolicy, and the one decision "retry this? after how long?" (`should_retry`)."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any, Self

import attrs

from ._checks import count_field
from ._errors import APIConnectionError, APIError, WirelessError

__all__ = [
    "RetryDecision",
    "RetryEvent",
    "RetryPolicy",
    "full_jitter",
    "mark_out_of_time",
    "ran_out_of_time",
    "should_retry",
]

logger = logging.getLogger("twilio_wireless")

DEFAULT_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Retries stop once this long has passed since the first attempt: with four attempts and
# Retry-After honoured up to a minute each, they would otherwise run for minutes.
DEFAULT_RETRY_DEADLINE = 120.0


def full_jitter(delay: float) -> float:
    """A uniformly random wait between 0 and `delay` ("full jitter")."""
    return random.uniform(0.0, delay)


@attrs.frozen(kw_only=True)
class RetryEvent:
    """What `RetryPolicy.on_retry` receives before each wait."""

    attempt: int
    """The attempt that just failed (1 is the first send)."""
    delay: float
    """Seconds until the next attempt."""
    reason: str
    method: str
    url: str
    error: WirelessError


def _positive(_: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{attribute.name}: {value!r} is not valid; expected seconds >= 0")


def _deadline(_: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None:
        _positive(_, attribute, value)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """How a request is retried after a transient failure. Frozen; build a new one to change.

    Only what is safe is retried: reads, deletes and updates (they set fields to values)
    on `retry_statuses` and connection errors; creates only when the request provably did
    not reach the server (refused connection, connect or pool timeout, a pooled connection
    found closed before a byte was written) or the server refused it without acting (429).
    One `commands.create()` never sends two messages. A server's `Retry-After` (on 429
    and 503) replaces the backoff, up to `max_retry_after`.

    Args:
        max_attempts: attempts in all, counting the first (1 = no retries).
        initial_backoff, max_backoff: exponential backoff bounds in seconds, before jitter.
        jitter: maps the backoff to the actual wait (default: full jitter, uniform in
            [0, backoff]); pass `lambda d: d` for fixed waits.
        retry_statuses: HTTP statuses worth retrying.
        max_retry_after: the longest server `Retry-After` honoured, in seconds; a longer
            one is capped to this.
        deadline: give up once this many seconds have passed since the first attempt (no
            wait may end past it, and no attempt may run past it). None: no deadline.
        on_retry: called with a `RetryEvent` before each wait, to log or count retries.
    """

    max_attempts: int = attrs.field(default=4, validator=count_field)
    initial_backoff: float = attrs.field(default=0.5, validator=_positive)
    max_backoff: float = attrs.field(default=8.0, validator=_positive)
    jitter: Callable[[float], float] = full_jitter
    retry_statuses: frozenset[int] = attrs.field(
        default=DEFAULT_RETRY_STATUSES, converter=frozenset
    )
    max_retry_after: float = attrs.field(default=60.0, validator=_positive)
    deadline: float | None = attrs.field(default=DEFAULT_RETRY_DEADLINE, validator=_deadline)
    on_retry: Callable[[RetryEvent], None] | None = None

    @classmethod
    def none(cls) -> Self:
        """A policy that never retries."""
        return cls(max_attempts=1)

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt number `attempt` (1-based), jitter applied."""
        base = min(self.max_backoff, self.initial_backoff * 2 ** (attempt - 1))
        return max(0.0, self.jitter(base))

    def _wait_after(self, error: BaseException, attempt: int) -> float:
        """The wait before sending again after `error` ended attempt `attempt`: the
        server's Retry-After (429, 503) up to `max_retry_after`, else the backoff."""
        delay = self.backoff(attempt)
        retry_after = error.retry_after if isinstance(error, APIError) else None
        return delay if retry_after is None else min(retry_after, self.max_retry_after)


@attrs.frozen
class RetryDecision:
    retry: bool
    reason: str
    delay: float = 0.0
    out_of_time: bool = False
    """Given up because the policy's deadline leaves no time for another attempt."""


_OUT_OF_TIME = "_twilio_wireless_out_of_time"


def ran_out_of_time(error: BaseException) -> bool:
    """Whether `error` was given up on because the retry deadline left no time."""
    return bool(getattr(error, _OUT_OF_TIME, False))


def mark_out_of_time(error: BaseException) -> None:
    setattr(error, _OUT_OF_TIME, True)


def should_retry(
    policy: RetryPolicy,
    error: WirelessError,
    *,
    attempt: int,
    idempotent: bool,
    elapsed: float,
) -> RetryDecision:
    """Decide whether to send again after `error` on attempt `attempt` (1-based)."""
    if isinstance(error, APIError):
        reason = f"HTTP {error.status}"
        if error.status not in policy.retry_statuses:
            return RetryDecision(False, f"{reason} is not retryable")
        # 429 means the server refused without acting: safe even for a create.
        if not idempotent and error.status != 429:
            return RetryDecision(False, f"{reason} after a create may have been acted on")
    elif isinstance(error, APIConnectionError):
        reason = type(error.__cause__ or error).__name__
        if error.request_sent and not idempotent:
            return RetryDecision(False, f"{reason} after the create was sent")
    else:
        return RetryDecision(False, f"{type(error).__name__} is not retryable")
    if attempt >= policy.max_attempts:
        return RetryDecision(False, f"{reason}; no attempts left ({attempt})")
    delay = policy._wait_after(error, attempt)
    retry_after = error.retry_after if isinstance(error, APIError) else None  # 429, 503
    if retry_after is not None:
        reason += f", Retry-After {retry_after:g}s"
    if policy.deadline is not None and elapsed + delay >= policy.deadline:
        return RetryDecision(
            False,
            f"{reason}; waiting {delay:.2f}s would pass the {policy.deadline:g}s deadline",
            out_of_time=True,
        )
    return RetryDecision(True, reason, delay)
