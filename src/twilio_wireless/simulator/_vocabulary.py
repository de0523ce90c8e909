"""The enum values the simulator accepts: what the spec documents, and what it models.

The state machine (`_state.TRANSITIONS`) models the SIM statuses whose rules are known.
Twilio adds enum values over time, and a regenerated spec lists them in the generated
layer's enums (`twilio_wireless_openapi.models.SimStatus`, ...). The simulator reads
those enums each time a simulator is created, so a status only a newer spec documents
(say `hibernating`) is still a valid value:

- it can be seeded (`status_mix`, `add_sim`, `set_sim_status`), listed, used as a list
  filter and fetched, and it appears in callbacks like any other status;
- asking for it again on a SIM already in it answers 200, like any status;
- a change *to* or *from* it answers 400 (code 20001): the simulator does not know which
  transitions Twilio allows, so it refuses them rather than guess;
- a SIM in it cannot be deleted (409, like every status but new, deactivated, canceled).

The same goes for the Command `Status`, `Direction` and `Transport` list filters. If the
generated layer does not provide an enum, the modelled values alone are accepted.

Response fields work the same way: a field the generated model of a response has and the
simulator does not produce (one a newer spec adds) is sent as `null`, as Twilio sends
every field of a resource.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Iterable
from typing import Any

import attrs

__all__ = [
    "MODELLED_COMMAND_DIRECTIONS",
    "MODELLED_COMMAND_STATUSES",
    "MODELLED_COMMAND_TRANSPORTS",
    "MODELLED_SIM_STATUSES",
    "UNSEEDABLE_SIM_STATUSES",
    "Vocabulary",
    "documented",
    "documented_fields",
]

# Statuses the state machine knows (`deleted` is documented; a SIM never stays in it).
MODELLED_SIM_STATUSES = frozenset(
    {"new", "scheduled", "ready", "active", "suspended", "deactivated", "canceled"}
    | {"updating", "deleted"}
)
# `updating` needs a change in progress; `deleted` SIMs are gone.
UNSEEDABLE_SIM_STATUSES = frozenset({"updating", "deleted"})
MODELLED_COMMAND_STATUSES = frozenset({"queued", "sent", "delivered", "received", "failed"})
MODELLED_COMMAND_DIRECTIONS = frozenset({"to_sim", "from_sim"})
MODELLED_COMMAND_TRANSPORTS = frozenset({"sms", "ip"})

_MODELS = "twilio_wireless_openapi.models"


def documented(enum_name: str) -> frozenset[str]:
    """The values the generated layer's enum `enum_name` lists (empty if it has none)."""
    try:
        models = importlib.import_module(_MODELS)
    except ImportError:
        return frozenset()
    enum: Iterable[object] | None = getattr(models, enum_name, None)
    if enum is None:
        return frozenset()
    return frozenset(str(getattr(member, "value", member)) for member in enum)


def documented_fields(model_name: str) -> tuple[str, ...]:
    """The fields of the generated response model `model_name` (empty if there is none)."""
    try:
        models = importlib.import_module(_MODELS)
    except ImportError:
        return ()
    model = getattr(models, model_name, None)
    if model is None or not attrs.has(model):
        return ()
    # `init=False` fields are the generator's own (e.g. additional_properties).
    return tuple(field.name for field in attrs.fields(model) if field.init)


@dataclasses.dataclass(frozen=True)
class Vocabulary:
    """The values one simulator accepts, read once when it is created."""

    sim_statuses: frozenset[str]
    command_statuses: frozenset[str]
    command_directions: frozenset[str]
    command_transports: frozenset[str]
    _extra_fields: dict[str, tuple[str, ...]] = dataclasses.field(
        default_factory=dict, compare=False, repr=False
    )

    def extra_fields(self, model_name: str, produced: Iterable[str]) -> tuple[str, ...]:
        """Fields the spec documents for `model_name` that `produced` lacks (cached per
        model: the simulator always produces the same fields for one)."""
        found = self._extra_fields.get(model_name)
        if found is None:
            have = set(produced)
            found = tuple(f for f in documented_fields(model_name) if f not in have)
            self._extra_fields[model_name] = found
        return found

    def complete(self, model_name: str, data: dict[str, Any]) -> dict[str, Any]:
        """`data` with every documented field it lacks set to None."""
        for name in self.extra_fields(model_name, data):
            data.setdefault(name, None)
        return data

    @classmethod
    def load(cls) -> Vocabulary:
        return cls(
            sim_statuses=MODELLED_SIM_STATUSES | documented("SimStatus"),
            command_statuses=MODELLED_COMMAND_STATUSES | documented("CommandStatus"),
            command_directions=MODELLED_COMMAND_DIRECTIONS | documented("CommandDirection"),
            command_transports=MODELLED_COMMAND_TRANSPORTS | documented("CommandTransport"),
        )

    @property
    def seedable_sim_statuses(self) -> frozenset[str]:
        """Statuses a SIM can be created in or forced to."""
        return self.sim_statuses - UNSEEDABLE_SIM_STATUSES

    @property
    def unmodelled_sim_statuses(self) -> frozenset[str]:
        """Documented statuses the state machine has no rules for."""
        return self.sim_statuses - MODELLED_SIM_STATUSES
