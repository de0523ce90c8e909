"""SIMs through the real SDK: fetch, list, filters, pagination, updates, state machine."""

from __future__ import annotations

import anyio
import httpx
import pytest

import twilio_wireless as tw
from twilio_wireless.simulator import (
    CallbackCapture,
    ManualClock,
    SimulatorConfig,
    WirelessSimulator,
)

from .conftest import error_json

# --- fetch --------------------------------------------------------------------------------


async def test_fetch_by_sid_and_by_unique_name(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.sim_sids()[0]
    by_sid = await wireless_client.sims.fetch(sid)
    by_name = await wireless_client.sims.fetch("sim-000001")
    assert by_sid.sid == by_name.sid == sid
    assert by_sid.unique_name == "sim-000001"
    assert by_sid.account_sid == wireless_simulator.account_sid
    assert by_sid.url == f"http://wireless.simulator/v1/Sims/{sid}"
    assert by_sid.iccid is not None
    assert len(by_sid.iccid) == 20
    assert by_sid.date_created is not None
    assert by_sid.date_created.tzinfo is not None


async def test_fetch_unknown_is_404_with_twilio_body(
    wireless_client: tw.WirelessClient, raw: httpx.AsyncClient
) -> None:
    with pytest.raises(tw.NotFoundError) as info:
        await wireless_client.sims.fetch("no-such-sim")
    assert info.value.code == 20404
    response = await raw.get("/v1/Sims/no-such-sim")
    assert response.status_code == 404
    assert error_json(response)["code"] == 20404


async def test_wrong_credentials_are_401(wireless_simulator: WirelessSimulator) -> None:
    async with wireless_simulator.http_client() as http:
        client = tw.WirelessClient(
            wireless_simulator.account_sid,
            "not-the-token",
            base_url="http://wireless.simulator",
            http_client=http,
        )
        with pytest.raises(tw.AuthenticationError) as info:
            await client.sims.fetch("sim-000001")
        assert info.value.code == 20003
        response = await http.get("/v1/Sims")
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Basic")
        assert error_json(response)["code"] == 20003


async def test_iccids_are_unique_luhn_valid_and_names_unique(
    wireless_simulator: WirelessSimulator,
) -> None:
    sims = [wireless_simulator.get_sim(sid) for sid in wireless_simulator.sim_sids()]
    iccids = [sim["iccid"] for sim in sims if sim]
    assert len(set(iccids)) == len(iccids) == 50
    for iccid in iccids:
        assert iccid.startswith("8901")
        assert _luhn_ok(iccid)
    names = [sim["unique_name"] for sim in sims if sim]
    assert names == [f"sim-{n:06d}" for n in range(1, 51)]


def _luhn_ok(number: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(number)):
        value = int(char)
        if position % 2:
            value *= 2
            value -= 9 if value > 9 else 0
        total += value
    return total % 10 == 0


def test_the_same_seed_gives_the_same_fleet() -> None:
    a = WirelessSimulator(sims=30, seed=3, clock=ManualClock())
    b = WirelessSimulator(sims=30, seed=3, clock=ManualClock())
    c = WirelessSimulator(sims=30, seed=4, clock=ManualClock())
    assert a.sim_sids() == b.sim_sids() != c.sim_sids()
    assert [a.get_sim(s) for s in a.sim_sids()] == [b.get_sim(s) for s in b.sim_sids()]


def test_status_mix_is_exact() -> None:
    sim = WirelessSimulator(sims=20, clock=ManualClock(), status_mix={"active": 3, "suspended": 1})
    assert len(sim.sim_sids("active")) == 15
    assert len(sim.sim_sids("suspended")) == 5


# --- list, filters and pagination ------------------------------------------------------


async def test_list_pages_meta_and_absolute_next_url(
    wireless_client: tw.WirelessClient,
) -> None:
    pages = [page async for page in wireless_client.sims.list(page_size=20).pages()]
    assert [len(page) for page in pages] == [20, 20, 10]
    assert [page.page for page in pages] == [0, 1, 2]
    assert pages[0].next_page_url is not None
    assert pages[0].next_page_url.startswith("http://wireless.simulator/v1/Sims?")
    assert "PageSize=20" in pages[0].next_page_url
    assert "Page=1" in pages[0].next_page_url
    assert "PageToken=PA" in pages[0].next_page_url
    assert pages[0].previous_page_url is None
    assert pages[1].previous_page_url is not None
    assert "PageToken=PB" in pages[1].previous_page_url
    assert pages[-1].next_page_url is None
    names = [sim.unique_name for page in pages for sim in page]
    assert names == [f"sim-{n:06d}" for n in range(1, 51)]


async def test_meta_urls_are_on_the_host_the_request_came_to(
    wireless_simulator: WirelessSimulator,
) -> None:
    auth = (wireless_simulator.account_sid, wireless_simulator.auth_token)
    async with wireless_simulator.http_client("https://other.host:8443", auth=auth) as http:
        body = (await http.get("/v1/Sims", params={"PageSize": 5, "Status": "active"})).json()
    meta = body["meta"]
    assert meta["key"] == "sims"
    assert meta["page"] == 0
    assert meta["page_size"] == 5
    assert meta["first_page_url"] == (
        "https://other.host:8443/v1/Sims?Status=active&PageSize=5&Page=0"
    )
    assert meta["url"] == meta["first_page_url"]
    assert meta["next_page_url"].startswith(
        "https://other.host:8443/v1/Sims?Status=active&PageSize=5&Page=1&PageToken=PA"
    )
    assert body["sims"][0]["url"].startswith("https://other.host:8443/v1/Sims/DE")


async def test_previous_page_url_goes_back(raw: httpx.AsyncClient) -> None:
    first = (await raw.get("/v1/Sims", params={"PageSize": 7})).json()
    second = (await raw.get(first["meta"]["next_page_url"])).json()
    back = (await raw.get(second["meta"]["previous_page_url"])).json()
    assert [s["sid"] for s in back["sims"]] == [s["sid"] for s in first["sims"]]
    assert back["meta"]["page"] == 0


async def test_page_without_token_is_an_offset(raw: httpx.AsyncClient) -> None:
    all_sids = [
        s["sid"] for s in (await raw.get("/v1/Sims", params={"PageSize": 50})).json()["sims"]
    ]
    page = (await raw.get("/v1/Sims", params={"PageSize": 10, "Page": 2})).json()
    assert [s["sid"] for s in page["sims"]] == all_sids[20:30]


@pytest.mark.parametrize("size", ["0", "1001", "-1", "ten"])
async def test_page_size_out_of_range_is_400(raw: httpx.AsyncClient, size: str) -> None:
    response = await raw.get("/v1/Sims", params={"PageSize": size})
    assert response.status_code == 400
    assert error_json(response)["code"] == 20001


async def test_page_size_bounds_are_accepted(raw: httpx.AsyncClient) -> None:
    one = (await raw.get("/v1/Sims", params={"PageSize": 1})).json()
    most = (await raw.get("/v1/Sims", params={"PageSize": 1000})).json()
    assert len(one["sims"]) == 1
    assert len(most["sims"]) == 50
    assert most["meta"]["next_page_url"] is None


async def test_bad_page_token_is_400(raw: httpx.AsyncClient) -> None:
    response = await raw.get("/v1/Sims", params={"PageToken": "garbage"})
    assert response.status_code == 400


async def test_status_filter_is_kept_across_pages(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    pager = wireless_client.sims.list(status="active", page_size=10)
    pages = [page async for page in pager.pages()]
    assert all("Status=active" in (p.next_page_url or "Status=active") for p in pages)
    found = [sim.sid for page in pages for sim in page]
    assert found == wireless_simulator.sim_sids("active")
    assert len(pages) == 4  # 35 active SIMs


async def test_filters_by_iccid_e_id_and_registration_code(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    target = wireless_simulator._state.sims.lookup("sim-000001")
    assert target is not None
    assert target.e_id is not None
    assert target.sim_registration_code is not None
    by_iccid = await wireless_client.sims.list(iccid=target.iccid).to_list()
    by_eid = await wireless_client.sims.list(e_id=target.e_id).to_list()
    by_code = await wireless_client.sims.list(
        sim_registration_code=target.sim_registration_code
    ).to_list()
    assert [s.sid for s in by_iccid] == [s.sid for s in by_eid] == [s.sid for s in by_code]
    assert [s.sid for s in by_iccid] == [target.sid]
    assert await wireless_client.sims.list(iccid="0000").to_list() == []


async def test_filter_by_rate_plan_sid_or_unique_name(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    plan = wireless_simulator.get_rate_plan("fleet-standard")
    assert plan is not None
    by_name = await wireless_client.sims.list(rate_plan="fleet-standard").to_list()
    by_sid = await wireless_client.sims.list(rate_plan=plan["sid"]).to_list()
    assert [s.sid for s in by_name] == [s.sid for s in by_sid]
    assert by_name
    assert all(s.rate_plan_sid == plan["sid"] for s in by_name)
    assert await wireless_client.sims.list(rate_plan="no-such-plan").to_list() == []


async def test_invalid_status_filter_is_400(raw: httpx.AsyncClient) -> None:
    response = await raw.get("/v1/Sims", params={"Status": "sleeping"})
    assert response.status_code == 400
    assert error_json(response)["code"] == 20001


async def test_deep_pages_with_tokens_survive_deletes(raw: httpx.AsyncClient) -> None:
    first = (await raw.get("/v1/Sims", params={"PageSize": 10})).json()
    # Delete the first SIM of the next page before asking for it: the token still works.
    following = (await raw.get("/v1/Sims", params={"PageSize": 10, "Page": 1})).json()
    canceled = [s for s in following["sims"] if s["status"] in {"new", "canceled"}]
    if canceled:
        assert (await raw.delete(f"/v1/Sims/{canceled[0]['sid']}")).status_code == 204
    second = (await raw.get(first["meta"]["next_page_url"])).json()
    expected = [s["sid"] for s in following["sims"] if not canceled or s != canceled[0]]
    assert [s["sid"] for s in second["sims"]][: len(expected)] == expected


def test_a_deep_page_of_a_large_fleet_is_cheap() -> None:
    """Token pages start by binary search: the 100th page costs what the 1st does."""
    import time

    from twilio_wireless.simulator._pagination import PageRequest

    sim = WirelessSimulator(sims=20_000, clock=ManualClock(), seed_commands=0)
    sims = sim._state.sims
    last_seq = sims.items[19_000].seq
    started = time.perf_counter()
    for _ in range(200):
        page, more = sims.select(PageRequest(100, 190, ("A", last_seq), None))
    elapsed = time.perf_counter() - started
    assert len(page) == 100
    assert more
    assert page[0].seq == last_seq + 1
    assert elapsed < 1.0  # ~10 ms here; an O(offset) scan would be far slower


# --- updates and the state machine ------------------------------------------------------


async def test_status_change_is_202_updating_then_settles(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    change = await wireless_client.sims.begin_update(sid, status="suspended")
    assert change.accepted
    assert change.initial is not None
    assert change.initial.status == "updating"
    assert wireless_simulator.requests[-1].status == 202
    assert (await wireless_client.sims.fetch(sid)).status == "updating"
    wireless_simulator.manual_clock.advance(1.0)  # jittered delay is 1.6..2.4 s
    assert (await wireless_client.sims.fetch(sid)).status == "updating"
    wireless_simulator.manual_clock.advance(2.0)
    settled = await wireless_client.sims.fetch(sid)
    assert settled.status == "suspended"
    assert settled.date_updated is not None


async def test_update_waits_for_the_change_on_the_simulator_clock(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.sim_sids("suspended")[0]
    settled = await wireless_client.sims.update(sid, status="active")
    assert settled.status == "active"
    assert wireless_simulator.clock.monotonic() > 0  # the client's polling moved it


async def test_unchanged_status_is_200(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    change = await wireless_client.sims.begin_update(sid, status="active")
    assert not change.accepted
    assert wireless_simulator.requests[-1].status == 200
    assert change.initial is not None
    assert change.initial.status == "active"


@pytest.mark.parametrize(
    ("current", "target"),
    [("canceled", "active"), ("active", "new"), ("deactivated", "active"), ("active", "ready")],
)
async def test_invalid_transition_is_400(
    once: tw.WirelessClient, wireless_simulator: WirelessSimulator, current: str, target: str
) -> None:
    sid = wireless_simulator.sim_sids(current)[0]
    with pytest.raises(tw.BadRequestError) as info:
        await once.sims.update(sid, status=target)
    assert info.value.code == 20001
    assert "transition" in info.value.message or "not valid" in info.value.message
    assert wireless_simulator.get_sim(sid)["status"] == current  # type: ignore[index]


async def test_activation_needs_a_rate_plan(
    once: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    bare = wireless_simulator.add_sim(status="new")
    with pytest.raises(tw.BadRequestError, match="RatePlan"):
        await once.sims.update(bare["sid"], status="active")
    settled = await once.sims.update(bare["sid"], status="active", rate_plan="iot-starter")
    assert settled.status == "active"
    assert settled.rate_plan_sid == wireless_simulator.get_rate_plan("iot-starter")["sid"]  # type: ignore[index]


async def test_same_target_while_updating_is_202_other_is_409(
    once: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    await once.sims.update(sid, status="suspended", wait=False)
    again = await once.sims.begin_update(sid, status="suspended")
    assert again.accepted  # a retried request is harmless
    with pytest.raises(tw.ConflictError) as info:
        await once.sims.update(sid, status="deactivated", wait=False)
    assert info.value.code == 20409


async def test_deactivated_becomes_canceled_after_72_hours(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    assert (await wireless_client.sims.update(sid, status="deactivated")).status == "deactivated"
    wireless_simulator.manual_clock.advance(71 * 3600)
    assert (await wireless_client.sims.fetch(sid)).status == "deactivated"
    wireless_simulator.manual_clock.advance(2 * 3600)
    assert (await wireless_client.sims.fetch(sid)).status == "canceled"


async def test_reset_is_202_resetting_then_null(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    change = await wireless_client.sims.begin_update(sid, reset_status="resetting")
    assert change.accepted
    assert change.initial is not None
    assert change.initial.reset_status == "resetting"
    wireless_simulator.manual_clock.advance(10)
    fetched = await wireless_client.sims.fetch(sid)
    assert fetched.reset_status is None
    assert fetched.status == "active"


async def test_reset_of_a_suspended_sim_is_400(
    once: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    with pytest.raises(tw.BadRequestError):
        await once.sims.update(
            wireless_simulator.sim_sids("suspended")[0], reset_status="resetting"
        )


async def test_field_updates_are_200_and_rename_moves_the_address(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    updated = await wireless_client.sims.update(
        "sim-000002",
        unique_name="pump-7",
        friendly_name="Pump 7",
        commands_callback_url="https://example.com/commands",
        commands_callback_method="GET",
        rate_plan="global-roaming",
    )
    assert wireless_simulator.requests[-1].status == 200
    assert (updated.unique_name, updated.friendly_name) == ("pump-7", "Pump 7")
    assert updated.commands_callback_url == "https://example.com/commands"
    assert (await wireless_client.sims.fetch("pump-7")).sid == updated.sid
    with pytest.raises(tw.NotFoundError):
        await wireless_client.sims.fetch("sim-000002")


async def test_duplicate_unique_name_is_409(once: tw.WirelessClient) -> None:
    with pytest.raises(tw.ConflictError):
        await once.sims.update("sim-000002", unique_name="sim-000003")


async def test_invalid_values_are_400(raw: httpx.AsyncClient) -> None:
    for form in (
        {"Status": "sleeping"},
        {"CallbackMethod": "PUT"},
        {"CallbackUrl": "ftp://example.com"},
        {"ResetStatus": "done"},
        {"AccountSid": "AC123"},
    ):
        response = await raw.post("/v1/Sims/sim-000002", data=form)
        assert response.status_code == 400, form
        assert error_json(response)["code"] == 20001


async def test_unknown_rate_plan_in_update_is_404(once: tw.WirelessClient) -> None:
    with pytest.raises(tw.NotFoundError):
        await once.sims.update("sim-000002", rate_plan="no-such-plan")


# --- callbacks ----------------------------------------------------------------------------


async def test_status_callback_post_is_delivered_with_the_outcome(
    wireless_client: tw.WirelessClient,
    wireless_simulator: WirelessSimulator,
    captured: CallbackCapture,
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    await wireless_client.sims.update(
        sid, status="suspended", callback_url="https://app.example/sim-events", wait=False
    )
    assert captured.calls == []  # nothing until the change completes
    await wireless_simulator.manual_clock.advance(5)
    assert len(captured.calls) == 1
    call = captured.calls[0]
    assert call.method == "POST"
    assert call.url == "https://app.example/sim-events"
    assert call.params["Sid"] == call.params["SimSid"] == sid
    assert call.params["Status"] == "suspended"
    assert call.params["AccountSid"] == wireless_simulator.account_sid
    assert call.params["UniqueName"] == wireless_simulator.get_sim(sid)["unique_name"]  # type: ignore[index]
    assert call.headers["x-twilio-signature"]
    assert wireless_simulator.callbacks[0].status_code == 200


async def test_status_callback_get_puts_params_in_the_query(
    wireless_client: tw.WirelessClient,
    wireless_simulator: WirelessSimulator,
    captured: CallbackCapture,
) -> None:
    sid = wireless_simulator.sim_sids("ready")[0]
    await wireless_client.sims.update(
        sid,
        status="active",
        callback_url="https://app.example/hook?source=sim",
        callback_method="GET",
        wait=False,
    )
    await wireless_simulator.manual_clock.advance(10)
    (call,) = captured.calls
    assert call.method == "GET"
    assert call.params["source"] == "sim"
    assert call.params["Status"] == "active"


async def test_callbacks_can_go_to_an_asgi_app_in_process(
    wireless_simulator: WirelessSimulator, wireless_client: tw.WirelessClient
) -> None:
    received: list[bytes] = []

    async def receiver(scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def,type-arg]
        message = await receive()
        received.append(message.get("body", b""))
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    await wireless_simulator.set_callback_transport(httpx.ASGITransport(app=receiver))
    sid = wireless_simulator.sim_sids("active")[1]
    await wireless_client.sims.update(
        sid, reset_status="resetting", callback_url="http://receiver/reset", wait=False
    )
    await wireless_simulator.manual_clock.advance(10)
    assert len(received) == 1
    assert b"ResetStatus=completed" in received[0]
    assert wireless_simulator.callbacks[-1].status_code == 204


async def test_callback_failures_are_recorded(wireless_client: tw.WirelessClient) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    sim = WirelessSimulator(
        SimulatorConfig(
            sims=3,
            status_mix={"active": 1},
            clock=ManualClock(),
            callback_transport=httpx.MockTransport(refuse),
        )
    )
    async with sim, sim.http_client() as http:
        client = tw.WirelessClient(
            sim.account_sid, sim.auth_token, base_url="http://x.test", http_client=http
        )
        await client.sims.update(
            "sim-000001", friendly_name="x", callback_url="https://down.example/"
        )
        await sim.deliver_callbacks()
        assert sim.callbacks[-1].status_code is None
        assert "ConnectError" in (sim.callbacks[-1].error or "")


async def test_real_clock_settles_and_calls_back_without_further_requests() -> None:
    called = anyio.Event()
    params: list[dict[str, str]] = []

    def receive(request: httpx.Request) -> httpx.Response:
        params.append(dict(httpx.QueryParams(request.content.decode())))
        called.set()
        return httpx.Response(200)

    sim = WirelessSimulator(
        sims=2,
        status_mix={"active": 1},
        settle_delay=0.05,
        jitter=0,
        callback_transport=httpx.MockTransport(receive),
    )
    async with sim, sim.http_client(auth=(sim.account_sid, sim.auth_token)) as http:
        response = await http.post(
            "/v1/Sims/sim-000001",
            data={"Status": "suspended", "CallbackUrl": "https://app.example/cb"},
        )
        assert response.status_code == 202
        with anyio.fail_after(2):  # no request is made meanwhile: the timer does it
            await called.wait()
        assert params[0]["Status"] == "suspended"
        assert sim.get_sim("sim-000001")["status"] == "suspended"  # type: ignore[index]


# --- delete -------------------------------------------------------------------------------


async def test_delete_is_real(
    wireless_client: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.sim_sids("canceled")[0]
    await wireless_client.sims.delete(sid)
    assert wireless_simulator.requests[-1].status == 204
    with pytest.raises(tw.NotFoundError):
        await wireless_client.sims.fetch(sid)
    assert sid not in [s.sid async for s in wireless_client.sims.list()]


async def test_deleting_an_active_sim_is_409(
    once: tw.WirelessClient, wireless_simulator: WirelessSimulator
) -> None:
    sid = wireless_simulator.sim_sids("active")[0]
    with pytest.raises(tw.ConflictError):
        await once.sims.delete(sid)
    assert wireless_simulator.get_sim(sid) is not None


async def test_unknown_routes_and_methods(raw: httpx.AsyncClient) -> None:
    assert (await raw.get("/v1/Nothing")).status_code == 404
    response = await raw.put("/v1/Sims/sim-000001")
    assert response.status_code == 405
    assert error_json(response)["code"] == 20004
    assert response.headers["allow"] == "DELETE, GET, POST"
