"""AsyncPager: items across pages, pages(), limit, early break, resume, same-host pages."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

import twilio_wireless as tw

from .. import bodies
from ..bodies import sid
from ..clients import over_httpx

ACCOUNT = "AC" + "1" * 32
BASE = "https://wireless.test"


def sims_page(
    numbers: range, *, page: int, page_size: int, next_url: str | None, host: str = BASE
) -> dict[str, Any]:
    return {
        "sims": [bodies.sim(sid(n), status="active") for n in numbers],
        "meta": {
            "page": page,
            "page_size": page_size,
            "first_page_url": f"{host}/v1/Sims?PageSize={page_size}&Page=0",
            "previous_page_url": None,
            "next_page_url": next_url,
            "url": f"{host}/v1/Sims?PageSize={page_size}&Page={page}",
            "key": "sims",
        },
    }


def next_url(page: int, size: int = 2, host: str = BASE) -> str:
    return f"{host}/v1/Sims?Status=active&PageSize={size}&Page={page}&PageToken=PA{page}"


@pytest.fixture
async def client():  # type: ignore[no-untyped-def]
    async with over_httpx(ACCOUNT, "token", base_url=BASE, retry=tw.RetryPolicy.none()) as c:
        yield c


def mock_three_pages(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/v1/Sims?Status=active&PageSize=2",
        json=sims_page(range(2), page=0, page_size=2, next_url=next_url(1)),
    )
    httpx_mock.add_response(
        url=next_url(1), json=sims_page(range(2, 4), page=1, page_size=2, next_url=next_url(2))
    )
    httpx_mock.add_response(
        url=next_url(2), json=sims_page(range(4, 5), page=2, page_size=2, next_url=None)
    )


async def test_list_makes_no_request_until_iterated(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    pager = client.sims.list(status="active")
    assert isinstance(pager, tw.AsyncPager)
    assert httpx_mock.get_requests() == []


async def test_items_are_yielded_across_pages(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    mock_three_pages(httpx_mock)
    sids = [sim.sid async for sim in client.sims.list(status="active", page_size=2)]
    assert sids == [sid(n) for n in range(5)]
    assert len(httpx_mock.get_requests()) == 3


async def test_pages_expose_their_position(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    mock_three_pages(httpx_mock)
    pages = [page async for page in client.sims.list(status="active", page_size=2).pages()]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert [page.page for page in pages] == [0, 1, 2]
    assert [page.page_size for page in pages] == [2, 2, 2]
    assert [page.next_page_url for page in pages] == [next_url(1), next_url(2), None]
    assert all(isinstance(sim, tw.Sim) for page in pages for sim in page)


@pytest.mark.httpx_mock(assert_all_responses_were_requested=False)
async def test_limit_stops_mid_page_without_fetching_more(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    mock_three_pages(httpx_mock)
    sims = [sim async for sim in client.sims.list(status="active", page_size=2, limit=1)]
    assert [s.sid for s in sims] == [sid(0)]
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.httpx_mock(assert_all_responses_were_requested=False)
async def test_limit_at_a_page_boundary_fetches_no_further_page(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    mock_three_pages(httpx_mock)
    sims = await client.sims.list(status="active", page_size=2, limit=4).to_list()
    assert [s.sid for s in sims] == [sid(n) for n in range(4)]
    assert len(httpx_mock.get_requests()) == 2


async def test_limit_without_page_size_asks_for_no_more_than_needed(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/v1/Sims?PageSize=3",
        json=sims_page(range(3), page=0, page_size=3, next_url=next_url(1, 3)),
    )
    assert len(await client.sims.list(limit=3).to_list()) == 3


async def test_limit_zero_sends_nothing(httpx_mock: HTTPXMock, client: tw.WirelessClient) -> None:
    assert await client.sims.list(limit=0).to_list() == []
    assert httpx_mock.get_requests() == []


@pytest.mark.httpx_mock(assert_all_responses_were_requested=False)
async def test_early_break_closes_cleanly(httpx_mock: HTTPXMock, client: tw.WirelessClient) -> None:
    import gc

    import anyio

    mock_three_pages(httpx_mock)
    seen = []
    async for sim in client.sims.list(status="active", page_size=2):
        seen.append(sim.sid)
        if len(seen) == 3:
            break
    gc.collect()
    for _ in range(10):
        await anyio.lowlevel.checkpoint()
    assert seen == [sid(0), sid(1), sid(2)]
    # Pages 1 and 2, and at most the one page that was prefetched when the loop ended.
    assert 2 <= len(httpx_mock.get_requests()) <= 3


@pytest.mark.httpx_mock(assert_all_responses_were_requested=False)
async def test_resume_from_a_saved_next_page_url(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/v1/Sims?Status=active&PageSize=2",
        json=sims_page(range(2), page=0, page_size=2, next_url=next_url(1)),
    )
    httpx_mock.add_response(
        url=next_url(1),
        json=sims_page(range(2, 4), page=1, page_size=2, next_url=next_url(2)),
        is_reusable=True,
    )
    httpx_mock.add_response(
        url=next_url(2),
        json=sims_page(range(4, 5), page=2, page_size=2, next_url=None),
        is_reusable=True,
    )
    first = await client.sims.list(status="active", page_size=2).pages().__anext__()
    saved = first.next_page_url
    assert saved is not None
    # ... the gateway restarts ...
    rest = [s.sid async for s in client.sims.list(page_url=saved)]
    assert rest == [sid(n) for n in range(2, 5)]
    assert [str(r.url) for r in httpx_mock.get_requests()[-2:]] == [next_url(1), next_url(2)]


async def test_resume_refuses_filters_and_foreign_urls(client: tw.WirelessClient) -> None:
    with pytest.raises(ValueError, match="page_url: it already carries"):
        client.sims.list(page_url=next_url(1), status="active")
    with pytest.raises(ValueError, match="is not a page of /v1/Sims"):
        client.sims.list(page_url=f"{BASE}/v1/Commands?Page=1")
    with pytest.raises(ValueError, match="is not a page of /v1/Commands"):
        client.commands.list(page_url=next_url(1))


async def test_next_pages_stay_on_the_configured_host(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    # A server (or a man in the middle) naming another host must not receive credentials.
    evil = "https://attacker.example"
    httpx_mock.add_response(
        url=f"{BASE}/v1/Sims?PageSize=2",
        json=sims_page(range(2), page=0, page_size=2, next_url=next_url(1, host=evil)),
    )
    httpx_mock.add_response(
        url=next_url(1), json=sims_page(range(2, 3), page=1, page_size=2, next_url=None)
    )
    sims = await client.sims.list(page_size=2).to_list()
    assert len(sims) == 3
    hosts = {r.url.host for r in httpx_mock.get_requests()}
    assert hosts == {"wireless.test"}


async def test_each_iteration_starts_again(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    body = sims_page(range(2), page=0, page_size=50, next_url=None)
    httpx_mock.add_response(url=f"{BASE}/v1/Sims", json=body, is_reusable=True)
    pager = client.sims.list()
    assert len(await pager.to_list()) == 2
    assert len(await pager.to_list()) == 2
    assert len(httpx_mock.get_requests()) == 2


async def test_an_empty_page_with_a_next_url_ends_the_iteration(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(json=sims_page(range(0), page=0, page_size=50, next_url=next_url(1)))
    assert await client.sims.list().to_list() == []
    assert len(httpx_mock.get_requests()) == 1


async def test_an_error_mid_stream_raises_typed(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(
        url=f"{BASE}/v1/Sims?PageSize=2",
        json=sims_page(range(2), page=0, page_size=2, next_url=next_url(1, 2)),
    )
    httpx_mock.add_response(url=re.compile(r".*Page=1.*"), status_code=503, text="busy")
    seen: list[tw.Sim] = []

    async def consume() -> None:
        async for sim in client.sims.list(page_size=2):
            seen.append(sim)

    with pytest.raises(tw.ServerError) as info:
        await consume()
    assert len(seen) == 2
    assert info.value.status == 503


@pytest.mark.parametrize(
    ("call", "path"),
    [
        (lambda c: c.sims.usage_records(sid(1), page_size=5), f"/v1/Sims/{sid(1)}/UsageRecords"),
        (lambda c: c.sims.data_sessions(sid(1), page_size=5), f"/v1/Sims/{sid(1)}/DataSessions"),
        (lambda c: c.commands.list(page_size=5), "/v1/Commands"),
        (lambda c: c.rate_plans.list(page_size=5), "/v1/RatePlans"),
        (lambda c: c.usage_records.list(page_size=5), "/v1/UsageRecords"),
    ],
)
async def test_every_list_follows_next_pages(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, call: Any, path: str
) -> None:
    key = {
        "UsageRecords": "usage_records",
        "DataSessions": "data_sessions",
        "Commands": "commands",
        "RatePlans": "rate_plans",
    }[path.rsplit("/", 1)[1]]
    item = {
        f"/v1/Sims/{sid(1)}/UsageRecords": lambda n: {"sim_sid": sid(1), "account_sid": ACCOUNT},
        f"/v1/Sims/{sid(1)}/DataSessions": lambda n: {
            "sid": f"WN{n:032x}",
            "sim_sid": sid(1),
            "account_sid": ACCOUNT,
        },
        "/v1/Commands": lambda n: bodies.command(f"DC{n:032x}", sim_sid=sid(1)),
        "/v1/RatePlans": lambda n: bodies.rate_plan(f"WP{n:032x}"),
        "/v1/UsageRecords": lambda n: {"account_sid": ACCOUNT},
    }[path]
    list_path = path.removeprefix("/v1/")
    second = f"{BASE}{path}?PageSize=5&Page=1&PageToken=PT"
    httpx_mock.add_response(
        url=f"{BASE}{path}?PageSize=5",
        json={
            key: [item(0), item(1)],
            "meta": bodies.meta(key, list_path, page=0, page_size=5, next_page_url=second),
        },
    )
    httpx_mock.add_response(
        url=second,
        json={key: [item(2)], "meta": bodies.meta(key, list_path, page=1, page_size=5)},
    )
    assert len(await call(client).to_list()) == 3


async def test_memory_stays_flat_pages_are_not_retained(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    import gc
    import weakref

    mock_three_pages(httpx_mock)
    refs: list[weakref.ref[httpx.Response]] = []
    requester = client.sims._requester
    original = requester.send

    async def tracking_send(request: httpx.Request, *, idempotent: bool) -> httpx.Response:
        response = await original(request, idempotent=idempotent)
        refs.append(weakref.ref(response))
        return response

    requester.send = tracking_send  # type: ignore[method-assign]
    pages = client.sims.list(status="active", page_size=2).pages()
    async for _ in pages:
        gc.collect()
        # only the page just fetched may still be alive
        assert sum(ref() is not None for ref in refs[:-1]) == 0


async def test_a_sims_usage_records_follow_a_next_url_naming_it_by_sid(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    # Asked by unique name; the API may name the SIM by SID in next_page_url.
    by_sid = f"{BASE}/v1/Sims/{sid(7)}/UsageRecords?PageSize=1&Page=1&PageToken=PT"
    record = {"sim_sid": sid(7), "account_sid": ACCOUNT}
    path = f"Sims/{sid(7)}/UsageRecords"
    httpx_mock.add_response(
        url=f"{BASE}/v1/Sims/pump-7/UsageRecords?PageSize=1",
        json={
            "usage_records": [record],
            "meta": bodies.meta("usage_records", path, page_size=1, next_page_url=by_sid),
        },
    )
    httpx_mock.add_response(
        url=by_sid,
        json={
            "usage_records": [record],
            "meta": bodies.meta("usage_records", path, page=1, page_size=1),
        },
    )
    assert len(await client.sims.usage_records("pump-7", page_size=1).to_list()) == 2
    # ... and a saved position resumes whichever way the URL names the SIM.
    with pytest.raises(ValueError, match="not a page of /v1/Sims/\\*/UsageRecords"):
        client.sims.usage_records("pump-7", page_url=f"{BASE}/v1/Sims/pump-7/DataSessions")
    assert client.sims.usage_records("pump-7", page_url=by_sid) is not None


async def test_the_next_page_is_requested_while_this_one_is_consumed(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    import anyio

    mock_three_pages(httpx_mock)
    seen: list[int] = []
    async for sim in client.sims.list(status="active", page_size=2):
        if sim.sid == sid(0):
            for _ in range(10):
                await anyio.lowlevel.checkpoint()
            seen.append(len(httpx_mock.get_requests()))
    assert seen == [2]  # page 2 was on its way before page 1 was finished
    assert len(httpx_mock.get_requests()) == 3  # and no page was asked for twice


@pytest.mark.httpx_mock(assert_all_responses_were_requested=False)
async def test_with_a_limit_only_needed_pages_are_prefetched(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    import anyio

    mock_three_pages(httpx_mock)
    async for _ in client.sims.list(status="active", page_size=2, limit=2):
        for _ in range(10):
            await anyio.lowlevel.checkpoint()
    assert len(httpx_mock.get_requests()) == 1
