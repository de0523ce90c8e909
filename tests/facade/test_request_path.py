"""The request path builds exactly the requests httpx would, without building httpx objects."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from twilio_wireless._http import Connection, Requester, RequestOptions
from twilio_wireless._polling import PollPolicy
from twilio_wireless._retry import RetryPolicy
from twilio_wireless._transport import HttpxTransport
from twilio_wireless._wire import WireRequest, WireResponse

HEADERS = {"Authorization": "Basic eDp5", "User-Agent": "ua", "Accept": "application/json"}


def _requester(base_url: str = "https://wireless.test") -> Requester:
    connection = Connection(
        base_url=base_url,
        headers=HEADERS,
        transport=HttpxTransport(httpx.AsyncClient(), owned=True),
    )
    options = RequestOptions(
        timeout_seconds=httpx.Timeout(5.0).as_dict(), retry=RetryPolicy(), poll=PollPolicy()
    )
    return Requester(connection, options)


def _as_httpx(base_url: str, kwargs: dict[str, Any]) -> httpx.Request:
    """What httpx builds from the same generated request_kwargs()."""
    return httpx.Request(
        kwargs["method"].upper(),
        base_url + kwargs["url"],
        params=kwargs.get("params"),
        data=kwargs.get("data"),
        headers={**HEADERS, **kwargs.get("headers", {})},
        extensions={"timeout": httpx.Timeout(5.0).as_dict()},
    )


@pytest.mark.parametrize(
    "base", ["https://wireless.twilio.com", "http://127.0.0.1:8080", "https://proxy.test/twilio"]
)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"method": "get", "url": "/v1/Sims/DEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
        {"method": "delete", "url": "/v1/Sims/pump%207%2Fa"},
        {"method": "get", "url": "/v1/Sims/caf%C3%A9"},
        {
            "method": "get",
            "url": "/v1/Sims",
            "params": {"Status": "active", "PageSize": 1000, "Iccid": "a b/c", "X": ["1", "2"]},
        },
        {
            "method": "get",
            "url": "/v1/UsageRecords",
            "params": {"Start": "2015-07-30T20:00:00Z", "Granularity": "daily"},
        },
        {
            "method": "post",
            "url": "/v1/RatePlans",
            "data": {
                "UniqueName": "é plan&co",
                "DataEnabled": True,
                "VoiceEnabled": False,
                "InternationalRoaming": ["data", "messaging"],
            },
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
        {
            "method": "post",
            "url": "/v1/Sims/DEaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            "data": {},
            "headers": {"Content-Type": "application/x-www-form-urlencoded"},
        },
    ],
)
def test_wire_requests_equal_what_httpx_builds(base: str, kwargs: dict[str, Any]) -> None:
    built = _requester(base).build_request(kwargs)
    expected = _as_httpx(base, kwargs)
    assert isinstance(built, WireRequest)
    assert built.method == expected.method
    assert httpx.URL(built.url) == expected.url
    assert httpx.URL(built.url).raw_path == expected.url.raw_path
    assert (built.body or b"") == expected.content
    as_httpx = built.to_httpx()
    assert as_httpx.url == expected.url
    assert as_httpx.headers == expected.headers
    assert as_httpx.content == expected.content
    assert as_httpx.extensions == expected.extensions


def test_next_page_requests_keep_the_query_as_sent() -> None:
    request = _requester().build_get("/v1/Sims?PageSize=50&Page=1&PageToken=PA%2Fx")
    url = httpx.URL(request.url)
    assert url.raw_path == b"/v1/Sims?PageSize=50&Page=1&PageToken=PA%2Fx"
    assert url.host == "wireless.test"
    assert request.path == "/v1/Sims?PageSize=50&Page=1&PageToken=PA%2Fx"


def test_a_wire_response_becomes_an_httpx_response_only_when_asked() -> None:
    request = _requester().build_get("/v1/Sims/DEa")
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip", "X-A": "1"}
    response = WireResponse(404, headers, b'{"code": 20404}', request)
    assert response._httpx is None
    converted = response.to_httpx()
    assert converted is response.to_httpx()  # built once
    assert converted.status_code == 404
    assert converted.content == b'{"code": 20404}'  # already decoded: no gzip applied again
    assert "Content-Encoding" not in converted.headers
    assert converted.headers["X-A"] == "1"
    assert converted.request.url == httpx.URL("https://wireless.test/v1/Sims/DEa")
    assert response.reason_phrase == "Not Found"


@pytest.mark.parametrize(
    "url",
    [
        "https://wireless.twilio.com/v1/Sims?PageSize=50&Page=1&PageToken=PAabc",
        "https://wireless.twilio.com/v1/Sims/pump%207/UsageRecords?Start=2015-07-30T20%3A00%3A00Z",
        "https://wireless.twilio.com/v1/Sims/café/DataSessions?Page=2",
        "https://wireless.twilio.com/v1/Sims?Status=a b&X=1+2&Y=%2F",
        "/v1/Sims?Page=3",
        "https://wireless.twilio.com:8443/v1/RatePlans",
    ],
)
def test_next_page_urls_are_encoded_as_httpx_encodes_them(url: str) -> None:
    from twilio_wireless._pagination import _server_path_and_query

    expected = httpx.URL(url).raw_path.decode("ascii")
    assert _server_path_and_query(url) == expected


@pytest.mark.parametrize(
    "url", ["https://wireless.test:99999/v1/Sims", "https://[::1/v1/Sims", "/v1/Sims\r\nX: 1"]
)
def test_an_invalid_next_page_url_is_a_value_error(url: str) -> None:
    from twilio_wireless._pagination import _server_path_and_query

    with pytest.raises(ValueError, match="invalid next_page_url"):
        _server_path_and_query(url)


@pytest.mark.parametrize(
    "fields",
    [
        {"Status": "active", "CallbackUrl": "https://gw.example.com/cb?tenant=7&x=a b"},
        {"UniqueName": "é plan&co+", "Empty": "", "None": None, "Flag": True},
        {"Long": "ü/" * 150, "List": ["a=b", "c d", 3]},
    ],
)
def test_form_bodies_are_urlencode_pair_for_pair(fields: dict[str, Any]) -> None:
    from urllib.parse import urlencode

    from twilio_wireless._wire import _text, encode_pairs

    pairs = [
        (name, _text(item))
        for name, value in fields.items()
        for item in (value if isinstance(value, list) else [value])
    ]
    for _ in range(2):  # again: short texts come from the cache the second time
        assert encode_pairs(fields) == urlencode(pairs)
