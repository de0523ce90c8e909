"""Shared fixtures and wire helpers for the resource tests.

Every request goes through pytest-httpx: the clients are built over an `httpx.AsyncClient`
(the SDK's httpx transport), which `httpx_mock` intercepts, so it sees exactly what would
go on the wire.
"""

from __future__ import annotations

import asyncio
import base64
import copy
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from pytest_httpx import HTTPXMock

import twilio_wireless as tw
from twilio_wireless.testing import FakeClock

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-token"
BASE_URL = "https://wireless.test"
BASIC_AUTH = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode("ascii")
FORM = "application/x-www-form-urlencoded"

SIM_SID = "DE" + "a" * 32
COMMAND_SID = "DC" + "a" * 32
RATE_PLAN_SID = "WP" + "a" * 32

# Identifiers no resource may accept: percent-encoding leaves "." and ".." as they are.
BAD_IDS = ["", " ", ".", ".."]

Example = Callable[..., Any]


@pytest.fixture
async def client(httpx_mock: HTTPXMock) -> AsyncIterator[tw.WirelessClient]:
    """A client whose every request is intercepted by `httpx_mock`.

    Its waits (retry backoff, 202 polling) run on a FakeClock, so none takes real time.
    """
    async with (
        httpx.AsyncClient() as http,
        tw.WirelessClient(
            ACCOUNT_SID, AUTH_TOKEN, base_url=BASE_URL, http_client=http, clock=FakeClock()
        ) as wireless,
    ):
        yield wireless


@pytest.fixture(scope="session")
def offline_client() -> Iterator[tw.WirelessClient]:
    """One shared client for tests whose calls must fail before any request is built.

    A client costs ~20 ms to build (its TLS context); the validation tests never send, so
    they share this one instead (each still asserts `httpx_mock` saw no request).
    """
    http = httpx.AsyncClient()
    wireless = tw.WirelessClient(
        ACCOUNT_SID,
        AUTH_TOKEN,
        base_url=BASE_URL,
        retry=tw.RetryPolicy.none(),
        http_client=http,
        clock=FakeClock(),  # should a call wrongly send, it fails at once
    )
    yield wireless
    asyncio.run(http.aclose())


@pytest.fixture(scope="session")
def spec_examples(upstream_spec: dict[str, Any]) -> dict[str, dict[str, tuple[int, Any]]]:
    """operationId -> {example name: (documented status, example body)} from Twilio's spec."""
    found: dict[str, dict[str, tuple[int, Any]]] = {}
    for item in upstream_spec["paths"].values():
        for operation in item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            for status, response in operation.get("responses", {}).items():
                for media in response.get("content", {}).values():
                    for name, example in media.get("examples", {}).items():
                        found.setdefault(operation["operationId"], {})[name] = (
                            int(status),
                            example["value"],
                        )
    return found


@pytest.fixture(scope="session")
def example(spec_examples: dict[str, dict[str, tuple[int, Any]]]) -> Example:
    """`example(operation_id, name=None)`: a fresh copy of a response example of the spec.

    Without a name the operation must have exactly one example.
    """

    def get(operation_id: str, name: str | None = None) -> Any:
        examples = spec_examples[operation_id]
        if name is None:
            assert len(examples) == 1, f"{operation_id} has examples {sorted(examples)}"
            (name,) = examples
        return copy.deepcopy(examples[name][1])

    return get


@pytest.fixture(scope="session")
def example_status(spec_examples: dict[str, dict[str, tuple[int, Any]]]) -> Callable[[str], int]:
    """The success status the spec documents for an operation's examples."""

    def get(operation_id: str) -> int:
        (status,) = {status for status, _ in spec_examples[operation_id].values()}
        return status

    return get


def only_request(httpx_mock: HTTPXMock) -> httpx.Request:
    """The one request that was sent (fails if there were none or several)."""
    requests = httpx_mock.get_requests()
    assert len(requests) == 1, requests
    return requests[0]


def assert_wire(
    request: httpx.Request,
    method: str,
    raw_path: str,
    *,
    query: str = "",
    body: bytes = b"",
) -> None:
    """Method, raw path (without query), raw query and form body exactly as sent."""
    assert request.method == method
    full = raw_path + (f"?{query}" if query else "")
    assert request.url.raw_path == full.encode("ascii")
    assert request.url.query == query.encode("ascii")
    assert request.url.host == "wireless.test"
    assert request.content == body
    assert_headers(request, form=method == "POST")


def assert_headers(request: httpx.Request, *, form: bool) -> None:
    """The headers every request carries; Content-Type only on form POSTs."""
    assert request.headers["Authorization"] == BASIC_AUTH
    assert request.headers["User-Agent"].startswith("twilio-wireless/")
    assert request.headers["Accept"] == "application/json"
    if form:
        assert request.headers["Content-Type"] == FORM
    else:
        assert "Content-Type" not in request.headers
