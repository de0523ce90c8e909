"""The simulated account: SIMs, Rate Plans, Commands, their life cycles and timers.

SIM status state machine (a target outside these sets answers 400, code 20001):

    new, scheduled  -> ready, active, canceled
    ready           -> active, suspended, deactivated
    active          -> suspended, deactivated
    suspended       -> active, deactivated
    deactivated     -> canceled       (also automatic after `auto_cancel_after`, 72 h)
    canceled        -> (none)
    updating        -> (none) while a change runs: asking for the same target again
                       answers 202 (idempotent); another target answers 409 (20409)

`ready` and `active` need a Rate Plan. A change answers 202 with `status: updating` and
settles after `status_delays[target]` (with jitter); asking for the current status
answers 200. `new`, `updating`, `scheduled` and `deleted` cannot be requested. A SIM can
be deleted only when `new`, `deactivated` or `canceled` (409 otherwise).

A status the spec documents but this machine does not model (one a newer spec adds, read
from the generated enums: see `_vocabulary`) can be seeded, listed and fetched; a change
to or from it answers 400 (20001).

Commands go `queued` -> `sent` -> `delivered` (or stay `sent` without a delivery
receipt); a Command to a SIM that is not `ready` or `active` ends `failed`.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
import re
from bisect import insort
from collections import Counter
from collections.abc import Mapping
from typing import Any

from ._clock import Clock
from ._config import SimulatorConfig
from ._errors import conflict, invalid
from ._pagination import Collection
from ._records import CommandRecord, RatePlanRecord, Record, SimRecord, format_date
from ._usage import data_rate
from ._vocabulary import MODELLED_SIM_STATUSES, Vocabulary

__all__ = ["TRANSITIONS", "OutgoingCallback", "State"]

TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"ready", "active", "canceled"}),
    "scheduled": frozenset({"ready", "active", "canceled"}),
    "ready": frozenset({"active", "suspended", "deactivated"}),
    "active": frozenset({"suspended", "deactivated"}),
    "suspended": frozenset({"active", "deactivated"}),
    "deactivated": frozenset({"canceled"}),
    "canceled": frozenset(),
    "updating": frozenset(),
}
NEEDS_RATE_PLAN = frozenset({"ready", "active"})
DELETABLE = frozenset({"new", "deactivated", "canceled"})
CONNECTED = frozenset({"ready", "active"})

SID_PATTERNS = {prefix: re.compile(rf"{prefix}[0-9a-fA-F]{{32}}\Z") for prefix in ("DE", "WP")}

_SEED_PLANS: tuple[dict[str, Any], ...] = (
    {
        "unique_name": "iot-starter",
        "friendly_name": "IoT Starter",
        "data_limit": 100,
        "data_metering": "payg",
        "national_roaming_data_limit": 100,
        "international_roaming": [],
    },
    {
        "unique_name": "fleet-standard",
        "friendly_name": "Fleet Standard",
        "data_limit": 1000,
        "data_metering": "quota-10",
        "national_roaming_data_limit": 500,
        "international_roaming": ["data", "messaging"],
        "international_roaming_data_limit": 250,
    },
    {
        "unique_name": "global-roaming",
        "friendly_name": "Global Roaming",
        "data_limit": 5000,
        "data_metering": "payg",
        "voice_enabled": True,
        "national_roaming_data_limit": 2000,
        "international_roaming": ["data", "messaging", "voice"],
        "international_roaming_data_limit": 2000,
    },
)
_SEED_PLAN_WEIGHTS = (0.5, 0.35, 0.15)
_SEED_COMMANDS = ("PING", "REBOOT", "GPS?", "STATUS", "FW?", "SLEEP 300")


def _luhn(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return digits + str((10 - total % 10) % 10)


class OutgoingCallback:
    """A callback a completed change owes: where, how, and with what parameters."""

    __slots__ = ("method", "params", "url")

    def __init__(self, url: str, method: str, params: dict[str, str]) -> None:
        self.url = url
        self.method = method
        self.params = params


class _Job:
    __slots__ = ("callback_method", "callback_url", "kind", "sid", "token")

    def __init__(
        self, kind: str, sid: str, token: int, callback_url: str | None, callback_method: str
    ) -> None:
        self.kind = kind
        self.sid = sid
        self.token = token
        self.callback_url = callback_url
        self.callback_method = callback_method


class State:
    """Everything the simulated account holds, and the timers that change it."""

    def __init__(self, config: SimulatorConfig, clock: Clock) -> None:
        self.config = config
        self.clock = clock
        self.account_sid = config.account_sid
        self.vocabulary = Vocabulary.load()
        self._record_extras: dict[str, tuple[str, ...]] = {}
        self.sims: Collection[SimRecord] = Collection()
        self.rate_plans: Collection[RatePlanRecord] = Collection()
        self.commands: Collection[CommandRecord] = Collection()
        self.plan_usage: Counter[str] = Counter()
        self.outbox: list[OutgoingCallback] = []
        # (created_at list of to_sim, of from_sim) per SIM SID and for the account ("").
        self.command_times: dict[str, tuple[list[dt.datetime], list[dt.datetime]]] = {}
        self.epoch = clock.now()
        self._ids = random.Random(config.seed)
        self._jitter = random.Random(f"jitter-{config.seed}")
        self._heap: list[tuple[float, int, _Job]] = []
        self._counter = 0
        self._version = 0
        self._rate_cache: tuple[int, float] = (-1, 0.0)
        self._serial = 0
        self._seed()

    # --- identifiers and time --------------------------------------------------------

    def new_sid(self, prefix: str) -> str:
        return f"{prefix}{self._ids.getrandbits(128):032x}"

    def now_text(self) -> str:
        return format_date(self.clock.now())

    def wall_at(self, monotonic: float) -> dt.datetime:
        """The wall time at which the monotonic clock read `monotonic`."""
        return self.clock.now() - dt.timedelta(seconds=self.clock.monotonic() - monotonic)

    def _delay(self, seconds: float) -> float:
        jitter = self.config.jitter
        if not jitter or not seconds:
            return seconds
        return seconds * self._jitter.uniform(1 - jitter, 1 + jitter)

    # --- seeding ---------------------------------------------------------------------

    def _seed(self) -> None:
        config = self.config
        rng = random.Random(f"fleet-{config.seed}")
        plans = [self.add_rate_plan(**fields) for fields in _SEED_PLANS]
        statuses = _status_list(config.sims, config.status_mix, rng)
        now = self.clock.now()
        for index, status in enumerate(statuses, start=1):
            plan: RatePlanRecord | None = rng.choices(plans, _SEED_PLAN_WEIGHTS)[0]
            if status in {"new", "scheduled"} and rng.random() < 0.5:
                plan = None
            created = now - dt.timedelta(minutes=10 * (config.sims - index + 1))
            self.add_sim(
                status=status,
                unique_name=f"sim-{index:06d}",
                friendly_name=f"Fleet device {index:06d}",
                rate_plan=plan,
                e_id=(
                    "89049032" + "".join(rng.choices("0123456789", k=24))
                    if rng.random() < 0.1
                    else None
                ),
                sim_registration_code="".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=8)),
                created=created,
            )
        connected = [sim for sim in self.sims.items if sim.status in {"active", "suspended"}]
        if not connected or not config.seed_commands:
            return
        span = 7 * 24 * 3600
        offsets = sorted((rng.uniform(60, span) for _ in range(config.seed_commands)), reverse=True)
        for offset in offsets:
            sim = rng.choice(connected)
            direction = "to_sim" if rng.random() < 0.6 else "from_sim"
            transport = "ip" if rng.random() < 0.15 else "sms"
            self.add_command(
                sim,
                rng.choice(_SEED_COMMANDS),
                direction=direction,
                transport=transport,
                status="delivered" if direction == "to_sim" else "received",
                created=now - dt.timedelta(seconds=offset),
            )

    # --- records ---------------------------------------------------------------------

    def _extras(self, model: str, record: Record) -> tuple[str, ...]:
        """The fields the spec documents for `model` that records of its kind lack."""
        found = self._record_extras.get(model)
        if found is None:
            found = self.vocabulary.extra_fields(model, record.to_dict(""))
            self._record_extras[model] = found
        return found

    def add_rate_plan(self, *, created: dt.datetime | None = None, **fields: Any) -> RatePlanRecord:
        stamp = format_date(created) if created is not None else self.now_text()
        plans = self.rate_plans
        plan = RatePlanRecord(
            self.new_sid("WP"), plans.next_seq(), stamp, account_sid=self.account_sid, **fields
        )
        if plan.unique_name is not None:
            self.check_unique_name(plan.unique_name, "WP", None)
        plan.extras = self._extras("RatePlan", plan)
        plans.add(plan, plan.unique_name)
        return plan

    def add_sim(
        self,
        *,
        status: str = "new",
        unique_name: str | None = None,
        friendly_name: str | None = None,
        rate_plan: RatePlanRecord | None = None,
        iccid: str | None = None,
        e_id: str | None = None,
        sim_registration_code: str | None = None,
        created: dt.datetime | None = None,
    ) -> SimRecord:
        status = str(status)  # a generated enum member is stored as its value
        seedable = self.vocabulary.seedable_sim_statuses
        if status not in seedable:
            raise ValueError(
                f"status: cannot add a SIM in status {status!r}; use {sorted(seedable)}"
            )
        sims = self.sims
        if unique_name is not None:
            self.check_unique_name(unique_name, "DE", None)
        self._serial += 1
        if iccid is None:
            iccid = _luhn(f"89012608{self.config.seed % 100:02d}{self._serial:09d}")
        seq = sims.next_seq()
        sim = SimRecord(
            self.new_sid("DE"),
            seq,
            format_date(created) if created is not None else self.now_text(),
            account_sid=self.account_sid,
            iccid=iccid,
            status=status,
            unique_name=unique_name,
            friendly_name=friendly_name,
            rate_plan_sid=rate_plan.sid if rate_plan is not None else None,
            e_id=e_id,
            sim_registration_code=sim_registration_code,
            ip_address=_ip_for(seq) if status == "active" else None,
        )
        sim.extras = self._extras("Sim", sim)
        sims.add(sim, unique_name)
        if sim.rate_plan_sid is not None:
            self.plan_usage[sim.rate_plan_sid] += 1
        self._version += 1
        return sim

    def add_command(
        self,
        sim: SimRecord,
        command: str,
        *,
        direction: str = "to_sim",
        transport: str = "sms",
        status: str | None = None,
        command_mode: str = "text",
        delivery_receipt_requested: bool = True,
        include_sid: str = "none",
        callback_url: str | None = None,
        callback_method: str = "POST",
        created: dt.datetime | None = None,
    ) -> CommandRecord:
        """Store a Command; a new `to_sim` one starts `queued` and progresses on timers."""
        when = created if created is not None else self.clock.now()
        commands = self.commands
        if status is None:
            status = "queued" if direction == "to_sim" else "received"
        record = CommandRecord(
            self.new_sid("DC"),
            commands.next_seq(),
            format_date(when),
            account_sid=self.account_sid,
            sim_sid=sim.sid,
            command=command,
            created_at=when,
            command_mode=command_mode,
            transport=transport,
            direction=direction,
            status=status,
            delivery_receipt_requested=delivery_receipt_requested,
            include_sid=include_sid,
            callback_url=callback_url,
            callback_method=callback_method,
        )
        record.extras = self._extras("Command", record)
        commands.add(record)
        which = 0 if direction == "to_sim" else 1
        for key in (sim.sid, ""):
            insort(self.command_times.setdefault(key, ([], []))[which], when)
        if status == "queued":
            self._schedule(self.config.command_sent_delay, "command_sent", record.sid, 0, None, "")
        return record

    def delete_command(self, command: CommandRecord) -> None:
        self.commands.remove(command)
        which = 0 if command.direction == "to_sim" else 1
        for key in (command.sim_sid, ""):
            times = self.command_times.get(key)
            if times is not None and command.created_at in times[which]:
                times[which].remove(command.created_at)

    def delete_sim(self, sim: SimRecord) -> None:
        if sim.status not in DELETABLE:
            raise conflict(
                f"Sim {sim.sid} is {sim.status}; only a new, deactivated or canceled Sim "
                "can be deleted"
            )
        self.sims.remove(sim, sim.unique_name)
        if sim.rate_plan_sid is not None:
            self.plan_usage[sim.rate_plan_sid] -= 1
        sim.token += 1  # voids its timers
        self._version += 1

    def delete_rate_plan(self, plan: RatePlanRecord) -> None:
        in_use = self.plan_usage.get(plan.sid, 0)
        if in_use > 0:
            raise conflict(
                f"RatePlan {plan.sid} is assigned to {in_use} Sim(s); reassign them first"
            )
        self.rate_plans.remove(plan, plan.unique_name)

    def check_unique_name(self, name: str, prefix: str, owner: object) -> None:
        """400 for a name that looks like a SID, 409 for one that another resource uses."""
        if SID_PATTERNS[prefix].match(name):
            raise invalid(f"UniqueName {name!r} must not look like a SID ({prefix}...)")
        collection: Collection[Any] = self.sims if prefix == "DE" else self.rate_plans
        holder = collection.by_name.get(name)
        if holder is not None and holder is not owner:
            raise conflict(f"UniqueName {name!r} is already used by {holder.sid}")

    def rename_sim(self, sim: SimRecord, name: str | None) -> None:
        self.sims.rename(sim, sim.unique_name, name)
        sim.unique_name = name

    def rename_rate_plan(self, plan: RatePlanRecord, name: str | None) -> None:
        self.rate_plans.rename(plan, plan.unique_name, name)
        plan.unique_name = name

    def assign_rate_plan(self, sim: SimRecord, plan: RatePlanRecord) -> None:
        if sim.rate_plan_sid == plan.sid:
            return
        if sim.rate_plan_sid is not None:
            self.plan_usage[sim.rate_plan_sid] -= 1
        sim.rate_plan_sid = plan.sid
        self.plan_usage[plan.sid] += 1

    # --- SIM status machine ----------------------------------------------------------

    def check_status_change(self, sim: SimRecord, target: str, has_plan: bool) -> str:
        """'same' (200), 'pending' (already updating to it: 202) or 'change' (202)."""
        vocabulary = self.vocabulary
        if target not in vocabulary.sim_statuses:
            expected = ", ".join(sorted(vocabulary.seedable_sim_statuses))
            raise invalid(f"Status {target!r} is not valid; expected one of {expected}")
        current = sim.status
        if target == current:
            return "same"
        if current == "updating":
            if target == sim.pending_status:
                return "pending"
            raise conflict(
                f"Sim {sim.sid} is updating to {sim.pending_status}; wait for that change "
                f"to finish before asking for {target}"
            )
        unmodelled = [s for s in (current, target) if s not in MODELLED_SIM_STATUSES]
        if unmodelled:
            raise invalid(
                f"Invalid status transition for Sim {sim.sid}: {current} -> {target} "
                f"(the simulator does not model changes to or from {unmodelled[0]})"
            )
        allowed = TRANSITIONS.get(current, frozenset())
        if target not in allowed:
            listed = ", ".join(sorted(allowed)) or "none"
            raise invalid(
                f"Invalid status transition for Sim {sim.sid}: {current} -> {target} "
                f"(allowed from {current}: {listed})"
            )
        if target in NEEDS_RATE_PLAN and not has_plan:
            raise invalid(f"Sim {sim.sid} needs a RatePlan before it can become {target}")
        return "change"

    def start_status_change(
        self, sim: SimRecord, target: str, callback_url: str | None, callback_method: str
    ) -> None:
        sim.status = "updating"
        sim.pending_status = target
        sim.token += 1
        self._schedule(
            self.config.status_delay(target),
            "status",
            sim.sid,
            sim.token,
            callback_url,
            callback_method,
        )

    def check_reset(self, sim: SimRecord) -> bool:
        """True if a reset is already running (202 again), False to start one."""
        if sim.reset_status == "resetting":
            return True
        if sim.status != "active":
            raise invalid(
                f"Sim {sim.sid} is {sim.status}; only an active Sim's connectivity can be reset"
            )
        return False

    def start_reset(self, sim: SimRecord, callback_url: str | None, callback_method: str) -> None:
        sim.reset_status = "resetting"
        self._schedule(
            self.config.reset_seconds(), "reset", sim.sid, sim.token, callback_url, callback_method
        )

    def sim_callback(self, sim: SimRecord, url: str, method: str, extra: dict[str, str]) -> None:
        params = {
            "AccountSid": sim.account_sid,
            "SimSid": sim.sid,
            "Sid": sim.sid,
            "UniqueName": sim.unique_name or "",
            "Iccid": sim.iccid,
            "Status": sim.status,
            "RatePlanSid": sim.rate_plan_sid or "",
            "DateUpdated": sim.date_updated,
            **extra,
        }
        self.outbox.append(OutgoingCallback(url, method, params))

    def command_callback(self, command: CommandRecord) -> None:
        if not command.callback_url:
            return
        sim = self.sims.by_sid.get(command.sim_sid)
        params = {
            "AccountSid": command.account_sid,
            "CommandSid": command.sid,
            "SimSid": command.sim_sid,
            "SimUniqueName": (sim.unique_name or "") if sim is not None else "",
            "Command": command.command,
            "CommandMode": command.command_mode,
            "Direction": command.direction,
            "Transport": command.transport,
            "Status": command.status,
            "CommandStatus": command.status,
            "DeliveryReceiptRequested": "true" if command.delivery_receipt_requested else "false",
            "DateUpdated": command.date_updated,
        }
        self.outbox.append(OutgoingCallback(command.callback_url, command.callback_method, params))

    # --- timers ----------------------------------------------------------------------

    def _schedule(
        self,
        seconds: float,
        kind: str,
        sid: str,
        token: int,
        callback_url: str | None,
        callback_method: str,
    ) -> None:
        due = self.clock.monotonic() + self._delay(seconds)
        self._counter += 1
        heapq.heappush(
            self._heap, (due, self._counter, _Job(kind, sid, token, callback_url, callback_method))
        )

    def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    def run_due(self) -> int:
        """Apply every timer that is due; returns how many ran."""
        heap = self._heap
        if not heap:
            return 0
        now = self.clock.monotonic()
        ran = 0
        while heap and heap[0][0] <= now:
            due, _, job = heapq.heappop(heap)
            self._run(job, due)
            ran += 1
        return ran

    def _run(self, job: _Job, due: float) -> None:
        stamp = format_date(self.wall_at(due))
        if job.kind.startswith("command"):
            self._run_command(job, stamp)
            return
        sim = self.sims.by_sid.get(job.sid)
        if sim is None:
            return
        if job.kind == "status":
            if sim.token != job.token or sim.status != "updating" or sim.pending_status is None:
                return
            previous_target = sim.pending_status
            sim.status = previous_target
            sim.pending_status = None
            if sim.status == "active" and sim.ip_address is None:
                sim.ip_address = _ip_for(sim.seq)
            elif sim.status in {"deactivated", "canceled"}:
                sim.ip_address = None
            sim.touch(stamp)
            self._version += 1
            if sim.status == "deactivated" and self.config.auto_cancel_after is not None:
                heapq.heappush(
                    self._heap,
                    (
                        due + self.config.auto_cancel_after,
                        self._next_counter(),
                        _Job("auto_cancel", sim.sid, sim.token, None, ""),
                    ),
                )
            if job.callback_url:
                self.sim_callback(sim, job.callback_url, job.callback_method, {})
        elif job.kind == "reset":
            if sim.reset_status != "resetting":
                return
            sim.reset_status = None
            sim.touch(stamp)
            if job.callback_url:
                self.sim_callback(
                    sim, job.callback_url, job.callback_method, {"ResetStatus": "completed"}
                )
        elif job.kind == "auto_cancel" and sim.token == job.token and sim.status == "deactivated":
            sim.status = "canceled"
            sim.touch(stamp)

    def _next_counter(self) -> int:
        self._counter += 1
        return self._counter

    def _run_command(self, job: _Job, stamp: str) -> None:
        command = self.commands.by_sid.get(job.sid)
        if command is None:
            return
        if job.kind == "command_sent" and command.status == "queued":
            sim = self.sims.by_sid.get(command.sim_sid)
            if sim is None or sim.status not in CONNECTED:
                command.status = "failed"
            elif command.delivery_receipt_requested:
                command.status = "sent"
                self._schedule(
                    self.config.command_delivered_delay,
                    "command_delivered",
                    command.sid,
                    0,
                    None,
                    "",
                )
            else:
                command.status = "sent"
            command.touch(stamp)
            if command.status != "sent" or not command.delivery_receipt_requested:
                self.command_callback(command)
        elif job.kind == "command_delivered" and command.status == "sent":
            command.status = "delivered"
            command.touch(stamp)
            self.command_callback(command)

    # --- aggregates -------------------------------------------------------------------

    def account_rate(self) -> float:
        """Bytes per hour of the whole fleet (cached until SIMs change)."""
        version, rate = self._rate_cache
        if version != self._version:
            rate = sum(data_rate(sim.sid, sim.status) for sim in self.sims.items)
            self._rate_cache = (self._version, rate)
        return rate

    def drain_outbox(self) -> list[OutgoingCallback]:
        out, self.outbox = self.outbox, []
        return out


def _ip_for(seq: int) -> str:
    return f"10.{(seq >> 16) & 255}.{(seq >> 8) & 255}.{seq & 255 or 1}"


def _status_list(count: int, mix: Mapping[str, float], rng: random.Random) -> list[str]:
    """Exactly `count` statuses in the proportions of `mix` (largest remainder), shuffled."""
    if count == 0:
        return []
    weights: dict[str, float] = {}
    for status, weight in mix.items():  # keys may be generated enum members
        weights[str(status)] = weights.get(str(status), 0.0) + float(weight)
    # Scaled by the largest weight first, so that neither the sum nor a share overflows.
    peak = max(weights.values(), default=0.0)
    if not (peak > 0 and math.isfinite(peak)):
        raise ValueError("status_mix: weights must be finite numbers >= 0, not all 0")
    scaled = {status: weight / peak for status, weight in weights.items()}
    total = sum(scaled.values())
    shares = {status: count * weight / total for status, weight in scaled.items()}
    counts = {status: int(share) for status, share in shares.items()}
    remainder = count - sum(counts.values())
    for status in sorted(shares, key=lambda s: (counts[s] - shares[s], s))[:remainder]:
        counts[status] += 1
    statuses = [status for status in sorted(counts) for _ in range(counts[status])]
    rng.shuffle(statuses)
    return statuses
