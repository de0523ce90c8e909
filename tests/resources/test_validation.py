"""Every resource refuses invalid arguments with a ValueError naming them, sending nothing.

The cases live beside each resource's tests (ASYNC_CASES, LIST_CASES); they run here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from pytest_httpx import HTTPXMock

import twilio_wireless as tw

from . import test_commands, test_rate_plans, test_sims, test_usage_records

RESOURCES = (test_sims, test_commands, test_rate_plans, test_usage_records)


def _cases(name: str) -> list[object]:
    return [
        pytest.param(param, call, id=f"{module.__name__.rsplit('_', 1)[-1]}-{param}-{n}")
        for module in RESOURCES
        for n, (param, call) in enumerate(getattr(module, name, []))
    ]


@pytest.mark.parametrize(("param", "call"), _cases("ASYNC_CASES"))
async def test_invalid_arguments_raise_before_sending(
    httpx_mock: HTTPXMock,
    offline_client: tw.WirelessClient,
    param: str,
    call: Callable[[tw.WirelessClient], Awaitable[object]],
) -> None:
    with pytest.raises(ValueError, match=rf"^{param}: "):
        await call(offline_client)
    assert httpx_mock.get_requests() == []


@pytest.mark.parametrize(("param", "call"), _cases("LIST_CASES"))
async def test_invalid_list_arguments_raise_when_list_is_called(
    httpx_mock: HTTPXMock,
    offline_client: tw.WirelessClient,
    param: str,
    call: Callable[[tw.WirelessClient], object],
) -> None:
    with pytest.raises(ValueError, match=rf"^{param}: "):
        call(offline_client)
    assert httpx_mock.get_requests() == []
