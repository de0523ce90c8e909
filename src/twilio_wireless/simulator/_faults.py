"""Fault injection: make the simulator fail the way networks and Twilio do.

A `Fault` is one failure: a status (429 with `Retry-After`, a 5xx with Twilio's JSON body
or an HTML page), a delay before answering, or a dropped connection, each either
*before* the request touches the state ("refused": nothing changed) or *after* it was
applied ("processed, then failed"). Retry and idempotency tests need both.

Faults come from rules (`simulator.faults.add(pattern, fault, times=N)`) or from one
request's `X-Simulator-Fault` header. Both use one small syntax, `;`-separated:

    503                  answer 503 with Twilio's JSON error body
    503;html             ... with an HTML page, as a load balancer would
    429;retry-after=2    answer 429 with `Retry-After: 2`
    delay=0.5            wait 0.5 s (real time), then answer normally
    delay=0.5;504        wait, then answer 504
    drop                 close the connection without a response
    drop;after           apply the request to the state, then drop the connection
    500;after            apply the request, then answer 500
"""

from __future__ import annotations

import dataclasses
import fnmatch
import re
from collections.abc import Iterator

__all__ = ["FAULT_HEADER", "Fault", "FaultRegistry", "FaultRule"]

FAULT_HEADER = "X-Simulator-Fault"


@dataclasses.dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure (see the module docstring for the header syntax).

    Attributes:
        status: answer with this status (400..599) instead of the real answer.
        retry_after: seconds for the `Retry-After` header (429 defaults to 1).
        delay: real seconds to wait before answering (or before dropping).
        drop: close the connection without a complete response; the client sees a
            transport error (`httpx.RemoteProtocolError`).
        html: a 5xx answers with an HTML page instead of Twilio's JSON error body.
        after: apply the request to the state first, then fail ("processed, then
            failed"); otherwise the request is refused and nothing changes.
    """

    status: int | None = None
    retry_after: float | None = None
    delay: float = 0.0
    drop: bool = False
    html: bool = False
    after: bool = False

    def __post_init__(self) -> None:
        if self.status is not None and (
            isinstance(self.status, bool) or not 400 <= self.status <= 599
        ):
            raise ValueError(f"fault status {self.status!r}: expected 400..599")
        if self.drop and self.status is not None:
            raise ValueError("a fault either drops the connection or answers a status, not both")
        if self.delay < 0 or self.delay != self.delay:
            raise ValueError(f"fault delay {self.delay!r}: expected seconds >= 0")
        if self.retry_after is not None and self.retry_after < 0:
            raise ValueError(f"fault retry-after {self.retry_after!r}: expected seconds >= 0")
        if self.status is None and not self.drop and not self.delay:
            raise ValueError("a fault needs a status, drop, or delay")
        if self.status == 429 and self.retry_after is None:
            object.__setattr__(self, "retry_after", 1.0)

    @classmethod
    def rate_limit(cls, retry_after: float = 1.0, *, after: bool = False) -> Fault:
        """429 Too Many Requests (Twilio code 20429) with `Retry-After: retry_after`."""
        return cls(status=429, retry_after=retry_after, after=after)

    @classmethod
    def server_error(cls, status: int = 500, *, html: bool = False, after: bool = False) -> Fault:
        """A 5xx answer; `html=True` sends an HTML page as a proxy would."""
        if not 500 <= status <= 599:
            raise ValueError(f"server_error status {status!r}: expected 500..599")
        return cls(status=status, html=html, after=after)

    @classmethod
    def slow(cls, delay: float, *, after: bool = False) -> Fault:
        """Wait `delay` real seconds, then answer normally (with `after`, apply first)."""
        return cls(delay=delay, after=after)

    @classmethod
    def dropped(cls, *, after: bool = False, delay: float = 0.0) -> Fault:
        """Close the connection without a response; `after=True` applies the request first."""
        return cls(drop=True, after=after, delay=delay)

    @classmethod
    def parse(cls, text: str) -> Fault:
        """A fault from the header syntax, e.g. `"429;retry-after=2"` or `"drop;after"`."""
        values: dict[str, object] = {}
        tokens = [token.strip().lower() for token in str(text).split(";")]
        if not any(tokens):
            raise ValueError("empty fault")
        for token in tokens:
            if not token:
                continue
            name, has_value, raw = token.partition("=")
            name = name.strip()
            raw = raw.strip()
            try:
                if not has_value and name.isdigit():
                    values["status"] = int(name)
                elif not has_value and name in {"drop", "html", "after", "before"}:
                    if name == "before":
                        values["after"] = False
                    else:
                        values[name] = True
                elif has_value and name in {"delay", "slow"}:
                    values["delay"] = float(raw)
                elif has_value and name in {"retry-after", "retry_after"}:
                    values["retry_after"] = float(raw)
                elif has_value and name == "status":
                    values["status"] = int(raw)
                else:
                    raise ValueError
            except ValueError:
                raise ValueError(
                    f"fault {text!r}: cannot read {token!r}; expected e.g. '503', "
                    "'429;retry-after=2', 'delay=0.5', 'drop', 'drop;after', '500;html'"
                ) from None
        return cls(**values)  # type: ignore[arg-type]

    def __str__(self) -> str:
        parts: list[str] = []
        if self.delay:
            parts.append(f"delay={self.delay:g}")
        if self.status is not None:
            parts.append(str(self.status))
        if self.retry_after is not None:
            parts.append(f"retry-after={self.retry_after:g}")
        if self.drop:
            parts.append("drop")
        if self.html:
            parts.append("html")
        if self.after:
            parts.append("after")
        return ";".join(parts)


@dataclasses.dataclass(eq=False)
class FaultRule:
    """A rule of `FaultRegistry`: which requests fail, how, and how often.

    Attributes:
        pattern: what it matches (an operation id, or `[METHOD ]path` with `*` and
            `{param}` wildcards).
        fault: the failure applied.
        times: how many matching requests fail (None: all of them).
        skip: how many matching requests pass untouched before failures start.
        matched: matching requests seen so far.
        fired: requests this rule failed so far.
    """

    pattern: str
    fault: Fault
    times: int | None = 1
    skip: int = 0
    matched: int = 0
    fired: int = 0
    _method: str | None = dataclasses.field(default=None, repr=False)
    _path: re.Pattern[str] | None = dataclasses.field(default=None, repr=False)
    _operation: str | None = dataclasses.field(default=None, repr=False)

    def __post_init__(self) -> None:
        pattern = self.pattern.strip()
        if not pattern:
            raise ValueError("fault pattern must not be empty")
        method, _, path = pattern.partition(" ")
        if not path:
            method, path = "", pattern
        if not path.startswith("/") and path != "*":
            if method:
                raise ValueError(f"fault pattern {self.pattern!r}: the path must start with /")
            self._operation = path  # an operation id such as "UpdateSim"
            return
        self._method = method.upper() or None
        # {Sid}-style placeholders match one path segment; `*` matches anything.
        regex = fnmatch.translate(re.sub(r"\{[^/{}]+\}", "\x00", path.rstrip("/") or "/"))
        self._path = re.compile(regex.replace("\x00", "[^/]+"))

    @property
    def remaining(self) -> int | None:
        """Failures left (None: unlimited)."""
        return None if self.times is None else max(0, self.times - self.fired)

    def matches(self, method: str, path: str, operation: str | None) -> bool:
        if self._operation is not None:
            return operation == self._operation
        if self._method is not None and self._method != method:
            return False
        assert self._path is not None
        return self._path.match(path.rstrip("/") or "/") is not None


class FaultRegistry:
    """`simulator.faults`: rules that make matching requests fail."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []

    def add(
        self,
        pattern: str,
        fault: Fault | str | int,
        *,
        times: int | None = 1,
        skip: int = 0,
        retry_after: float | None = None,
        delay: float | None = None,
        html: bool | None = None,
        after: bool | None = None,
    ) -> FaultRule:
        """Make the requests matching `pattern` fail with `fault`.

        Args:
            pattern: `"UpdateSim"` (an operation id), `"POST /v1/Sims/{Sid}"`,
                `"GET /v1/Sims*"`, `"/v1/Commands"` (any method) or `"*"`.
            fault: a `Fault`, the header syntax (`"429;retry-after=2"`, `"drop;after"`),
                or a status code.
            times: how many matching requests fail (None: every one).
            skip: let this many matching requests through first.
            retry_after, delay, html, after: override those fields of `fault`.

        Returns:
            The rule; its `matched`/`fired` counters show what happened.
        """
        if isinstance(fault, bool):
            raise TypeError("fault: expected a Fault, a fault string or a status code")
        base = fault if isinstance(fault, Fault) else Fault.parse(str(fault))
        changes = {
            name: value
            for name, value in (
                ("retry_after", retry_after),
                ("delay", delay),
                ("html", html),
                ("after", after),
            )
            if value is not None
        }
        if changes:
            base = dataclasses.replace(base, **changes)  # type: ignore[arg-type]
        if times is not None and times < 1:
            raise ValueError(f"times: {times!r} is not valid; expected >= 1 or None")
        if skip < 0:
            raise ValueError(f"skip: {skip!r} is not valid; expected >= 0")
        rule = FaultRule(pattern, base, times=times, skip=skip)
        self._rules.append(rule)
        return rule

    def match(self, method: str, path: str, operation: str | None) -> Fault | None:
        """The fault for this request (consuming one use of the first live matching rule)."""
        for rule in self._rules:
            if rule.remaining == 0 or not rule.matches(method, path, operation):
                continue
            rule.matched += 1
            if rule.matched <= rule.skip:
                continue
            rule.fired += 1
            return rule.fault
        return None

    def clear(self) -> None:
        """Remove every rule."""
        self._rules.clear()

    @property
    def rules(self) -> list[FaultRule]:
        return list(self._rules)

    def __bool__(self) -> bool:
        return any(rule.remaining != 0 for rule in self._rules)

    def __iter__(self) -> Iterator[FaultRule]:
        return iter(list(self._rules))

    def __len__(self) -> int:
        return len(self._rules)
