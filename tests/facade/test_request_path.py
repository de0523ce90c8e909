"""The lean request path builds exactly the requests httpx would."""

from __future__ import annotations

import httpx
import pytest

from twilio_wireless._http import Connection, Requester, RequestOptions, _UrlBuilder
from twilio_wireless._polling import PollPolicy
from twilio_wireless._retry import RetryPolicy
from twilio_wireless._transport import HttpxTransport


@pytest.mark.parametrize(
    "base", ["https://wireless.twilio.com", "http://127.0.0.1:8080", "https://proxy.test/twilio"]
)
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/v1/Sims/DEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", None),
        ("/v1/Sims/pump%207%2Fa", None),
        ("/v1/Sims/caf%C3%A9", None),
        ("/v1/Sims", "Status=active&PageSize=1000&Page=3&PageToken=PAabc%3D%3D"),
        ("/v1/UsageRecords", "Start=2015-07-30T20%3A00%3A00Z&End=2015-07-31T20%3A00%3A00Z"),
    ],
)
def test_fast_urls_equal_parsed_ones(base: str, path: str, query: str | None) -> None:
    built = _UrlBuilder(base).build(path, query)
    expected = httpx.URL(base + path + (f"?{query}" if query else ""))
    assert built == expected
    assert built.raw_path == expected.raw_path
    assert str(built) == str(expected)
    assert built.host == expected.host
    assert built.port == expected.port


def test_the_fallback_without_httpx_internals_gives_the_same_url() -> None:
    builder = _UrlBuilder("https://proxy.test/twilio")
    builder._reference = None
    assert builder.build("/v1/Sims", "Page=1") == httpx.URL(
        "https://proxy.test/twilio/v1/Sims?Page=1"
    )


def _requester() -> Requester:
    connection = Connection(
        base_url="https://wireless.test",
        headers={"Authorization": "Basic eDp5", "User-Agent": "ua", "Accept": "application/json"},
        transport=HttpxTransport(httpx.AsyncClient(), owned=True),
    )
    options = RequestOptions(timeout=httpx.Timeout(5.0), retry=RetryPolicy(), poll=PollPolicy())
    return Requester(connection, options)


@pytest.mark.parametrize("method", ["get", "delete"])
def test_bodyless_requests_match_httpx(method: str) -> None:
    requester = _requester()
    fast = requester.build_request({"method": method, "url": "/v1/Sims/a%2Fb"})
    slow = httpx.Request(
        method.upper(),
        "https://wireless.test/v1/Sims/a%2Fb",
        headers=requester.connection.headers,
        extensions={"timeout": httpx.Timeout(5.0).as_dict()},
    )
    assert fast.method == slow.method
    assert fast.url == slow.url
    assert fast.headers.raw == slow.headers.raw
    assert fast.content == slow.content == b""
    assert fast.extensions == slow.extensions


def test_next_page_requests_keep_the_query_as_sent() -> None:
    request = _requester().build_get("/v1/Sims?PageSize=50&Page=1&PageToken=PA%2Fx")
    assert request.url.raw_path == b"/v1/Sims?PageSize=50&Page=1&PageToken=PA%2Fx"
    assert request.url.host == "wireless.test"
