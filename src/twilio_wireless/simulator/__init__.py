"""An in-memory Twilio Programmable Wireless v1 API, for tests and local development.

In-process (no network, no server):

    import twilio_wireless as tw
    from twilio_wireless.simulator import ManualClock, WirelessSimulator

    sim = WirelessSimulator(sims=100, seed=1, clock=ManualClock())
    client = tw.WirelessClient(
        sim.account_sid, sim.auth_token,
        base_url="http://wireless.simulator", http_client=sim.http_client(),
    )
    sid = sim.sim_sids("active")[0]
    sim_json = await client.sims.update(sid, status="suspended", wait=False)
    assert sim_json.status == "updating"  # 202 Accepted
    await sim.manual_clock.advance(10)  # settles, and delivers the callbacks due

As a server: `python -m twilio_wireless.simulator --port 8080 --sims 10000` (needs the
`twilio-wireless[simulator]` extra). In pytest: the `wireless_simulator` and
`wireless_client` fixtures (the pytest plugin in `twilio_wireless.testing`).

The simulator speaks HTTP only; it never imports the SDK client (nor its testing
helpers), and importing it loads none of the client's modules. Its behaviour:

- HTTP Basic auth with `account_sid`/`auth_token`; errors are Twilio's JSON body
  `{"code", "message", "more_info", "status"}` (codes: see `_errors`, summarised below).
- Twilio pagination: `PageSize` (1..1000, default 50), `Page`, `PageToken`, and `meta`
  with absolute URLs on the host the request came to; next pages keep the filters.
- SIM status changes answer 202 with `status: updating` and settle after a delay on
  `clock` (per target status, with deterministic jitter); asking for the current status
  answers 200. The state machine (anything else is 400, code 20001):

      new, scheduled  -> ready, active, canceled       (ready/active need a Rate Plan)
      ready           -> active, suspended, deactivated
      active          -> suspended, deactivated
      suspended       -> active, deactivated
      deactivated     -> canceled (also by itself after `auto_cancel_after`, 72 h)
      canceled        -> nothing
      updating        -> the same target again: 202; another one: 409 (20409)

  A status the spec documents that this machine does not model (one a newer spec adds,
  e.g. after regenerating: the simulator reads the generated enums) can be seeded,
  listed, filtered on and fetched; a change to or from it answers 400 (20001). The
  Command Status/Direction/Transport filters likewise accept every documented value.

  `ResetStatus=resetting` (active SIMs) answers 202 and settles back to null. Commands
  go queued -> sent -> delivered (or end `sent` without a receipt, `failed` if the SIM
  is not ready/active). A CallbackUrl is called (POST form or GET query, signed with
  X-Twilio-Signature) when the change completes.
- Fault injection (`simulator.faults.add(pattern, fault, times=N)`, the server's
  `--fault PATTERN=SPEC`, `POST /__simulator/faults`, or one request's
  `X-Simulator-Fault` header; one syntax, see `_faults`: `503`, `503;html`,
  `429;retry-after=2`, `delay=0.5`, `drop`, `drop;after`, `truncate=100`, `drip=0.5`,
  `oversize=1g`, `endless`, `bomb=1g`, with `times=`, `skip=`, `probability=` on rules):
  429 with Retry-After, 5xx (JSON or HTML), delays, connections closed before any byte
  or mid-body, bodies dripped, huge, endless or gzip bombs; each before the request
  touches the state or after it was applied. Rule probabilities follow the seed.
  `simulator.requests` logs what arrived and whether it changed the state.
- Twilio's account concurrency limit (`max_in_flight`, default 100 per simulator; see
  `_limits`): one request more is answered 429, code 20429, at once and never
  processed. `latency` seconds per request hold the request's slot (virtual time on a
  `ManualClock`). Every answer carries `Twilio-Request-Id` (RQ + 32 hex) and API answers
  `Twilio-Concurrent-Requests`; `simulator.stats` counts requests, the in-flight peak
  and 429s by reason.
- Admin routes for a running server, loopback clients only, no auth (see `_admin`):
  `GET/POST/DELETE /__simulator/faults`, `GET /__simulator/stats`.

Error codes:

    20001 400  invalid or missing parameter, invalid SIM status transition
    20003 401  missing or wrong credentials
    20004 405  method not allowed on this path
    20403 403  an admin route asked from a non-loopback address
    20404 404  no such resource (in the path, or named by Sim / RatePlan)
    20409 409  unique name in use; status change while another runs; delete refused
    20429 429  more requests in flight than `max_in_flight`, or an injected rate limit
    20500 5xx  injected server error, or a simulator failure
    20503 503  injected service unavailable
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._app import OPERATIONS, ConnectionDropped, RecordedRequest
    from ._callbacks import CallbackCapture, CallbackRecord, CapturedCallback
    from ._clock import Clock, ManualClock, RealClock
    from ._config import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, SimulatorConfig
    from ._faults import FAULT_HEADER, Fault, FaultRegistry, FaultRule
    from ._limits import SimulatorStats
    from ._simulator import DEFAULT_BASE_URL, WirelessSimulator
    from ._state import TRANSITIONS
    from ._transport import SimulatorTransport

# Names are imported on first use, so loading the pytest plugin (which imports this
# package) costs nothing beyond `twilio_wireless` itself.
_LAZY = {
    "ConnectionDropped": "._app",
    "OPERATIONS": "._app",
    "RecordedRequest": "._app",
    "CallbackCapture": "._callbacks",
    "CallbackRecord": "._callbacks",
    "CapturedCallback": "._callbacks",
    "Clock": "._clock",
    "ManualClock": "._clock",
    "RealClock": "._clock",
    "DEFAULT_ACCOUNT_SID": "._config",
    "DEFAULT_AUTH_TOKEN": "._config",
    "SimulatorConfig": "._config",
    "FAULT_HEADER": "._faults",
    "Fault": "._faults",
    "FaultRegistry": "._faults",
    "FaultRule": "._faults",
    "SimulatorStats": "._limits",
    "DEFAULT_BASE_URL": "._simulator",
    "WirelessSimulator": "._simulator",
    "TRANSITIONS": "._state",
    "SimulatorTransport": "._transport",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "DEFAULT_ACCOUNT_SID",
    "DEFAULT_AUTH_TOKEN",
    "DEFAULT_BASE_URL",
    "FAULT_HEADER",
    "OPERATIONS",
    "TRANSITIONS",
    "CallbackCapture",
    "CallbackRecord",
    "CapturedCallback",
    "Clock",
    "ConnectionDropped",
    "Fault",
    "FaultRegistry",
    "FaultRule",
    "ManualClock",
    "RealClock",
    "RecordedRequest",
    "SimulatorConfig",
    "SimulatorStats",
    "SimulatorTransport",
    "WirelessSimulator",
]
