"""Raw aiohttp: one ClientSession, a 50-connection TCPConnector, response.json()."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp

from ._base import BASIC_AUTH, POOL_SIZE, BenchClient


class Client(BenchClient):
    name = "aiohttp_raw"

    async def open(self) -> None:
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=POOL_SIZE),
            headers={"Authorization": BASIC_AUTH, "Accept": "application/json"},
        )

    async def close(self) -> None:
        await self.session.close()

    @staticmethod
    def sid_of(sim: Any) -> str:
        return str(sim["sid"])

    @staticmethod
    def status_of(sim: Any) -> str:
        return str(sim["status"])

    async def fetch(self, sid: str) -> Any:
        async with self.session.get(f"{self.base_url}/v1/Sims/{sid}") as response:
            response.raise_for_status()
            return await response.json()

    async def stream(self, page_size: int) -> AsyncIterator[Any]:
        url: str | None = f"{self.base_url}/v1/Sims?PageSize={page_size}"
        while url:
            async with self.session.get(url) as response:
                response.raise_for_status()
                page = await response.json()
            for sim in page["sims"]:
                yield sim
            url = page["meta"]["next_page_url"]

    async def update_status(self, sid: str, status: str) -> Any:
        url = f"{self.base_url}/v1/Sims/{sid}"
        async with self.session.post(url, data={"Status": status}) as response:
            response.raise_for_status()
            return await response.json()
