"""A hostile (or broken) server, and dangerous settings: every failure is a WirelessError
(or a ValueError at construction naming what to fix), nothing is sent where it must not
be, and no credential appears in a message.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

import twilio_wireless as tw
from twilio_wireless._errors import MAX_MESSAGE_CHARS
from twilio_wireless.simulator import WirelessSimulator
from twilio_wireless.testing import FakeClock

from .. import bodies
from ..bodies import sid
from ..clients import over_httpx

ACCOUNT = "AC" + "1" * 32
TOKEN = "s3cr3t-auth-token-0123456789abcdef"
BASE = "https://wireless.test"
SIM_SID = "DE" + "a" * 32
OTHER_SID = "DE" + "b" * 32
SECRETS = (
    TOKEN,
    base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode(),
    f"{ACCOUNT}:{TOKEN}",
)


def assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


@pytest.fixture
async def client() -> AsyncIterator[tw.WirelessClient]:
    async with over_httpx(
        ACCOUNT, TOKEN, base_url=BASE, retry=tw.RetryPolicy.none(), clock=FakeClock()
    ) as wireless:
        yield wireless


def page(numbers: range, next_url: str | None) -> dict[str, Any]:
    return {
        "sims": [bodies.sim(sid(n)) for n in numbers],
        "meta": bodies.meta("sims", "Sims", page_size=2, next_page_url=next_url),
    }


async def collect(pager: tw.AsyncPager[tw.Sim], seen: list[str]) -> None:
    async for sim in pager:
        seen.append(sim.sid)


# (5) error bodies: never an escape from the hierarchy, always bounded -----------------


async def test_a_deeply_nested_error_body_is_an_api_error(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(status_code=500, content=b"[" * 200_000 + b"]" * 200_000)
    with pytest.raises(tw.ServerError) as info:
        await client.sims.fetch(SIM_SID)
    assert "nested too deeply" in info.value.message
    assert len(str(info.value)) < 1000


@pytest.mark.parametrize("stdlib", [False, True])
async def test_a_deeply_nested_page_is_an_api_error(
    httpx_mock: HTTPXMock,
    client: tw.WirelessClient,
    monkeypatch: pytest.MonkeyPatch,
    stdlib: bool,
) -> None:
    if stdlib:  # without the speedups extra, pages are read by the json module
        monkeypatch.setattr("twilio_wireless._pagination.json_loads", json.loads)
    httpx_mock.add_response(content=b'{"sims": ' + b"[" * 200_000 + b"]" * 200_000 + b"}")
    with pytest.raises(tw.APIError) as info:
        await client.sims.list().to_list()
    assert info.value.status == 200
    assert len(str(info.value)) < 1000


async def test_a_huge_error_message_is_kept_as_a_bounded_excerpt(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    huge = "x" * 100_000
    httpx_mock.add_response(
        status_code=400,
        json={"code": 10**4000 // 10**3990, "message": huge, "more_info": huge},
        headers={"Twilio-Request-Id": "RQ" + "1" * 10_000},
    )
    with pytest.raises(tw.BadRequestError) as info:
        await client.sims.fetch(SIM_SID)
    error = info.value
    assert error.message.startswith("x" * MAX_MESSAGE_CHARS)
    assert "100000 characters" in error.message
    assert len(error.message) < MAX_MESSAGE_CHARS + 50
    assert error.more_info is not None
    assert len(error.more_info) < 400
    assert len(str(error)) < 1200


async def test_a_non_json_error_body_is_excerpted_on_one_line(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    html = "<html><h1>502 Bad Gateway</h1>\r\nInjected: log line</html>" + "padding " * 100_000
    httpx_mock.add_response(status_code=502, text=html, headers={"Content-Type": "text/html"})
    with pytest.raises(tw.ServerError) as info:
        await client.sims.fetch(SIM_SID)
    message = info.value.message
    assert "502 Bad Gateway" in message  # an excerpt, useful to read...
    assert "\r" not in message  # ... on one line ...
    assert "\n" not in message
    assert len(message) < MAX_MESSAGE_CHARS + 50  # ... never the whole body
    assert "text/html" in message


@pytest.mark.parametrize("status", [400, 502])
async def test_credentials_the_server_echoes_are_blotted_out(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, status: int
) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        echoed = f"you sent {request.headers['Authorization']} i.e. {ACCOUNT}:{TOKEN}"
        if status == 400:
            return httpx.Response(status, json={"message": echoed, "more_info": TOKEN})
        return httpx.Response(status, text=echoed)

    httpx_mock.add_callback(echo)
    with pytest.raises(tw.APIError) as info:
        await client.sims.fetch(SIM_SID)
    assert "you sent" in info.value.message
    assert_no_secret(str(info.value))
    assert_no_secret(repr(info.value.more_info))


# (5) invalid next_page_url: the server's error, not the caller's ------------------------


@pytest.mark.parametrize(
    "bad",
    [
        f"{BASE}/v1/Sims?Page=1\r\nX-Injected: 1",
        "http://[::1/v1/Sims?Page=1",
        f"{BASE}:99999/v1/Sims?Page=1",
    ],
)
async def test_an_invalid_next_page_url_is_an_api_error(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, bad: str
) -> None:
    httpx_mock.add_response(json=page(range(2), bad))
    seen: list[str] = []
    with pytest.raises(tw.APIError) as info:
        await collect(client.sims.list(), seen)
    assert seen == [sid(0), sid(1)]  # the page itself was good: its items came first
    assert "the server's next_page_url" in info.value.message
    assert "was refused" in info.value.message
    assert "\r" not in str(info.value)
    assert "\n" not in str(info.value)
    assert len(httpx_mock.get_requests()) == 1


# (6) next pages: only the list's own path, no dot segments, no loops --------------------


@pytest.mark.parametrize(
    ("next_url", "why"),
    [
        (f"{BASE}/admin/secret", "is not /v1/Sims"),
        ("/admin/secret?Page=1", "is not /v1/Sims"),
        (f"{BASE}/v1/Sims/../../admin", "'..'"),
        (f"{BASE}/v1/Sims/%2e%2e/%2E%2E/admin", "'..'"),
        (f"{BASE}/v1/./Sims?Page=1", "'.'"),
        (f"{BASE}/v1/Sims/{SIM_SID}", "is not /v1/Sims"),
        (f"{BASE}/v1/Commands?Page=1", "is not /v1/Sims"),
        (f"{BASE}/v1/Sims/?Page=1", "is not /v1/Sims"),
        (f"{BASE}/v1/Sims%2F..%2Fadmin?Page=1", "encoded '/'"),
    ],
)
async def test_a_next_page_off_the_lists_own_path_is_refused(
    httpx_mock: HTTPXMock, client: tw.WirelessClient, next_url: str, why: str
) -> None:
    httpx_mock.add_response(json=page(range(2), next_url))
    pages = client.sims.list().pages()
    first = await pages.__anext__()
    assert first.next_page_url == next_url
    with pytest.raises(tw.APIError, match=r"next_page_url .* was refused") as info:
        await pages.__anext__()
    assert why in info.value.message
    with pytest.raises(StopAsyncIteration):  # and the iteration is over
        await pages.__anext__()
    assert [r.url.path for r in httpx_mock.get_requests()] == ["/v1/Sims"]


@pytest.mark.parametrize(
    "next_url",
    [
        "https://proxy.test/twilio/../admin?Page=1",
        "https://proxy.test/twilio/v1/../../admin",
        "https://proxy.test/admin?Page=1",
        "https://proxy.test/twilio/twilio/v1/Sims?Page=1",
    ],
)
async def test_a_next_page_outside_the_base_urls_path_is_refused(
    httpx_mock: HTTPXMock, next_url: str
) -> None:
    httpx_mock.add_response(url="https://proxy.test/twilio/v1/Sims", json=page(range(2), next_url))
    async with over_httpx(ACCOUNT, TOKEN, base_url="https://proxy.test/twilio") as client:
        with pytest.raises(tw.APIError, match="was refused"):
            await client.sims.list().to_list()
    assert len(httpx_mock.get_requests()) == 1


@pytest.mark.parametrize(
    "next_url",
    [
        "https://wireless.twilio.com/v1/Sims?PageSize=2&Page=1&PageToken=PT",  # as Twilio names it
        "https://proxy.test/twilio/v1/Sims?PageSize=2&Page=1&PageToken=PT",  # as the proxy does
    ],
)
async def test_a_next_page_is_requested_under_the_base_urls_path(
    httpx_mock: HTTPXMock, next_url: str
) -> None:
    second = "https://proxy.test/twilio/v1/Sims?PageSize=2&Page=1&PageToken=PT"
    httpx_mock.add_response(url="https://proxy.test/twilio/v1/Sims", json=page(range(2), next_url))
    httpx_mock.add_response(url=second, json=page(range(2, 3), None), is_reusable=True)
    async with over_httpx(ACCOUNT, TOKEN, base_url="https://proxy.test/twilio") as client:
        assert len(await client.sims.list().to_list()) == 3
        # A saved position resumes the same way.
        resumed = [s.sid async for s in client.sims.list(page_url=next_url)]
    assert resumed == [sid(2)]
    assert [str(r.url) for r in httpx_mock.get_requests()[1:]] == [second, second]


async def test_a_next_page_that_repeats_the_first_stops_the_iteration(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(url=f"{BASE}/v1/Sims", json=page(range(2), f"{BASE}/v1/Sims"))
    with pytest.raises(tw.APIError, match="already fetched"):
        await client.sims.list().to_list()
    assert len(httpx_mock.get_requests()) == 1


async def test_a_cycle_of_next_pages_stops_the_iteration(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    one = f"{BASE}/v1/Sims?Page=1&PageToken=A"
    two = f"{BASE}/v1/Sims?Page=2&PageToken=B"
    httpx_mock.add_response(url=f"{BASE}/v1/Sims", json=page(range(2), one))
    httpx_mock.add_response(url=one, json=page(range(2, 4), two))
    httpx_mock.add_response(url=two, json=page(range(4, 6), one))
    seen: list[str] = []
    with pytest.raises(tw.APIError, match="already fetched"):
        await collect(client.sims.list(), seen)
    assert seen == [sid(n) for n in range(6)]
    assert len(httpx_mock.get_requests()) == 3


async def test_a_refused_next_page_that_is_not_needed_is_no_error(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(json=page(range(2), f"{BASE}/admin/secret"))
    assert len(await client.sims.list(limit=2).to_list()) == 2


async def test_a_sims_next_page_may_not_name_another_sim(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    path = f"Sims/{SIM_SID}/UsageRecords"
    other = f"{BASE}/v1/Sims/{OTHER_SID}/UsageRecords?Page=1"
    httpx_mock.add_response(
        json={
            "usage_records": [{"sim_sid": SIM_SID, "account_sid": ACCOUNT}],
            "meta": bodies.meta("usage_records", path, next_page_url=other),
        }
    )
    with pytest.raises(tw.APIError, match="is not /v1/Sims/\\*/UsageRecords"):
        await client.sims.usage_records(SIM_SID).to_list()
    assert len(httpx_mock.get_requests()) == 1


async def test_a_refused_next_page_url_shows_no_credentials(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    httpx_mock.add_response(json=page(range(2), f"https://{ACCOUNT}:{TOKEN}@evil.test/admin"))
    with pytest.raises(tw.APIError) as info:
        await client.sims.list().to_list()
    assert "evil.test/admin" in str(info.value)
    assert_no_secret(str(info.value))


@pytest.mark.parametrize(
    "page_url",
    [
        f"{BASE}/v1/Sims/../Sims?Page=1",
        f"{BASE}/v1/Sims/%2E%2E/UsageRecords?Page=1",
        f"{BASE}/v1/Sims/a%2Fb/UsageRecords?Page=1",
    ],
)
def test_a_page_url_given_with_dot_segments_is_refused(
    client: tw.WirelessClient, page_url: str
) -> None:
    with pytest.raises(ValueError, match=r"page_url: .* is not"):
        client.sims.usage_records("pump-7", page_url=page_url)


# (5) a SID the server names in an update's answer is server data ----------------------


@pytest.mark.parametrize(
    ("asked", "answer", "problem"),
    [
        (SIM_SID, {"sid": OTHER_SID}, "another SIM's SID"),
        (SIM_SID, {"sid": "../../admin"}, "an invalid SID"),
        ("pump-7", {"sid": "not a sid", "unique_name": "pump-7"}, "an invalid SID"),
        ("pump-7", {"sid": OTHER_SID, "unique_name": "valve-3"}, "another SIM"),
    ],
)
async def test_an_update_answered_for_another_sim_polls_nothing(
    httpx_mock: HTTPXMock,
    client: tw.WirelessClient,
    asked: str,
    answer: dict[str, str],
    problem: str,
) -> None:
    body = {**bodies.sim(SIM_SID, status="updating", unique_name=None), **answer}
    httpx_mock.add_response(method="POST", status_code=202, json=body)
    with pytest.raises(tw.APIError, match="the server answered the update") as info:
        await client.sims.update(asked, status="active")
    assert problem in info.value.message
    assert not isinstance(info.value, ValueError)
    assert [r.method for r in httpx_mock.get_requests()] == ["POST"]  # no poll at all


async def test_an_update_by_unique_name_polls_the_sid_it_was_answered_with(
    httpx_mock: HTTPXMock, client: tw.WirelessClient
) -> None:
    body = bodies.sim(SIM_SID, status="updating", unique_name="pump-7")
    httpx_mock.add_response(method="POST", status_code=202, json=body)
    httpx_mock.add_response(method="GET", json={**body, "status": "active"})
    sim = await client.sims.update("pump-7", status="active")
    assert sim.status == "active"
    assert httpx_mock.get_requests()[-1].url.path == f"/v1/Sims/{SIM_SID}"


# (5) SSL_CERT_FILE / SSL_CERT_DIR pointing nowhere ------------------------------------


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "SSL_CERT_DIR"])
def test_a_ca_variable_naming_no_path_is_refused_at_construction(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str
) -> None:
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv(variable, str(tmp_path / "missing"))
    with pytest.raises(ValueError, match=variable):
        tw.WirelessClient(ACCOUNT, TOKEN)
    # Where it is not read, it does not matter: plain HTTP, or your own httpx client.
    tw.WirelessClient(ACCOUNT, TOKEN, base_url="http://127.0.0.1:9")
    tw.WirelessClient(ACCOUNT, TOKEN, http_client=httpx.AsyncClient(trust_env=False))


@pytest.mark.parametrize("content", [b"not a certificate\n", b""])
def test_a_ca_file_that_is_not_pem_is_refused_at_construction(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: bytes
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(content)
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    with pytest.raises(ValueError, match=r"SSL_CERT_FILE: .* is not a PEM file"):
        tw.WirelessClient(ACCOUNT, TOKEN)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path))  # a directory
    with pytest.raises(ValueError, match=r"SSL_CERT_FILE: .* is not a readable file"):
        tw.WirelessClient(ACCOUNT, TOKEN)


def test_ca_variables_naming_real_paths_are_accepted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import certifi

    monkeypatch.setenv("SSL_CERT_FILE", certifi.where())
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "missing"))  # SSL_CERT_FILE wins
    assert tw.WirelessClient(ACCOUNT, TOKEN).base_url == "https://wireless.twilio.com"
    monkeypatch.delenv("SSL_CERT_FILE")
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path))
    tw.WirelessClient(ACCOUNT, TOKEN)


# (5) User-Agent extensions: visible ASCII only ----------------------------------------


@pytest.mark.parametrize(
    "extension",
    ["gateway/1.4 é", "gateway/\u2603", "gw\x00/1", "gw\t/1", " gw/1", "gw/1 ", "gw  /1", "", 7],
)
def test_a_user_agent_extension_outside_visible_ascii_is_refused(extension: object) -> None:
    with pytest.raises(ValueError, match=r"user_agent_extensions: .*visible ASCII"):
        tw.WirelessClient(ACCOUNT, TOKEN, user_agent_extensions=[extension])  # type: ignore[list-item]


def test_user_agent_extensions_must_be_a_list() -> None:
    with pytest.raises(ValueError, match="user_agent_extensions"):
        tw.WirelessClient(ACCOUNT, TOKEN, user_agent_extensions=7)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="user_agent_extensions"):
        tw.WirelessClient(ACCOUNT, TOKEN, user_agent_extensions=b"gw/1")  # type: ignore[arg-type]


async def test_a_user_agent_extension_with_a_comment_is_sent(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(json=bodies.sim(SIM_SID))
    extensions = ("pump-gateway/1.4 (linux; arm64)", "edge-node/2")
    async with over_httpx(ACCOUNT, TOKEN, user_agent_extensions=extensions) as client:
        await client.sims.fetch(SIM_SID)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["User-Agent"].endswith(" ".join(extensions))


# (7) cleartext -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    ["http://wireless.twilio.com", "http://proxy.internal:8080/twilio", "http://10.0.0.7"],
)
def test_plain_http_to_another_host_needs_an_opt_in(base_url: str) -> None:
    with pytest.raises(ValueError, match="allow_insecure_http=True"):
        tw.WirelessClient(ACCOUNT, TOKEN, base_url=base_url)
    # A proxy client still sends over the network: no exemption for an http_client as such.
    with pytest.raises(ValueError, match="unencrypted"):
        tw.WirelessClient(ACCOUNT, TOKEN, base_url=base_url, http_client=httpx.AsyncClient())
    client = tw.WirelessClient(ACCOUNT, TOKEN, base_url=base_url, allow_insecure_http=True)
    assert client.base_url == base_url


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8080", "http://127.8.9.10", "http://[::1]:8080", "http://localhost:8080"],
)
def test_plain_http_to_this_machine_is_accepted(base_url: str) -> None:
    assert tw.WirelessClient(ACCOUNT, TOKEN, base_url=base_url).base_url == base_url


def test_allow_insecure_http_must_be_a_bool() -> None:
    with pytest.raises(ValueError, match="allow_insecure_http"):
        tw.WirelessClient(ACCOUNT, TOKEN, allow_insecure_http="yes")  # type: ignore[arg-type]


async def test_an_in_process_transport_needs_no_opt_in() -> None:
    # Nothing goes on a wire: the simulator's ASGI transport, or an httpx.MockTransport.
    async with WirelessSimulator(sims=1) as simulator, simulator.http_client() as http:
        client = tw.WirelessClient(
            simulator.account_sid,
            simulator.auth_token,
            base_url="http://wireless.simulator",
            http_client=http,
        )
        assert len(await client.sims.list().to_list()) == 1
    mock = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(204)))
    tw.WirelessClient(ACCOUNT, TOKEN, base_url="http://api.example", http_client=mock)


# (7) no credential in any base_url message -------------------------------------------


@pytest.mark.parametrize(
    "base_url",
    [
        f"https://{ACCOUNT}:{TOKEN}@wireless.twilio.com",
        f"https://{ACCOUNT}:{TOKEN}@",  # no host left
        f"https://{ACCOUNT}:{TOKEN}/wireless.twilio.com",  # '@' forgotten: the token as a port
        f"https://{ACCOUNT}:{TOKEN}@[::1/x",
        f"https://wireless.twilio.com/?AuthToken={TOKEN}",
        f"https://wireless.twilio.com/#{TOKEN}",
        f"https://wireless.twilio.com/{TOKEN} x",
        f"ftp://{ACCOUNT}:{TOKEN}@wireless.twilio.com",
    ],
)
def test_a_base_url_message_never_shows_a_credential(base_url: str) -> None:
    with pytest.raises(ValueError, match="base_url") as info:
        tw.WirelessClient(ACCOUNT, TOKEN, base_url=base_url)
    assert_no_secret(str(info.value))
    assert not re.search(r"s3cr3t", str(info.value))
