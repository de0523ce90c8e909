"""This SDK: twilio_wireless.WirelessClient with its defaults (50-connection pool)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import twilio_wireless as tw

from ._base import ACCOUNT_SID, AUTH_TOKEN, POOL_SIZE, BenchClient


class Client(BenchClient):
    name = "sdk"

    async def open(self) -> None:
        self.client = tw.WirelessClient(
            ACCOUNT_SID, AUTH_TOKEN, base_url=self.base_url, max_connections=POOL_SIZE
        )

    async def close(self) -> None:
        await self.client.aclose()

    async def fetch(self, sid: str) -> Any:
        return await self.client.sims.fetch(sid)

    async def stream(self, page_size: int) -> AsyncIterator[Any]:
        async for sim in self.client.sims.list(page_size=page_size):
            yield sim

    async def update_status(self, sid: str, status: str) -> Any:
        return await self.client.sims.update(sid, status=status, wait=False)

    async def change_status(self, sid: str, status: str, poll_interval: float) -> int:
        # The SDK's own 202 waiting, polling at the same fixed interval as the other
        # clients' loop (no back-off) so the comparison stays fair.
        sim = await self._update_and_wait(sid, status, poll_interval)
        if self.status_of(sim) != status:
            raise RuntimeError(f"{sid} settled as {self.status_of(sim)!r}, wanted {status!r}")
        return 0  # the run's poll count comes from the server's counters

    async def _update_and_wait(self, sid: str, status: str, poll_interval: float) -> Any:
        view = getattr(self, "_waiting_view", None)
        if view is None:
            policy = tw.PollPolicy(
                interval=poll_interval, max_interval=poll_interval, multiplier=1.0
            )
            view = self._waiting_view = self.client.with_options(poll=policy)
        return await view.sims.update(sid, status=status, wait=True)
