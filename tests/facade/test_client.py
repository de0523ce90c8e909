"""WirelessClient: credentials, base URL, edge/region, headers, timeouts, views, lifecycle."""

from __future__ import annotations

import asyncio
import base64

import httpx
import pytest
from pytest_httpx import HTTPXMock

import twilio_wireless as tw
from twilio_wireless._transport import AiohttpDefault, HttpxTransport
from twilio_wireless._transport._aiohttp import AiohttpPool

from .. import bodies
from ..clients import over_httpx

ACCOUNT = "AC" + "1" * 32
TOKEN = "super-secret-token-value"
SIM_SID = "DE" + "a" * 32
SIM_URL = f"https://wireless.twilio.com/v1/Sims/{SIM_SID}"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "TWILIO_ACCOUNT_SID",
        "TWILIO_AUTH_TOKEN",
        "TWILIO_API_KEY",
        "TWILIO_API_SECRET",
        "TWILIO_EDGE",
        "TWILIO_REGION",
    ):
        monkeypatch.delenv(name, raising=False)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# credentials -------------------------------------------------------------------------


async def test_account_sid_and_token_are_sent_as_basic_auth(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=SIM_URL, json=bodies.sim(SIM_SID))
    async with over_httpx(ACCOUNT, TOKEN) as client:
        await client.sims.fetch(SIM_SID)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Authorization"] == basic(ACCOUNT, TOKEN)


async def test_credentials_default_to_the_environment(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_ACCOUNT_SID", ACCOUNT)
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    httpx_mock.add_response(url=SIM_URL, json=bodies.sim(SIM_SID))
    async with over_httpx() as client:
        await client.sims.fetch(SIM_SID)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Authorization"] == basic(ACCOUNT, TOKEN)


async def test_api_key_and_secret_replace_the_auth_token(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "SK" + "2" * 32
    monkeypatch.setenv("TWILIO_API_KEY", key)
    monkeypatch.setenv("TWILIO_API_SECRET", "key-secret")
    httpx_mock.add_response(url=SIM_URL, json=bodies.sim(SIM_SID))
    async with over_httpx() as client:
        await client.sims.fetch(SIM_SID)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Authorization"] == basic(key, "key-secret")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "account_sid .*auth_token"),
        ({"account_sid": ACCOUNT}, "auth_token"),
        ({"auth_token": TOKEN}, "account_sid"),
        ({"api_key": "SK" + "2" * 32}, "api_secret"),
        ({"api_secret": "s"}, "api_key"),
        (
            {"account_sid": "XX" + "1" * 32, "auth_token": TOKEN},
            "account_sid: expected an Account SID",
        ),
        ({"api_key": "AB123", "api_secret": "s"}, "api_key: expected an API Key SID"),
    ],
)
def test_missing_or_malformed_credentials_are_named(kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        tw.WirelessClient(**kwargs)


def test_secrets_are_not_echoed_in_credential_errors() -> None:
    with pytest.raises(ValueError, match="account_sid") as info:
        tw.WirelessClient("AC-not-a-sid-but-a-secret-value-xyz", TOKEN)
    assert "not-a-sid-but-a-secret" not in str(info.value)
    assert TOKEN not in str(info.value)


def test_repr_shows_no_credentials() -> None:
    client = tw.WirelessClient(ACCOUNT, TOKEN)
    text = repr(client)
    assert TOKEN not in text
    assert ACCOUNT not in text
    assert basic(ACCOUNT, TOKEN).split()[1] not in text
    assert "wireless.twilio.com" in text


# base URL, edge and region ---------------------------------------------------------


@pytest.mark.parametrize(
    ("edge", "region", "expected"),
    [
        (None, None, "https://wireless.twilio.com"),
        ("sydney", None, "https://wireless.sydney.us1.twilio.com"),
        (None, "au1", "https://wireless.au1.twilio.com"),
        ("dublin", "ie1", "https://wireless.dublin.ie1.twilio.com"),
    ],
)
def test_edge_and_region_build_the_host(
    edge: str | None, region: str | None, expected: str
) -> None:
    client = tw.WirelessClient(ACCOUNT, TOKEN, edge=edge, region=region)
    assert client.base_url == expected


def test_edge_and_region_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWILIO_EDGE", "tokyo")
    monkeypatch.setenv("TWILIO_REGION", "jp1")
    assert tw.WirelessClient(ACCOUNT, TOKEN).base_url == "https://wireless.tokyo.jp1.twilio.com"


def test_edge_does_not_rewrite_a_custom_base_url() -> None:
    client = tw.WirelessClient(ACCOUNT, TOKEN, base_url="http://127.0.0.1:8080/", edge="sydney")
    assert client.base_url == "http://127.0.0.1:8080"


@pytest.mark.parametrize(
    "base_url", ["wireless.twilio.com", "ftp://wireless.twilio.com", "https://user:pw@host.test"]
)
def test_bad_base_urls_are_refused(base_url: str) -> None:
    with pytest.raises(ValueError, match="base_url"):
        tw.WirelessClient(ACCOUNT, TOKEN, base_url=base_url)


# headers and timeouts --------------------------------------------------------------


async def test_user_agent_names_the_sdk_python_and_extensions(httpx_mock: HTTPXMock) -> None:
    httpx_mock.add_response(url=SIM_URL, json=bodies.sim(SIM_SID))
    async with over_httpx(ACCOUNT, TOKEN, user_agent_extensions=["pump-gateway/1.4"]) as client:
        await client.sims.fetch(SIM_SID)
    request = httpx_mock.get_request()
    assert request is not None
    agent = request.headers["User-Agent"]
    assert agent.startswith(f"twilio-wireless/{tw.__version__} python/3.")
    assert agent.endswith(" pump-gateway/1.4")
    assert request.headers["Accept"] == "application/json"


def test_a_bad_user_agent_extension_is_refused() -> None:
    with pytest.raises(ValueError, match="user_agent_extensions"):
        tw.WirelessClient(ACCOUNT, TOKEN, user_agent_extensions=["bad\r\nInjected: 1"])


async def test_default_timeouts_are_finite_and_sent_with_each_request(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=SIM_URL, json=bodies.sim(SIM_SID))
    async with over_httpx(ACCOUNT, TOKEN) as client:
        assert client.timeout.connect is not None
        assert client.timeout.read is not None
        await client.sims.fetch(SIM_SID)
    request = httpx_mock.get_request()
    assert request is not None
    timeouts = request.extensions["timeout"]
    assert all(value is not None and value > 0 for value in timeouts.values())


@pytest.mark.parametrize("timeout", [0, -1, "30", True])
def test_bad_timeouts_are_refused(timeout: object) -> None:
    with pytest.raises(ValueError, match="timeout"):
        tw.WirelessClient(ACCOUNT, TOKEN, timeout=timeout)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", [0, -5, "10", 2.5])
def test_bad_pool_sizes_are_refused(size: object) -> None:
    with pytest.raises(ValueError, match="max_connections"):
        tw.WirelessClient(ACCOUNT, TOKEN, max_connections=size)  # type: ignore[arg-type]


# views, pools and lifecycle ---------------------------------------------------------


async def test_with_options_shares_the_pool_and_overrides_the_timeout(
    httpx_mock: HTTPXMock,
) -> None:
    httpx_mock.add_response(url=SIM_URL, json=bodies.sim(SIM_SID), is_reusable=True)
    async with over_httpx(ACCOUNT, TOKEN) as client:
        fast = client.with_options(timeout=1.5)
        assert fast._connection is client._connection
        assert fast.http_client is client.http_client
        assert fast.timeout == httpx.Timeout(1.5)
        assert client.timeout != fast.timeout
        await fast.sims.fetch(SIM_SID)
        await fast.aclose()  # a view does not close the shared pool
        await client.sims.fetch(SIM_SID)
    first, second = httpx_mock.get_requests()
    assert first.extensions["timeout"]["read"] == 1.5
    assert second.extensions["timeout"]["read"] == client.timeout.read


async def test_the_client_owns_an_aiohttp_backed_pool_and_closes_it() -> None:
    client = tw.WirelessClient(ACCOUNT, TOKEN)
    transport = client._connection.transport
    assert isinstance(transport, AiohttpDefault)
    assert client.http_client is None
    assert transport.tls
    assert transport.transport is None  # nothing is set up before the first request
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.sims.fetch(SIM_SID)
    async with client:  # entering a closed client sets nothing up
        assert transport._building is None


async def test_a_plain_http_base_url_builds_no_tls_context() -> None:
    async with tw.WirelessClient(ACCOUNT, TOKEN, base_url="http://127.0.0.1:9") as client:
        transport = client._connection.transport
        assert isinstance(transport, AiohttpDefault)
        assert not transport.tls
        with pytest.raises(tw.APIConnectionError):  # nothing listens on port 9
            await client.with_options(retry=tw.RetryPolicy.none()).sims.fetch(SIM_SID)
        assert transport.transport is not None
        assert transport.transport._ssl_context is None


class PoolSetUps:
    """Each set-up of a client's own aiohttp pool: the thread it ran in; the first
    `failing` of them raise OSError (a CA bundle gone)."""

    def __init__(self) -> None:
        self.threads: list[str] = []
        self.failing = 0


@pytest.fixture
def pool_set_ups(monkeypatch: pytest.MonkeyPatch) -> PoolSetUps:
    import threading

    from twilio_wireless._transport import _default

    set_ups = PoolSetUps()
    create = _default.AiohttpDefault._create

    def recording(self: _default.AiohttpDefault) -> AiohttpPool:
        set_ups.threads.append(threading.current_thread().name)
        if len(set_ups.threads) <= set_ups.failing:
            raise OSError("CA bundle gone")
        return create(self)

    monkeypatch.setattr(_default.AiohttpDefault, "_create", recording)
    return set_ups


async def test_aiohttp_is_set_up_off_the_event_loop_thread(pool_set_ups: PoolSetUps) -> None:
    import threading

    async with tw.WirelessClient(ACCOUNT, TOKEN, base_url="http://127.0.0.1:9") as client:
        quick = client.with_options(retry=tw.RetryPolicy.none())
        for _ in range(3):  # concurrent first requests share one set-up
            with pytest.raises(tw.APIConnectionError):
                await quick.sims.fetch(SIM_SID)
    threads = pool_set_ups.threads
    assert len(threads) == 1
    assert threads[0] != threading.current_thread().name


async def test_entering_the_client_starts_setting_up_the_pool(pool_set_ups: PoolSetUps) -> None:
    import threading

    pool_set_ups.failing = 1
    threads = pool_set_ups.threads
    async with tw.WirelessClient(ACCOUNT, TOKEN, base_url="http://127.0.0.1:9") as client:
        transport = client._connection.transport
        assert isinstance(transport, AiohttpDefault)
        assert transport._building is not None  # begun by entering, before any request
        await asyncio.wait([transport._building])
        assert threads
        assert threads[0] != threading.current_thread().name
        quick = client.with_options(retry=tw.RetryPolicy.none())
        # The set-up begun on entering failed: the first request reports it, not sent...
        with pytest.raises(tw.APIConnectionError, match="CA bundle gone"):
            await quick.sims.fetch(SIM_SID)
        # ...and the next one sets up again (then finds nothing listening on port 9).
        with pytest.raises(tw.APIConnectionError):
            await quick.sims.fetch(SIM_SID)
        assert transport.transport is not None
    assert len(threads) == 2


async def test_a_user_http_client_is_used_as_given_and_not_closed(httpx_mock: HTTPXMock) -> None:
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(request.url.path)

    httpx_mock.add_response(url=SIM_URL, json=bodies.sim(SIM_SID))
    async with httpx.AsyncClient(event_hooks={"request": [hook]}) as mine:
        async with tw.WirelessClient(ACCOUNT, TOKEN, http_client=mine) as client:
            sim = await client.sims.fetch(SIM_SID)
            assert client.http_client is mine
            assert isinstance(client._connection.transport, HttpxTransport)
        assert not mine.is_closed
    assert sim.sid == SIM_SID
    assert seen == [f"/v1/Sims/{SIM_SID}"]


async def test_pool_size_and_keepalive_are_configurable() -> None:
    async with tw.WirelessClient(ACCOUNT, TOKEN, max_connections=7, keepalive_expiry=2.5) as client:
        transport = client._connection.transport
        assert isinstance(transport, AiohttpDefault)
        assert transport.max_connections == 7
        assert transport.keepalive_expiry == 2.5
    with pytest.raises(ValueError, match="keepalive_expiry"):
        tw.WirelessClient(ACCOUNT, TOKEN, keepalive_expiry=-1)


async def test_an_explicit_auth_token_wins_over_an_api_key_in_the_environment(
    httpx_mock: HTTPXMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TWILIO_API_KEY", "SK" + "2" * 32)
    monkeypatch.setenv("TWILIO_API_SECRET", "env-secret")
    httpx_mock.add_response(url=SIM_URL, json=bodies.sim(SIM_SID))
    async with over_httpx(ACCOUNT, TOKEN) as client:
        await client.sims.fetch(SIM_SID)
    request = httpx_mock.get_request()
    assert request is not None
    assert request.headers["Authorization"] == basic(ACCOUNT, TOKEN)


def test_a_lone_api_key_in_the_environment_does_not_break_explicit_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TWILIO_API_KEY", "SK" + "2" * 32)
    assert tw.WirelessClient(ACCOUNT, TOKEN).base_url == "https://wireless.twilio.com"


@pytest.mark.parametrize("base_url", ["https://proxy.test/a?x=1", "https://proxy.test/a#frag"])
def test_a_base_url_with_a_query_or_fragment_is_refused(base_url: str) -> None:
    with pytest.raises(ValueError, match="query or fragment"):
        tw.WirelessClient(ACCOUNT, TOKEN, base_url=base_url)
