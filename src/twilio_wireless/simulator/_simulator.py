"""WirelessSimulator: the state, the ASGI app, faults, timers and callbacks together."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any, Self

import httpx

from ._app import RecordedRequest, SimulatorApp
from ._callbacks import CallbackDispatcher, CallbackRecord
from ._clock import Clock, ManualClock, RealClock
from ._config import SimulatorConfig
from ._faults import FaultRegistry
from ._limits import Limits, SimulatorStats
from ._records import RatePlanRecord, Record, SimRecord
from ._state import State
from ._transport import SimulatorTransport

__all__ = ["DEFAULT_BASE_URL", "WirelessSimulator"]

DEFAULT_BASE_URL = "http://wireless.simulator"


class WirelessSimulator:
    """An in-memory Twilio Programmable Wireless v1 API, served as an ASGI app.

    Use `app` with `httpx.ASGITransport` (or `http_client()`, which does that) in-process,
    or serve it with uvicorn (`python -m twilio_wireless.simulator`).

    Args:
        config: what to seed and how to behave (default `SimulatorConfig()`).
        **overrides: fields of `SimulatorConfig` to change, e.g. `sims=10`.

    Attributes:
        app: the ASGI application.
        config: the configuration in force.
        clock: the clock delays run on (`config.clock`, or a `RealClock`).
        faults: fault-injection rules (`faults.add(...)`), drawn with `config.seed`.
        requests: every request received, oldest first (see `RecordedRequest`).
    """

    def __init__(self, config: SimulatorConfig | None = None, **overrides: Any) -> None:
        config = config if config is not None else SimulatorConfig()
        if overrides:
            config = dataclasses.replace(config, **overrides)
        self.config = config
        self.clock: Clock = config.clock if config.clock is not None else RealClock()
        self.faults = FaultRegistry(seed=config.seed)
        self.requests: collections.deque[RecordedRequest] = collections.deque(
            maxlen=config.max_recorded_requests
        )
        self._state = State(config, self.clock)
        self._limits = Limits(
            self.clock, max_in_flight=config.max_in_flight, latency=config.latency
        )
        self._callbacks = CallbackDispatcher(
            transport=config.callback_transport,
            timeout=config.callback_timeout,
            auth_token=config.auth_token,
            clock=self.clock,
        )
        self._timer: asyncio.TimerHandle | None = None
        self._timer_due: float | None = None
        self._closed = False
        self.app = SimulatorApp(self)
        self.clock.subscribe(self._on_clock_jump)

    # --- identity ----------------------------------------------------------------------

    @property
    def account_sid(self) -> str:
        """The account SID accepted as the Basic auth username."""
        return self.config.account_sid

    @property
    def auth_token(self) -> str:
        """The auth token accepted as the Basic auth password."""
        return self.config.auth_token

    @property
    def callbacks(self) -> list[CallbackRecord]:
        """Every callback the simulator has sent so far, oldest first."""
        return self._callbacks.log

    @property
    def manual_clock(self) -> ManualClock:
        """The clock as a `ManualClock` (raises TypeError with the real clock)."""
        if not isinstance(self.clock, ManualClock):
            raise TypeError("this simulator runs on the real clock; pass clock=ManualClock()")
        return self.clock

    def http_client(self, base_url: str = DEFAULT_BASE_URL, **kwargs: Any) -> httpx.AsyncClient:
        """An `httpx.AsyncClient` that sends requests to this simulator in-process.

        Its transport (`SimulatorTransport`) honours the client's read timeout, so an
        injected delay times the client out as a real server would.
        """
        return httpx.AsyncClient(
            transport=SimulatorTransport(app=self.app), base_url=base_url, **kwargs
        )

    # --- account limits ----------------------------------------------------------------

    @property
    def max_in_flight(self) -> int | None:
        """API requests handled at once (None: no limit); one more is answered 429."""
        return self._limits.max_in_flight

    @max_in_flight.setter
    def max_in_flight(self, value: int | None) -> None:
        self._limits.max_in_flight = value

    @property
    def latency(self) -> float:
        """Seconds each API request takes (on the simulator's clock)."""
        return self._limits.latency

    @latency.setter
    def latency(self, value: float) -> None:
        self._limits.latency = value

    @property
    def stats(self) -> SimulatorStats:
        """A snapshot: requests received, in flight and their peak, 429s by reason."""
        return self._limits.snapshot()

    def reset_stats(self) -> None:
        """Zero the counters of `stats` (a bench calls it after its warm-up)."""
        self._limits.reset()

    # --- time ----------------------------------------------------------------------------

    def settle(self) -> int:
        """Apply every change that is due now, and start its callbacks; returns how many.

        Every request does this first, so state is right without a background task.
        """
        ran = self._state.run_due()
        outgoing = self._state.drain_outbox()
        if outgoing:
            self._callbacks.submit(outgoing)
        self._arm_timer()
        return ran

    def after_request(self) -> None:
        """Start callbacks a request queued and re-arm the timer (called by the app)."""
        outgoing = self._state.drain_outbox()
        if outgoing:
            self._callbacks.submit(outgoing)
        self._arm_timer()

    def _on_clock_jump(self) -> Callable[[], Awaitable[None]]:
        self.settle()
        return self._callbacks.drain

    async def advance(self, seconds: float) -> None:
        """Advance the manual clock, settle, and wait for the callbacks that became due."""
        await self.manual_clock.advance(seconds)

    async def deliver_callbacks(self) -> None:
        """Wait until every callback due so far has been delivered."""
        self.settle()
        await self._callbacks.drain()

    async def set_callback_transport(self, transport: httpx.AsyncBaseTransport | None) -> None:
        """Send later callbacks through `transport` (e.g. a `CallbackCapture`)."""
        await self._callbacks.set_transport(transport)

    def _arm_timer(self) -> None:
        """With the real clock, wake up when the next change is due (asyncio only)."""
        if self._closed or isinstance(self.clock, ManualClock):
            return
        due = self._state.next_due()
        if due == self._timer_due:
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
            self._timer_due = None
        if due is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        delay = max(0.0, due - self.clock.monotonic())
        self._timer = loop.call_later(delay, self._on_timer)
        self._timer_due = due

    def _on_timer(self) -> None:
        self._timer = None
        self._timer_due = None
        self.settle()

    async def aclose(self) -> None:
        """Stop timers and callback delivery and close the callback HTTP client."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
            self._timer_due = None
        await self._callbacks.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- the request log -------------------------------------------------------------

    def received(
        self, method: str | None = None, path: str | None = None, *, operation: str | None = None
    ) -> list[RecordedRequest]:
        """Requests received, optionally only those with this method, path or operation.

        `path` may end with `*` to match a prefix.
        """
        found = []
        prefix = path[:-1] if path is not None and path.endswith("*") else None
        for request in self.requests:
            if method is not None and request.method != method.upper():
                continue
            if operation is not None and request.operation != operation:
                continue
            if path is not None:
                if prefix is not None:
                    if not request.path.startswith(prefix):
                        continue
                elif request.path.rstrip("/") != path.rstrip("/"):
                    continue
            found.append(request)
        return found

    # --- state helpers ---------------------------------------------------------------

    def _snapshot(self, record: Record | None) -> dict[str, Any] | None:
        if record is None:
            return None
        return record.document(DEFAULT_BASE_URL)

    def get_sim(self, sid_or_name: str) -> dict[str, Any] | None:
        """The SIM's JSON as the API would answer it (URLs on DEFAULT_BASE_URL), or None."""
        self.settle()
        return self._snapshot(self._state.sims.lookup(sid_or_name))

    def get_rate_plan(self, sid_or_name: str) -> dict[str, Any] | None:
        self.settle()
        return self._snapshot(self._state.rate_plans.lookup(sid_or_name))

    def get_command(self, sid: str) -> dict[str, Any] | None:
        self.settle()
        return self._snapshot(self._state.commands.by_sid.get(sid))

    def sim_sids(self, status: str | None = None) -> list[str]:
        """SIDs of the SIMs (in list order), optionally only those in `status`."""
        self.settle()
        return [s.sid for s in self._state.sims.items if status is None or s.status == status]

    def rate_plan_sids(self) -> list[str]:
        return [plan.sid for plan in self._state.rate_plans.items]

    def command_sids(self) -> list[str]:
        """SIDs of the Commands, newest first (the API's list order)."""
        self.settle()
        return [command.sid for command in reversed(self._state.commands.items)]

    def add_rate_plan(self, **fields: Any) -> dict[str, Any]:
        """Add a Rate Plan (fields as in the API's JSON, e.g. unique_name=, data_limit=)."""
        plan = self._state.add_rate_plan(**fields)
        return plan.document(DEFAULT_BASE_URL)

    def add_sim(
        self,
        *,
        status: str = "new",
        unique_name: str | None = None,
        friendly_name: str | None = None,
        rate_plan: str | None = None,
        iccid: str | None = None,
        e_id: str | None = None,
        sim_registration_code: str | None = None,
    ) -> dict[str, Any]:
        """Add a SIM directly (no request, no delay); returns its JSON."""
        plan: RatePlanRecord | None = None
        if rate_plan is not None:
            plan = self._state.rate_plans.lookup(rate_plan)
            if plan is None:
                raise KeyError(f"no rate plan {rate_plan!r}")
        sim = self._state.add_sim(
            status=status,
            unique_name=unique_name,
            friendly_name=friendly_name,
            rate_plan=plan,
            iccid=iccid,
            e_id=e_id,
            sim_registration_code=sim_registration_code,
        )
        return sim.document(DEFAULT_BASE_URL)

    def add_command(
        self,
        sim: str,
        command: str,
        *,
        direction: str = "from_sim",
        transport: str = "sms",
        status: str | None = None,
    ) -> dict[str, Any]:
        """Add a Command, e.g. one a device sent (`direction="from_sim"`, `received`)."""
        record = self._require_sim(sim)
        created = self._state.add_command(
            record, command, direction=direction, transport=transport, status=status
        )
        self.after_request()
        return created.document(DEFAULT_BASE_URL)

    def set_sim_status(self, sim: str, status: str) -> dict[str, Any]:
        """Force a SIM's status at once (no state machine, no delay, no callback).

        Any status the spec documents but `deleted` (see `SimulatorConfig.status_mix`).
        """
        status = str(status)  # a generated enum member is stored as its value
        allowed = self._state.vocabulary.sim_statuses - {"deleted"}
        if status not in allowed:
            raise ValueError(f"status: {status!r} is not a SIM status; use {sorted(allowed)}")
        record = self._require_sim(sim)
        record.status = status
        record.pending_status = None
        record.token += 1
        record.touch(self._state.now_text())
        return record.document(DEFAULT_BASE_URL)

    def _require_sim(self, key: str) -> SimRecord:
        record = self._state.sims.lookup(key)
        if record is None:
            raise KeyError(f"no SIM {key!r}")
        return record

    def __repr__(self) -> str:
        state = self._state
        return (
            f"<WirelessSimulator sims={len(state.sims)} rate_plans={len(state.rate_plans)} "
            f"commands={len(state.commands)} clock={self.clock!r}>"
        )
