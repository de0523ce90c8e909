"""Enum values and response fields only a newer spec documents: the simulator reads them
from the generated layer.

Each test that needs one injects it the way regenerating from such a spec would: the
generated `SimStatus` (or `CommandStatus`) in `twilio_wireless_openapi.models` is replaced
by an enum with one more member, before the simulator is created. Values are passed as
the generated open enum's pseudo-members (`SimStatus("hibernating")`, from `_missing_`),
as SDK users holding a value the API sent would. Response fields are injected likewise,
as a generated model with one more field.
"""

from __future__ import annotations

import random
from enum import StrEnum
from typing import Any

import attrs
import httpx
import pytest
from twilio_wireless_openapi import models

import twilio_wireless as tw
from twilio_wireless.simulator import (
    TRANSITIONS,
    CallbackCapture,
    ManualClock,
    SimulatorConfig,
    WirelessSimulator,
)
from twilio_wireless.simulator._state import _status_list
from twilio_wireless.simulator._vocabulary import (
    MODELLED_COMMAND_DIRECTIONS,
    MODELLED_COMMAND_STATUSES,
    MODELLED_COMMAND_TRANSPORTS,
    MODELLED_SIM_STATUSES,
    Vocabulary,
    documented,
    documented_fields,
)

from .conftest import error_json

NEW_STATUS = "hibernating"


def _extended(name: str, value: str) -> type[StrEnum]:
    """The generated enum `name` as a spec listing one more value would generate it."""
    current = getattr(models, name)
    members = {member.name: member.value for member in current}
    return StrEnum(name, {**members, value.upper(): value})


@pytest.fixture
def hibernating(monkeypatch: pytest.MonkeyPatch) -> models.SimStatus:
    """A SIM status the spec now documents and the state machine does not model."""
    generated = models.SimStatus
    monkeypatch.setattr(models, "SimStatus", _extended("SimStatus", NEW_STATUS))
    value = generated(NEW_STATUS)  # the open enum's pseudo-member
    assert value == NEW_STATUS
    assert value not in list(generated)
    return value


# --- what is modelled, what is documented ---------------------------------------------------


def test_the_modelled_statuses_are_the_state_machines() -> None:
    assert frozenset({*TRANSITIONS, "deleted"}) == MODELLED_SIM_STATUSES


def test_the_spec_documents_everything_the_simulator_models() -> None:
    assert documented("SimStatus") >= MODELLED_SIM_STATUSES
    assert documented("CommandStatus") >= MODELLED_COMMAND_STATUSES
    assert documented("CommandDirection") >= MODELLED_COMMAND_DIRECTIONS
    assert documented("CommandTransport") >= MODELLED_COMMAND_TRANSPORTS
    assert documented("NoSuchEnum") == frozenset()


def test_the_vocabulary_follows_the_generated_enum(hibernating: models.SimStatus) -> None:
    vocabulary = Vocabulary.load()
    assert NEW_STATUS in vocabulary.sim_statuses
    assert vocabulary.unmodelled_sim_statuses == {NEW_STATUS}
    assert NEW_STATUS in vocabulary.seedable_sim_statuses
    assert not {"updating", "deleted"} & vocabulary.seedable_sim_statuses


# --- a fleet with SIMs in a status the state machine does not model -----------------------


class TestAnUnmodelledStatus:
    @pytest.fixture
    def wireless_simulator_config(self, hibernating: models.SimStatus) -> SimulatorConfig:
        return SimulatorConfig(
            sims=20,
            seed=3,
            clock=ManualClock(),
            callback_transport=CallbackCapture(),
            status_mix={"active": 1, hibernating: 1},
        )

    async def test_seeded_listed_filtered_and_fetched(
        self,
        wireless_client: tw.WirelessClient,
        raw: httpx.AsyncClient,
        wireless_simulator: WirelessSimulator,
    ) -> None:
        sids = wireless_simulator.sim_sids(NEW_STATUS)
        assert len(sids) == 10
        # The SDK checks a filter against the enum it was built with: filter over HTTP.
        listed = (await raw.get("/v1/Sims", params={"Status": NEW_STATUS})).json()
        assert [sim["sid"] for sim in listed["sims"]] == sids
        assert {sim["status"] for sim in listed["sims"]} == {NEW_STATUS}
        assert f"Status={NEW_STATUS}" in listed["meta"]["url"]
        # The SDK reads it (its enums are open), here across pages.
        everything = await wireless_client.sims.list(page_size=7).to_list()
        assert sum(sim.status == NEW_STATUS for sim in everything) == 10
        fetched = await wireless_client.sims.fetch(sids[0])
        assert fetched.status == NEW_STATUS
        assert fetched.ip_address is None
        snapshot = wireless_simulator.get_sim(sids[0])
        assert snapshot is not None
        assert type(snapshot["status"]) is str  # stored as the value, not the enum member

    async def test_its_usage_sessions_and_commands_answer(
        self, wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
    ) -> None:
        sid = wireless_simulator.sim_sids(NEW_STATUS)[0]
        assert await wireless_client.sims.usage_records(sid, granularity="all").to_list()
        await wireless_client.sims.data_sessions(sid).to_list()
        command = await wireless_client.commands.create(command="ping", sim=sid)
        await wireless_simulator.advance(60)
        assert (await wireless_client.commands.fetch(command.sid)).status == "failed"

    async def test_asking_for_it_again_answers_200_and_other_fields_change(
        self,
        raw: httpx.AsyncClient,
        wireless_simulator: WirelessSimulator,
        captured: CallbackCapture,
    ) -> None:
        sid = wireless_simulator.sim_sids(NEW_STATUS)[0]
        response = await raw.post(
            f"/v1/Sims/{sid}",
            data={
                "Status": NEW_STATUS,
                "FriendlyName": "dormant",
                "CallbackUrl": "https://gateway.example/sims",
            },
        )
        assert response.status_code == 200, response.text
        assert response.json()["status"] == NEW_STATUS
        assert response.json()["friendly_name"] == "dormant"
        await wireless_simulator.deliver_callbacks()
        (call,) = captured.calls
        assert call.params["Status"] == NEW_STATUS

    async def test_changes_to_and_from_it_are_refused_with_400(
        self,
        once: tw.WirelessClient,
        raw: httpx.AsyncClient,
        wireless_simulator: WirelessSimulator,
    ) -> None:
        active = wireless_simulator.sim_sids("active")[0]
        dormant = wireless_simulator.sim_sids(NEW_STATUS)[0]
        into = await raw.post(f"/v1/Sims/{active}", data={"Status": NEW_STATUS})
        assert into.status_code == 400
        assert f"does not model changes to or from {NEW_STATUS}" in error_json(into)["message"]
        with pytest.raises(tw.BadRequestError) as out_of:
            await once.sims.update(dormant, status="active")
        assert out_of.value.code == 20001
        response = await raw.post(f"/v1/Sims/{dormant}", data={"Status": "suspended"})
        assert response.status_code == 400
        assert error_json(response)["code"] == 20001
        assert wireless_simulator.get_sim(active)["status"] == "active"  # type: ignore[index]
        assert wireless_simulator.get_sim(dormant)["status"] == NEW_STATUS  # type: ignore[index]

    async def test_it_cannot_be_deleted(
        self, once: tw.WirelessClient, wireless_simulator: WirelessSimulator
    ) -> None:
        sid = wireless_simulator.sim_sids(NEW_STATUS)[0]
        with pytest.raises(tw.ConflictError) as info:
            await once.sims.delete(sid)
        assert info.value.code == 20409

    async def test_added_and_forced_with_the_enum_member(
        self, wireless_simulator: WirelessSimulator, hibernating: models.SimStatus
    ) -> None:
        added = wireless_simulator.add_sim(status=hibernating, unique_name="dormant-1")
        assert added["status"] == NEW_STATUS
        assert type(added["status"]) is str
        forced = wireless_simulator.set_sim_status(
            wireless_simulator.sim_sids("active")[0], NEW_STATUS
        )
        assert forced["status"] == NEW_STATUS
        assert len(wireless_simulator.sim_sids(NEW_STATUS)) == 12


def test_a_server_started_after_regeneration_seeds_it(hibernating: models.SimStatus) -> None:
    simulator = WirelessSimulator(sims=30, seed=1, status_mix={hibernating: 2, "ready": 1})
    assert len(simulator.sim_sids(NEW_STATUS)) == 20
    assert len(simulator.sim_sids("ready")) == 10


# --- without it in the spec, it is an invalid value -----------------------------------------


async def test_a_status_no_spec_documents_is_refused(
    raw: httpx.AsyncClient, wireless_simulator: WirelessSimulator
) -> None:
    with pytest.raises(ValueError, match="status_mix: cannot seed SIMs in \\['hibernating'\\]"):
        SimulatorConfig(status_mix={NEW_STATUS: 1})
    with pytest.raises(ValueError, match="cannot add a SIM in status 'hibernating'"):
        wireless_simulator.add_sim(status=NEW_STATUS)
    with pytest.raises(ValueError, match="is not a SIM status"):
        wireless_simulator.set_sim_status("sim-000001", NEW_STATUS)
    listed = await raw.get("/v1/Sims", params={"Status": NEW_STATUS})
    assert listed.status_code == 400
    assert "is not a Sim status" in error_json(listed)["message"]
    sid = wireless_simulator.sim_sids("active")[0]
    response = await raw.post(f"/v1/Sims/{sid}", data={"Status": NEW_STATUS})
    assert response.status_code == 400
    assert "is not valid; expected one of" in error_json(response)["message"]


# --- Command filters --------------------------------------------------------------------------


async def test_command_filters_accept_documented_values(
    monkeypatch: pytest.MonkeyPatch, raw: httpx.AsyncClient
) -> None:
    for name, param, value in (
        ("CommandStatus", "Status", "expired"),
        ("CommandDirection", "Direction", "to_device"),
        ("CommandTransport", "Transport", "nbiot"),
    ):
        before = await raw.get("/v1/Commands", params={param: value})
        assert before.status_code == 400, name
        with monkeypatch.context() as patch:
            patch.setattr(models, name, _extended(name, value))
            simulator = WirelessSimulator(sims=5, clock=ManualClock())
            async with simulator.http_client(
                auth=(simulator.account_sid, simulator.auth_token)
            ) as client:
                after = await client.get("/v1/Commands", params={param: value})
                bogus = await client.get("/v1/Commands", params={param: "bogus"})
            await simulator.aclose()
        assert after.status_code == 200, after.text
        assert after.json()["commands"] == []
        assert bogus.status_code == 400


# --- response fields ---------------------------------------------------------------------------


def _with_field(name: str, field: str) -> type:
    """The generated model `name` as a spec listing one more field would generate it."""
    fields = {f.name: attrs.field(default=None) for f in attrs.fields(getattr(models, name))}
    return attrs.make_class(name, {**fields, field: attrs.field(default=None)})


def test_documented_fields_are_the_generated_models() -> None:
    fields = documented_fields("Sim")
    assert {"sid", "status", "links", "ip_address"} <= set(fields)
    assert "additional_properties" not in fields
    assert documented_fields("NoSuchModel") == ()
    assert documented_fields("SimStatus") == ()  # an enum, not a model


async def test_a_documented_field_the_simulator_lacks_is_null(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, field in (
        ("Sim", "imei"),
        ("RatePlan", "data_speed"),
        ("Command", "error_code"),
        ("DataSession", "apn"),
        ("SimUsageRecord", "billing_period"),
        ("AccountUsageRecord", "billing_period"),
        ("PageMeta", "total"),
    ):
        monkeypatch.setattr(models, name, _with_field(name, field))
    simulator = WirelessSimulator(sims=5, clock=ManualClock(), status_mix={"active": 1})
    async with simulator.http_client(auth=(simulator.account_sid, simulator.auth_token)) as raw:
        sid = simulator.sim_sids()[0]
        sims = (await raw.get("/v1/Sims")).json()
        assert sims["meta"]["total"] is None
        assert {sim["imei"] for sim in sims["sims"]} == {None}
        assert (await raw.get(f"/v1/Sims/{sid}")).json()["imei"] is None
        updated = await raw.post(f"/v1/Sims/{sid}", data={"FriendlyName": "x"})
        assert updated.json()["imei"] is None
        plans = (await raw.get("/v1/RatePlans")).json()["rate_plans"]
        assert {plan["data_speed"] for plan in plans} == {None}
        command = await raw.post("/v1/Commands", data={"Sim": sid, "Command": "ping"})
        assert command.json()["error_code"] is None
        sessions = (await raw.get(f"/v1/Sims/{sid}/DataSessions")).json()["data_sessions"]
        assert sessions
        assert {session["apn"] for session in sessions} == {None}
        for path in (f"/v1/Sims/{sid}/UsageRecords", "/v1/UsageRecords"):
            records = (await raw.get(path)).json()["usage_records"]
            assert records
            assert {record["billing_period"] for record in records} == {None}
    snapshot = simulator.get_sim(sid)
    assert snapshot is not None
    assert "imei" in snapshot
    assert snapshot["imei"] is None
    await simulator.aclose()


async def test_a_sim_without_a_rate_plan_has_no_rate_plan_link(raw: httpx.AsyncClient) -> None:
    """`links` maps names to URLs (the patched spec): no Rate Plan, no link, never null."""
    sims = (await raw.get("/v1/Sims", params={"PageSize": 50})).json()["sims"]
    without = [sim for sim in sims if sim["rate_plan_sid"] is None]
    with_plan = [sim for sim in sims if sim["rate_plan_sid"] is not None]
    assert without
    assert with_plan
    for sim in without:
        assert set(sim["links"]) == {"data_sessions", "usage_records"}
    for sim in with_plan:
        assert sim["links"]["rate_plan"] == (
            f"http://wireless.simulator/v1/RatePlans/{sim['rate_plan_sid']}"
        )
    for sim in sims:
        assert all(isinstance(url, str) for url in sim["links"].values())


# --- seeding proportions ----------------------------------------------------------------------


def test_status_weights_of_any_size_seed_exactly() -> None:
    rng = random.Random(0)
    statuses = _status_list(10, {"active": 1e308, "ready": 1e308}, rng)
    assert sorted(statuses) == ["active"] * 5 + ["ready"] * 5
    assert _status_list(3, {"new": 5e-324}, rng) == ["new"] * 3
    with pytest.raises(ValueError, match="status_mix"):
        _status_list(3, {}, rng)
    with pytest.raises(ValueError, match="status_mix"):
        _status_list(3, {"new": 0.0}, rng)


@pytest.mark.parametrize("weight", [float("inf"), float("nan"), -1.0, True, "1"])
def test_status_weights_must_be_finite_numbers(weight: Any) -> None:
    with pytest.raises(ValueError, match="status_mix: weights must be finite numbers"):
        SimulatorConfig(status_mix={"active": 1, "ready": weight})
