"""Waiting out 202 Accepted: update(wait=...), begin_update, resume_update, PollPolicy."""

from __future__ import annotations

import anyio
import pytest
from pytest_httpx import HTTPXMock

import twilio_wireless as tw
from twilio_wireless.testing import FakeClock

from .. import bodies
from ..clients import over_httpx
from .conftest import SIM_SID, SIM_URL


def sim(status: str, reset_status: str | None = None) -> dict[str, object]:
    return bodies.sim(SIM_SID, status=status, reset_status=reset_status)


def accept_then(httpx_mock: HTTPXMock, *statuses: str) -> None:
    httpx_mock.add_response(url=SIM_URL, method="POST", status_code=202, json=sim("updating"))
    for status in statuses:
        httpx_mock.add_response(url=SIM_URL, method="GET", json=sim(status))


def test_poll_policy_defaults_and_validation() -> None:
    policy = tw.PollPolicy()
    assert (policy.interval, policy.max_interval, policy.multiplier, policy.timeout) == (
        1.0,
        10.0,
        1.5,
        300.0,
    )
    with pytest.raises(ValueError, match="interval"):
        tw.PollPolicy(interval=0)
    with pytest.raises(ValueError, match="multiplier"):
        tw.PollPolicy(multiplier=0.5)


async def test_update_waits_for_the_202_to_settle(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    accept_then(httpx_mock, "updating", "updating", "active")
    settled = await fast_client.sims.update(SIM_SID, status="active")
    assert settled.status == "active"
    assert fake_clock.sleeps == [1.0, 1.5, 2.25]
    assert [r.method for r in httpx_mock.get_requests()] == ["POST", "GET", "GET", "GET"]


async def test_poll_interval_grows_to_its_cap(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    client = fast_client.with_options(poll=tw.PollPolicy(interval=2, multiplier=3, max_interval=10))
    accept_then(httpx_mock, "updating", "updating", "updating", "active")
    await client.sims.update(SIM_SID, status="active")
    assert fake_clock.sleeps == [2.0, 6.0, 10.0, 10.0]


async def test_wait_false_returns_the_202_body(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    accept_then(httpx_mock)
    body = await fast_client.sims.update(SIM_SID, status="active", wait=False)
    assert body.status == "updating"
    assert len(httpx_mock.get_requests()) == 1


async def test_a_200_answer_needs_no_wait(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=SIM_URL, method="POST", json=sim("active"))
    change = await fast_client.sims.begin_update(SIM_SID, status="active")
    assert not change.accepted
    assert change.done
    assert (await change.wait()).status == "active"
    assert fake_clock.sleeps == []


async def test_begin_update_gives_a_handle(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    accept_then(httpx_mock, "suspended")
    change = await fast_client.sims.begin_update(SIM_SID, status=tw.SimStatus.SUSPENDED)
    assert change.accepted
    assert change.initial is not None
    assert change.initial.status == "updating"
    assert not change.done
    assert change.result is None
    settled = await change.wait()
    assert change.done
    assert change.result is settled
    assert change.polls == 1
    assert await change.wait() is settled  # no further request
    assert len(httpx_mock.get_requests()) == 2


async def test_settling_in_another_status_raises_with_the_sim(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    accept_then(httpx_mock, "ready")
    with pytest.raises(tw.SimStatusChangeError) as info:
        await fast_client.sims.update(SIM_SID, status="active")
    assert info.value.sim.status == "ready"
    assert info.value.expected == "active"


async def test_past_the_deadline_raises_with_the_last_sim(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    client = fast_client.with_options(poll=tw.PollPolicy(interval=1, multiplier=1, timeout=3))
    accept_then(httpx_mock, "updating", "updating", "updating")
    with pytest.raises(tw.PollTimeoutError) as info:
        await client.sims.update(SIM_SID, status="active")
    assert info.value.sim.status == "updating"
    assert sum(fake_clock.sleeps) == pytest.approx(3.0)
    assert fake_clock.now == pytest.approx(3.0)


async def test_wait_timeout_overrides_the_policy(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    accept_then(httpx_mock, "updating")
    change = await fast_client.sims.begin_update(SIM_SID, status="active")
    with pytest.raises(tw.PollTimeoutError):
        await change.wait(timeout=0.5)
    assert fake_clock.sleeps == [0.5]


async def test_a_connectivity_reset_waits_for_reset_status_to_clear(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(
        url=SIM_URL, method="POST", status_code=202, json=sim("active", "resetting")
    )
    httpx_mock.add_response(url=SIM_URL, method="GET", json=sim("active", "resetting"))
    httpx_mock.add_response(url=SIM_URL, method="GET", json=sim("active", None))
    settled = await fast_client.sims.update(SIM_SID, reset_status="resetting")
    assert settled.reset_status is None


async def test_resume_from_the_sid_alone(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=SIM_URL, method="GET", json=sim("updating"))
    httpx_mock.add_response(url=SIM_URL, method="GET", json=sim("active"))
    change = fast_client.sims.resume_update(SIM_SID, status="active")
    assert not change.done
    assert (await change.wait()).status == "active"
    assert fake_clock.sleeps == [1.0]  # the first poll is immediate


async def test_a_transient_poll_error_is_retried_without_restarting_the_wait(
    httpx_mock: HTTPXMock, fast_client: tw.WirelessClient, fake_clock: FakeClock
) -> None:
    httpx_mock.add_response(url=SIM_URL, method="POST", status_code=202, json=sim("updating"))
    httpx_mock.add_response(url=SIM_URL, method="GET", status_code=503)
    httpx_mock.add_response(url=SIM_URL, method="GET", json=sim("active"))
    change = await fast_client.sims.begin_update(SIM_SID, status="active")
    await change.wait()
    assert change.polls == 1  # one poll, which needed one retry
    assert fake_clock.sleeps == [1.0, 0.5]


async def test_cancellation_mid_poll_leaves_no_request_behind(httpx_mock: HTTPXMock) -> None:
    sleeping = anyio.Event()

    class SleepsForever(FakeClock):
        async def sleep(self, seconds: float) -> None:
            sleeping.set()
            await anyio.sleep_forever()

    accept_then(httpx_mock)
    async with over_httpx(
        "AC" + "1" * 32, "t", base_url="https://wireless.test", clock=SleepsForever()
    ) as client:
        with anyio.move_on_after(30) as scope:
            async with anyio.create_task_group() as group:
                group.start_soon(lambda: client.sims.update(SIM_SID, status="active"))
                await sleeping.wait()
                group.cancel_scope.cancel()
        assert not scope.cancelled_caught
    assert [r.method for r in httpx_mock.get_requests()] == ["POST"]


async def test_unknown_update_fields_are_refused(fast_client: tw.WirelessClient) -> None:
    with pytest.raises(
        ValueError, match=r"^stauts: not a parameter of UpdateSim; expected some of \[.*'status'"
    ):
        await fast_client.sims.update(SIM_SID, stauts="active")  # type: ignore[call-arg]
