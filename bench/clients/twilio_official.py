"""Twilio's official `twilio` package, async: Client(http_client=AsyncTwilioHttpClient()).

Pointed at the local server by setting the Wireless domain's base URL (the documented
attribute every request URL is built from); next pages follow the server's absolute
next_page_url as they do against api.twilio.com. Results are parsed into SimInstance
objects, as in any real use. AsyncTwilioHttpClient is used as constructed by default:
its aiohttp ClientSession keeps connections alive (aiohttp's default pool of 100).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client as TwilioClient

from ._base import ACCOUNT_SID, AUTH_TOKEN, BenchClient


class Client(BenchClient):
    name = "twilio_official"

    async def open(self) -> None:
        self.http = AsyncTwilioHttpClient()
        self.client = TwilioClient(ACCOUNT_SID, AUTH_TOKEN, http_client=self.http)
        self.client.wireless.base_url = self.base_url
        self.sims = self.client.wireless.v1.sims

    async def close(self) -> None:
        await self.http.close()

    async def fetch(self, sid: str) -> Any:
        return await self.sims(sid).fetch_async()

    async def stream(self, page_size: int) -> AsyncIterator[Any]:
        async for sim in await self.sims.stream_async(page_size=page_size):
            yield sim

    async def update_status(self, sid: str, status: str) -> Any:
        return await self.sims(sid).update_async(status=status)
