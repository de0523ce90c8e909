"""Raw httpx.AsyncClient, default transport (httpcore), 50 pooled keep-alive connections."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from ._base import BASIC_AUTH, POOL_SIZE, BenchClient


class Client(BenchClient):
    name = "httpx_raw"

    async def open(self) -> None:
        self.client = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": BASIC_AUTH, "Accept": "application/json"},
            # httpx's default keeps only 20 idle connections: 50 tasks would churn sockets.
            limits=httpx.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE),
        )

    async def close(self) -> None:
        await self.client.aclose()

    @staticmethod
    def sid_of(sim: Any) -> str:
        return str(sim["sid"])

    @staticmethod
    def status_of(sim: Any) -> str:
        return str(sim["status"])

    async def fetch(self, sid: str) -> Any:
        response = await self.client.get(f"/v1/Sims/{sid}")
        response.raise_for_status()
        return response.json()

    async def stream(self, page_size: int) -> AsyncIterator[Any]:
        url: str | None = f"/v1/Sims?PageSize={page_size}"
        while url:
            response = await self.client.get(url)
            response.raise_for_status()
            page = response.json()
            for sim in page["sims"]:
                yield sim
            url = page["meta"]["next_page_url"]

    async def update_status(self, sid: str, status: str) -> Any:
        response = await self.client.post(f"/v1/Sims/{sid}", data={"Status": status})
        response.raise_for_status()
        return response.json()
