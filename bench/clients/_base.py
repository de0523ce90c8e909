"""The interface every benchmarked client implements, and the shared 202 poll loop."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
BASIC_AUTH = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
# Every client uses a pool of this many connections (the official SDK: aiohttp's default
# 100, see BENCHMARKS.md; the 50-way workload never needs more than 50).
POOL_SIZE = 50
# A bound on every poll loop: a SIM that never settles fails the run instead of hanging it.
MAX_POLLS = 200


class BenchClient:
    """One client under test, bound to one server URL for the life of a worker process."""

    name = "base"

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    async def open(self) -> None:
        """Create the session/pool (inside the running loop)."""

    async def close(self) -> None:
        raise NotImplementedError

    async def fetch(self, sid: str) -> Any:
        """GET /v1/Sims/{sid}, parsed the way this client parses (model or dict)."""
        raise NotImplementedError

    def stream(self, page_size: int) -> AsyncIterator[Any]:
        """Every SIM of the fleet, following next_page_url, one page in memory at a time."""
        raise NotImplementedError

    async def update_status(self, sid: str, status: str) -> Any:
        """POST /v1/Sims/{sid} Status=..., parsed (a 202 answers with status "updating")."""
        raise NotImplementedError

    @staticmethod
    def sid_of(sim: Any) -> str:
        return str(sim.sid)

    @staticmethod
    def status_of(sim: Any) -> str:
        return str(sim.status)

    async def change_status(self, sid: str, status: str, poll_interval: float) -> int:
        """Change a SIM's status and wait until it settles; return the number of polls.

        The same client-side loop for every client: POST, then GET every `poll_interval`
        seconds while the SIM shows "updating". (The SDK overrides this: see clients/sdk.py.)
        """
        sim = await self.update_status(sid, status)
        polls = 0
        while self.status_of(sim) == "updating":
            if polls >= MAX_POLLS:
                raise RuntimeError(f"{sid} still updating after {polls} polls")
            await asyncio.sleep(poll_interval)
            sim = await self.fetch(sid)
            polls += 1
        if self.status_of(sim) != status:
            raise RuntimeError(f"{sid} settled as {self.status_of(sim)!r}, wanted {status!r}")
        return polls


def path_of(url: str) -> str:
    """The path and query of an absolute http://host/... URL."""
    return "/" + url.split("/", 3)[3]
