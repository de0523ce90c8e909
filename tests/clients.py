"""Clients for tests that mock HTTP with pytest-httpx.

pytest-httpx intercepts httpx's own transport, so these clients are built over an
`httpx.AsyncClient` (the SDK's httpx transport), as the README tells users to do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

import twilio_wireless as tw


@asynccontextmanager
async def over_httpx(*args: Any, **kwargs: Any) -> AsyncIterator[tw.WirelessClient]:
    """A WirelessClient (arguments as for it) over a fresh httpx.AsyncClient; both closed."""
    async with (
        httpx.AsyncClient() as http,
        tw.WirelessClient(*args, http_client=http, **kwargs) as client,
    ):
        yield client
