"""Fault injection: make the simulator fail the way networks and Twilio do.

A `Fault` is one failure: a status (429 with `Retry-After`, a 5xx with Twilio's JSON body
or an HTML page), a delay before answering, a dropped connection, or a hostile body
(truncated, dripped, oversized, endless, a gzip bomb). A fault that *replaces* the answer
(a status, a drop, a synthetic body) strikes either *before* the request touches the state
("refused": nothing changed) or *after* it was applied (`after`: "processed, then
failed"). Retry and idempotency tests need both. A fault that only *shapes* the body
(`drip`, `truncate`) shapes the real answer, so the request is applied first; add a
status to shape an error answer instead.

Faults come from rules (`simulator.faults.add(pattern, fault, times=N)`, the server's
`--fault PATTERN=SPEC`, or `POST /__simulator/faults`) or from one request's
`X-Simulator-Fault` header. All use one small syntax, `;`-separated:

    503                  answer 503 with Twilio's JSON error body
    503;html             ... with an HTML page, as a load balancer would
    429;retry-after=2    answer 429 with `Retry-After: 2`
    delay=0.5            wait 0.5 s (real time), then answer normally
    delay=0.5;504        wait, then answer 504
    500;after            apply the request, then answer 500
    drop                 close the connection before sending a single byte: the client
                         sees "Server disconnected without sending a response"
    drop;after           apply the request to the state, then close without a response
    truncate             send the headers and half the body, then close the connection
    truncate=100         ... the headers and the first 100 bytes (`truncate=0`: headers
                         only); the client sees "peer closed connection without sending
                         complete message body"
    drip=0.5             send the body one chunk (16 bytes) every 0.5 s (real time)
    drip=0.5;chunk=4     ... 4 bytes at a time
    oversize=1g          a 200 whose body is 1 GiB of JSON padding, with that
                         `Content-Length` declared up front (sizes: 512, 64k, 10mb, 1g)
    oversize=1g;chunked  ... sent chunked, with no `Content-Length`
    endless              a 200 with a chunked JSON body that never ends; it stops when
                         the client goes away (or the server shuts down)
    bomb=1g              a 200 with a small gzip body (`Content-Encoding: gzip`, about
                         1/1000 of the size) that inflates to 1 GiB of JSON padding

The parts combine: `503;drip=1` drips an error body, `oversize=1g;truncate=100` declares
1 GiB and closes after 100 bytes, `delay=2;drop;after` applies, waits, then drops.

A rule also takes rule options in the same string (never in the header): `times=3`
(`times=inf`: every matching request), `skip=2`, and `probability=0.05` (or `5%`: each
matching request fails with that probability, drawn from a generator seeded with the
simulator's seed, so a run is repeatable).
"""

from __future__ import annotations

import dataclasses
import enum
import fnmatch
import math
import random
import re
from collections.abc import Iterator
from typing import Any

__all__ = ["FAULT_HEADER", "Fault", "FaultRegistry", "FaultRule", "parse_size"]

FAULT_HEADER = "X-Simulator-Fault"
DEFAULT_DRIP_CHUNK = 16
MAX_BODY_SIZE = 1 << 40  # 1 TiB: a bound on what "huge" may mean, not a working limit
_SIZE = re.compile(r"(\d+)\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)\Z")
_UNITS = {"": 0, "b": 0, "k": 10, "m": 20, "g": 30, "t": 40}
_RULE_OPTIONS = frozenset({"times", "skip", "probability", "p"})
_EXAMPLES = (
    "expected e.g. '503', '429;retry-after=2', 'delay=0.5', 'drop', 'drop;after', "
    "'500;html', 'truncate=100', 'drip=0.5', 'oversize=1g', 'endless', 'bomb=1g'"
)


def parse_size(text: str) -> int:
    """Bytes from `512`, `64k`, `10mb`, `1g` (binary units), between 1 and 1 TiB."""
    found = _SIZE.match(str(text).strip().lower())
    if found is None:
        raise ValueError(f"size {text!r}: expected bytes such as 512, 64k, 10mb or 1g")
    size = int(found.group(1)) << _UNITS[found.group(2)[:1]]
    if not 1 <= size <= MAX_BODY_SIZE:
        raise ValueError(f"size {text!r}: expected 1 byte to 1 TiB")
    return size


def _format_size(size: int) -> str:
    for unit, shift in (("t", 40), ("g", 30), ("m", 20), ("k", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift}{unit}"
    return str(size)


@dataclasses.dataclass(frozen=True, slots=True)
class Fault:
    """One injected failure (see the module docstring for the string syntax).

    Attributes:
        status: answer with this status (400..599) instead of the real answer.
        retry_after: seconds for the `Retry-After` header (429 defaults to 1).
        delay: real seconds to wait before answering (or before dropping).
        drop: close the connection before any byte of the answer is sent; the client
            sees a transport error (`httpx.RemoteProtocolError`, "Server disconnected
            without sending a response").
        html: a 5xx answers with an HTML page instead of Twilio's JSON error body.
        after: apply the request to the state first, then fail ("processed, then
            failed"); otherwise the request is refused and nothing changes. Faults that
            only shape the body (`drip`, `truncate`) always apply the request.
        truncate: send the headers (with the full `Content-Length`) and part of the
            body, then close the connection.
        truncate_at: how many body bytes to send before closing (None: half the body).
        drip: send the body one `chunk` every `drip` real seconds.
        chunk: bytes per dripped chunk.
        oversize: answer 200 (or `status`) with a body of this many bytes of JSON
            padding, declared up front in `Content-Length` unless `chunked`.
        chunked: send the `oversize` body chunked, with no `Content-Length`.
        endless: answer 200 (or `status`) with a chunked body that never ends.
        bomb: answer 200 (or `status`) with a gzip body that inflates to this many bytes.
    """

    status: int | None = None
    retry_after: float | None = None
    delay: float = 0.0
    drop: bool = False
    html: bool = False
    after: bool = False
    truncate: bool = False
    truncate_at: int | None = None
    drip: float = 0.0
    chunk: int = DEFAULT_DRIP_CHUNK
    oversize: int | None = None
    chunked: bool = False
    endless: bool = False
    bomb: int | None = None

    def __post_init__(self) -> None:
        if self.status is not None and (
            isinstance(self.status, bool) or not 400 <= self.status <= 599
        ):
            raise ValueError(f"fault status {self.status!r}: expected 400..599")
        for name in ("delay", "drip"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ValueError(f"fault {name} {value!r}: expected seconds >= 0")
        if self.retry_after is not None and not self.retry_after >= 0:
            raise ValueError(f"fault retry-after {self.retry_after!r}: expected seconds >= 0")
        if self.truncate_at is not None:
            if isinstance(self.truncate_at, bool) or not 0 <= self.truncate_at <= MAX_BODY_SIZE:
                raise ValueError(f"fault truncate {self.truncate_at!r}: expected bytes >= 0")
            object.__setattr__(self, "truncate", True)
        if isinstance(self.chunk, bool) or not 1 <= self.chunk <= 1 << 20:
            raise ValueError(f"fault chunk {self.chunk!r}: expected 1 byte to 1 MiB")
        for name in ("oversize", "bomb"):
            size = getattr(self, name)
            if size is not None and (isinstance(size, bool) or not 1 <= size <= MAX_BODY_SIZE):
                raise ValueError(f"fault {name} {size!r}: expected 1 byte to 1 TiB")
        bodies = [name for name in ("oversize", "endless", "bomb") if getattr(self, name)]
        if len(bodies) > 1:
            raise ValueError(f"a fault sends one body: {' and '.join(bodies)} conflict")
        if self.chunked and self.oversize is None:
            raise ValueError("chunked goes with oversize=SIZE (endless is always chunked)")
        if self.truncate and self.endless:
            raise ValueError("an endless body cannot be truncated; it ends when the client leaves")
        if self.drop and (
            self.status is not None or self.truncate or self.drip or bodies or self.html
        ):
            raise ValueError("a drop sends nothing: it takes only delay and after")
        if not (self.status is not None or self.drop or self.delay or self.shapes or bodies):
            raise ValueError("a fault needs a status, drop, delay or a body fault")
        if self.status == 429 and self.retry_after is None:
            object.__setattr__(self, "retry_after", 1.0)

    @property
    def replaces(self) -> bool:
        """Whether the fault replaces the real answer (so `after` decides if it is applied)."""
        return self.drop or self.status is not None or self._synthetic

    @property
    def shapes(self) -> bool:
        """Whether the fault changes how the body is sent (`drip`, `truncate`)."""
        return self.truncate or self.drip > 0

    @property
    def streams(self) -> bool:
        """Whether the body is sent specially: shaped, or replaced by a synthetic one."""
        return self.shapes or self._synthetic

    @property
    def _synthetic(self) -> bool:
        """Whether the fault sends a body of its own (`oversize`, `endless`, `bomb`)."""
        return self.oversize is not None or self.endless or self.bomb is not None

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
        """Close the connection before any byte of the answer; `after=True` applies first."""
        return cls(drop=True, after=after, delay=delay)

    @classmethod
    def truncated(cls, at: int | None = None, *, status: int | None = None) -> Fault:
        """Send the headers and `at` body bytes (None: half), then close the connection."""
        return cls(truncate=True, truncate_at=at, status=status)

    @classmethod
    def dripping(
        cls, interval: float, *, chunk: int = DEFAULT_DRIP_CHUNK, status: int | None = None
    ) -> Fault:
        """Send the body `chunk` bytes every `interval` real seconds."""
        return cls(drip=interval, chunk=chunk, status=status)

    @classmethod
    def oversized(cls, size: int | str, *, chunked: bool = False) -> Fault:
        """A 200 with a `size`-byte body (`"1g"` works), declared up front unless chunked."""
        return cls(oversize=parse_size(str(size)), chunked=chunked)

    @classmethod
    def endless_body(cls) -> Fault:
        """A 200 with a chunked body that never ends (until the client goes away)."""
        return cls(endless=True)

    @classmethod
    def compression_bomb(cls, size: int | str) -> Fault:
        """A 200 with a small gzip body that inflates to `size` bytes (`"1g"` works)."""
        return cls(bomb=parse_size(str(size)))

    @classmethod
    def parse(cls, text: str) -> Fault:
        """A fault from the string syntax, e.g. `"429;retry-after=2"` or `"drip=0.5"`."""
        fault, options = _parse(text, rule_options=False)
        assert not options
        return fault

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
        if self.truncate:
            at = self.truncate_at
            parts.append("truncate" if at is None else f"truncate={at}")
        if self.drip:
            parts.append(f"drip={self.drip:g}")
        if self.chunk != DEFAULT_DRIP_CHUNK:
            parts.append(f"chunk={self.chunk}")
        if self.oversize is not None:
            parts.append(f"oversize={_format_size(self.oversize)}")
        if self.chunked:
            parts.append("chunked")
        if self.endless:
            parts.append("endless")
        if self.bomb is not None:
            parts.append(f"bomb={_format_size(self.bomb)}")
        if self.html:
            parts.append("html")
        if self.after:
            parts.append("after")
        return ";".join(parts)


class _Unset(enum.Enum):
    UNSET = enum.auto()


_UNSET = _Unset.UNSET


def _parse(text: str, *, rule_options: bool) -> tuple[Fault, dict[str, Any]]:
    """(the fault, the rule options `times`/`skip`/`probability` found) from a spec."""
    values: dict[str, Any] = {}
    options: dict[str, Any] = {}
    tokens = [token.strip().lower() for token in str(text).split(";")]
    if not any(tokens):
        raise ValueError("empty fault")
    for token in tokens:
        if not token:
            continue
        name, has_value, raw = token.partition("=")
        name = name.strip().replace("_", "-")
        raw = raw.strip()
        if name in _RULE_OPTIONS:
            if not rule_options:
                raise ValueError(
                    f"fault {text!r}: {name}= is a rule option; give it to a rule "
                    "(faults.add, --fault, POST /__simulator/faults), not to one request"
                )
            options.update(_rule_option(text, name, raw))
            continue
        try:
            if not has_value and name.isdigit():
                values["status"] = int(name)
            elif not has_value and name in {
                "drop",
                "html",
                "after",
                "truncate",
                "chunked",
                "endless",
            }:
                values[name] = True
            elif not has_value and name == "before":
                values["after"] = False
            elif has_value and name in {"delay", "slow"}:
                values["delay"] = float(raw)
            elif has_value and name == "drip":
                values["drip"] = float(raw)
            elif has_value and name == "retry-after":
                values["retry_after"] = float(raw)
            elif has_value and name == "status":
                values["status"] = int(raw)
            elif has_value and name == "truncate":
                values["truncate_at"] = int(raw)
            elif has_value and name == "chunk":
                values["chunk"] = int(raw)
            elif has_value and name in {"oversize", "bomb"}:
                values[name] = parse_size(raw)
            else:
                raise ValueError
        except ValueError:
            raise ValueError(f"fault {text!r}: cannot read {token!r}; {_EXAMPLES}") from None
    try:
        return Fault(**values), options
    except ValueError as exc:
        raise ValueError(f"fault {text!r}: {exc}") from None


def _rule_option(text: str, name: str, raw: str) -> dict[str, Any]:
    """`{option: value}` from one rule option of the spec `text` (`p` is `probability`)."""
    try:
        if name == "times":
            if raw in {"inf", "all", "*", "none", "unlimited"}:
                return {"times": None}
            return {"times": int(raw)}
        if name == "skip":
            return {"skip": int(raw)}
        probability = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise ValueError(
            f"fault {text!r}: cannot read {name}={raw!r}; expected e.g. times=3, times=inf, "
            "skip=1, probability=0.05"
        ) from None
    return {"probability": probability}


@dataclasses.dataclass(eq=False)
class FaultRule:
    """A rule of `FaultRegistry`: which requests fail, how, and how often.

    Attributes:
        pattern: what it matches (an operation id, or `[METHOD ]path` with `*` and
            `{param}` wildcards).
        fault: the failure applied.
        times: how many matching requests fail (None: all of them).
        skip: how many matching requests pass untouched before failures start.
        probability: the chance that a matching request (past `skip`) fails; 1: always.
        matched: matching requests seen so far.
        fired: requests this rule failed so far.
    """

    pattern: str
    fault: Fault
    times: int | None = 1
    skip: int = 0
    probability: float = 1.0
    matched: int = 0
    fired: int = 0
    _method: str | None = dataclasses.field(default=None, repr=False)
    _path: re.Pattern[str] | None = dataclasses.field(default=None, repr=False)
    _operation: str | None = dataclasses.field(default=None, repr=False)
    _random: random.Random | None = dataclasses.field(default=None, repr=False)

    def __post_init__(self) -> None:
        pattern = self.pattern.strip()
        if not pattern:
            raise ValueError("fault pattern must not be empty")
        times = self.times
        if times is not None and (
            isinstance(times, bool) or not isinstance(times, int) or times < 1
        ):
            raise ValueError(f"times: {times!r} is not valid; expected >= 1 or None")
        if isinstance(self.skip, bool) or not isinstance(self.skip, int) or self.skip < 0:
            raise ValueError(f"skip: {self.skip!r} is not valid; expected >= 0")
        if not (
            isinstance(self.probability, int | float)
            and not isinstance(self.probability, bool)
            and 0 < self.probability <= 1
        ):
            raise ValueError(f"probability: {self.probability!r} is not valid; expected 0 < p <= 1")
        if self._random is None:
            self._random = random.Random(f"{self.pattern}:{self.fault}")
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

    def strikes(self) -> bool:
        """Whether this matching request (past `skip`) fails: the rule's coin toss."""
        if self.probability >= 1:
            return True
        assert self._random is not None
        return self._random.random() < self.probability

    def to_json(self) -> dict[str, Any]:
        """The rule as the admin route lists it."""
        return {
            "pattern": self.pattern,
            "fault": str(self.fault),
            "times": self.times,
            "skip": self.skip,
            "probability": self.probability,
            "matched": self.matched,
            "fired": self.fired,
            "remaining": self.remaining,
        }


class FaultRegistry:
    """`simulator.faults`: rules that make matching requests fail.

    Args:
        seed: seeds each rule's `probability` draws (the simulator passes its own seed),
            so the same seed and the same requests fail the same way.
    """

    def __init__(self, *, seed: int = 0) -> None:
        self._rules: list[FaultRule] = []
        self._seed = seed
        self._added = 0

    def add(
        self,
        pattern: str,
        fault: Fault | str | int,
        *,
        times: int | _Unset | None = _UNSET,
        skip: int | _Unset = _UNSET,
        probability: float | _Unset = _UNSET,
        retry_after: float | None = None,
        delay: float | None = None,
        html: bool | None = None,
        after: bool | None = None,
    ) -> FaultRule:
        """Make the requests matching `pattern` fail with `fault`.

        Args:
            pattern: `"UpdateSim"` (an operation id), `"POST /v1/Sims/{Sid}"`,
                `"GET /v1/Sims*"`, `"/v1/Commands"` (any method) or `"*"`.
            fault: a `Fault`, the string syntax (`"429;retry-after=2"`, `"drop;after"`,
                `"503;times=3;probability=0.05"`), or a status code.
            times: how many matching requests fail (None: every one); default 1, or the
                `times=` of the string.
            skip: let this many matching requests through first (default 0).
            probability: each matching request fails with this chance (default 1).
            retry_after, delay, html, after: override those fields of `fault`.

        Returns:
            The rule; its `matched`/`fired` counters show what happened.
        """
        if isinstance(fault, bool):
            raise TypeError("fault: expected a Fault, a fault string or a status code")
        options: dict[str, Any] = {}
        if isinstance(fault, Fault):
            base = fault
        else:
            base, options = _parse(str(fault), rule_options=True)
        changes: dict[str, Any] = {
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
            base = dataclasses.replace(base, **changes)
        chosen_times = options.get("times", 1) if times is _UNSET else times
        chosen_skip = options.get("skip", 0) if skip is _UNSET else skip
        chosen_probability = (
            options.get("probability", 1.0) if probability is _UNSET else probability
        )
        # One generator per rule, seeded from the simulator's seed and the rule itself, so
        # adding a rule never changes which requests another rule fails.
        number = self._added + 1
        rule = FaultRule(
            pattern,
            base,
            times=chosen_times,
            skip=chosen_skip,
            probability=chosen_probability,
            _random=random.Random(f"{self._seed}:{number}:{pattern}:{base}"),
        )
        self._added = number
        self._rules.append(rule)
        return rule

    def add_rule(self, text: str) -> FaultRule:
        """Add a rule from `PATTERN=SPEC`, the server's `--fault` syntax.

        The pattern ends at the first `=`: `"GET /v1/Sims/*=503;times=3"`,
        `"*=drop;probability=0.05;times=inf"`, `"FetchSim=delay=0.5"`.
        """
        pattern, has_spec, spec = str(text).partition("=")
        if not has_spec or not pattern.strip() or not spec.strip():
            raise ValueError(
                f"fault rule {text!r}: expected PATTERN=SPEC, e.g. 'GET /v1/Sims/*=503;times=3'"
            )
        return self.add(pattern.strip(), spec.strip())

    def match(self, method: str, path: str, operation: str | None) -> Fault | None:
        """The fault for this request (consuming one use of the first live matching rule)."""
        for rule in self._rules:
            if rule.remaining == 0 or not rule.matches(method, path, operation):
                continue
            rule.matched += 1
            if rule.matched <= rule.skip or not rule.strikes():
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
